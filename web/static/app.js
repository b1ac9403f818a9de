// Small progressive enhancements; every screen also works without JavaScript.
(function () {
  "use strict";
  // Live search: an input with data-live-target reloads that element's content as the person types.
  function liveSearch(input) {
    var target = document.querySelector(input.dataset.liveTarget);
    var form = input.form;
    var timer = null, seq = 0;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var params = new URLSearchParams(new FormData(form));
        var url = form.getAttribute("action") + "?" + params.toString();
        var mine = ++seq;
        fetch(url, { headers: { "X-Fragment": "1" }, credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
          .then(function (html) {
            if (mine !== seq) return; // a newer keystroke already asked
            target.innerHTML = html;
            history.replaceState(null, "", url);
          })
          .catch(function () { /* the full form submit still works */ });
      }, 180);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-live-target]").forEach(liveSearch);
    document.querySelectorAll("tr[data-href]").forEach(function (row) {
      row.classList.add("clickable");
      row.addEventListener("click", function (e) {
        if (e.target.closest("a, button, input")) return;
        window.location = row.dataset.href;
      });
    });
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (e) {
        if (!window.confirm(form.dataset.confirm)) e.preventDefault();
      });
    });
  });
})();
