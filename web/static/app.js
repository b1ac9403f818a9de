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
    // A filter that applies as soon as it is chosen (products: category, state).
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { if (select.form) select.form.submit(); });
    });
    var health = document.querySelector("[data-health-url]");
    if (health) watchDevices(health.dataset.healthUrl);
  });

  // The devices page: each device's badge, the receipts waiting and the last scan refresh every few seconds,
  // without reloading the page (and losing what is being typed).
  function watchDevices(url) {
    var tones = { ok: "ok", paper_out: "warn", offline: "bad", error: "bad" };
    function paint(el, h) {
      el.textContent = h.text; el.title = h.detail || "";
      el.className = "tag " + (tones[h.state] || "");
    }
    function refresh() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (data) {
          Object.keys(data.lanes).forEach(function (id) {
            var lane = data.lanes[id];
            ["printer", "scanner", "scale"].forEach(function (kind) {
              var el = document.querySelector('[data-health="' + id + "-" + kind + '"]');
              if (el && lane[kind]) paint(el, lane[kind]);
            });
            var waiting = document.querySelector('[data-waiting="' + id + '"]');
            if (waiting && !lane.waiting) waiting.hidden = true;
            var scan = document.querySelector('[data-last-scan="' + id + '"]');
            if (scan && lane.last_scan) {
              scan.textContent = "Último escaneo: " + lane.last_scan.code + " — " + lane.last_scan.message;
            }
          });
        })
        .catch(function () { /* the next round tries again */ });
    }
    setInterval(refresh, 4000);
  }
})();
