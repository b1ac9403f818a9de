// The tablet's point of sale. The cart lives on the box: every action posts to it and swaps in the cart it returns.
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var offline = document.getElementById("offline");

  function setOnline(ok) { if (offline) offline.hidden = ok; }

  // A short beep for feedback: the cashier often looks at the product, not the screen.
  var audio = null;
  function beep(ok) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.frequency.value = ok ? 1400 : 300;
      gain.gain.value = 0.15;
      osc.connect(gain); gain.connect(audio.destination);
      osc.start(); osc.stop(audio.currentTime + (ok ? 0.07 : 0.35));
    } catch (e) { /* no audio: the colour still tells */ }
  }

  function post(url, body) {
    return fetch(url, { method: "POST", body: body, credentials: "same-origin",
                        headers: { "X-CSRFToken": csrf, "X-Fragment": "1" } })
      .then(function (r) { setOnline(true); return r.text().then(function (t) { return { ok: r.ok, status: r.status, html: t }; }); })
      .catch(function (e) { setOnline(false); throw e; });
  }

  var cartBox = document.getElementById("cart");
  var scan = document.getElementById("scan");
  var version = 0;

  function applyCart(html, ok) {
    if (!cartBox) return;
    // Answers can arrive out of order (a refresh asked for on an event, then a scan's answer): a cart older than
    // the one shown is dropped, or the screen would go back a scan. The lane's cart version only grows.
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var incoming = holder.querySelector(".cart");
    if (incoming && parseInt(incoming.dataset.version || "0", 10) < version) return;
    cartBox.innerHTML = html;
    var cart = cartBox.querySelector(".cart");
    if (!cart) return;
    version = Math.max(version, parseInt(cart.dataset.version || "0", 10));
    var total = document.getElementById("total");
    if (total) total.textContent = cart.dataset.totalText;
    var count = document.getElementById("count");
    var n = parseInt(cart.dataset.count || "0", 10);
    if (count) count.textContent = n + (n === 1 ? " línea" : " líneas");
    var payOpen = document.getElementById("pay-open");
    if (payOpen) payOpen.disabled = n === 0;
    payHeading();
    renderQuick(cart.dataset.quick);
    if (scan && ok !== undefined) {
      scan.classList.remove("flash-ok", "flash-bad");
      void scan.offsetWidth;
      scan.classList.add(ok ? "flash-ok" : "flash-bad");
      beep(ok);
    }
  }

  function refresh() {
    fetch("/caja/carro", { headers: { "X-Fragment": "1" }, credentials: "same-origin" })
      .then(function (r) { setOnline(true); return r.text(); }).then(function (html) { applyCart(html); })
      .catch(function () { setOnline(false); });
  }

  function sendScan(code) {
    if (!code) return;
    var body = new FormData();
    body.append("code", code);
    post("/caja/escanear", body).then(function (res) { applyCart(res.html, res.ok); });
  }

  // Forms inside the cart (quantity, remove, age, envase) and the tiles and dialogs post without leaving the page.
  var weigh = document.getElementById("weigh");
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.hasAttribute("data-cart-action")) return;
    e.preventDefault();
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
    if (form.dataset.weighed && weigh) {
      // A weighed product: the lane's scale or a typed weight, in a dialog (never a bare prompt).
      document.getElementById("weigh-product").value = form.querySelector('[name="product_id"]').value;
      document.getElementById("weigh-name").textContent = form.dataset.name || form.textContent.trim().split("\n")[0];
      document.getElementById("weigh-kg").value = "";
      hideTiles();
      weigh.showModal();
      return;
    }
    var body = new FormData(form);
    if (form.id === "weigh-form" && e.submitter && e.submitter.id === "weigh-scale") body.delete("kg");
    var dialog = form.closest("dialog");
    post(form.action, body).then(function (res) {
      applyCart(res.html, res.ok);
      if (form.classList.contains("tile-pos")) { hideTiles(); scan.value = ""; scan.focus(); }
      if (!res.ok && form.hasAttribute("data-keep-fields")) keepFields(form.className, body);
      if (dialog && form.hasAttribute("data-closes")) {
        if (res.ok) { dialog.close(); scan.focus(); }
        else {
          var tmp = document.createElement("div"); tmp.innerHTML = res.html;
          var msg = tmp.querySelector(".cart-msg");
          var box = dialog.querySelector(".dialog-error");
          if (!box) { box = document.createElement("div"); box.className = "flash error dialog-error"; box.setAttribute("role", "alert");
                      (dialog.querySelector("h2") || dialog.firstChild).after(box); }
          box.textContent = msg ? msg.textContent : "No se pudo.";
          // What was typed stays for the retry; only a refused PIN is cleared (and asked again).
          var pin = form.querySelector('[name="supervisor_pin"]');
          if (pin) { pin.value = ""; pin.focus(); }
        }
      }
    });
  });
  document.addEventListener("click", function (e) {
    var close = e.target.closest && e.target.closest("[data-close]");
    if (close) { var d = close.closest("dialog"); if (d) d.close(); if (scan) scan.focus(); return; }
    var disc = e.target.closest && e.target.closest("[data-discount]");
    if (disc) {
      var dlg = document.getElementById("discount");
      var form = document.getElementById("discount-form");
      form.action = "/caja/lineas/" + disc.dataset.discount + "/descuento";
      form.reset();
      document.getElementById("discount-desc").textContent = disc.dataset.desc || "";
      var old = dlg.querySelector(".dialog-error"); if (old) old.remove();
      dlg.showModal();
    }
  });
  // A supervisor's form inside the cart (alcohol) comes back with the refused cart: what was typed in it, except the
  // PIN, is put back if the box did not already (it sends `values` after a refusal).
  function keepFields(className, sent) {
    var again = cartBox && cartBox.querySelector("form." + className.split(" ")[0]);
    if (!again) return;
    sent.forEach(function (value, name) {
      if (name === "supervisor_pin" || name === "_csrf_token" || typeof value !== "string") return;
      var field = again.elements[name];
      if (field && !field.value && field.type !== "hidden") field.value = value;
    });
    var pin = again.querySelector('[name="supervisor_pin"]');
    if (pin) pin.focus();
  }
  function clearErrors(dlg) { var old = dlg.querySelector(".dialog-error"); if (old) old.remove(); }
  var customerDlg = document.getElementById("customer");
  var customerOpen = document.getElementById("customer-open");
  if (customerDlg && customerOpen) {
    var q = document.getElementById("customer-q"), results = document.getElementById("customer-results"), qTimer = null;
    customerOpen.addEventListener("click", function () { clearErrors(customerDlg); customerDlg.showModal(); q.focus(); });
    q.addEventListener("input", function () {
      clearTimeout(qTimer);
      qTimer = setTimeout(function () {
        fetch("/caja/clientes?q=" + encodeURIComponent(q.value.trim()), { headers: { "X-Fragment": "1" }, credentials: "same-origin" })
          .then(function (r) { setOnline(true); return r.text(); }).then(function (html) { results.innerHTML = html; })
          .catch(function () { setOnline(false); });
      }, 200);
    });
  }
  var envaseDlg = document.getElementById("envase");
  var envaseOpen = document.getElementById("envase-open");
  if (envaseDlg && envaseOpen) envaseOpen.addEventListener("click", function () {
    fetch("/caja/envases/lista", { headers: { "X-Fragment": "1" }, credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) { document.getElementById("envase-list").innerHTML = html; clearErrors(envaseDlg); envaseDlg.showModal(); });
  });
  var quickOpen = document.getElementById("quick-open");
  if (quickOpen) quickOpen.addEventListener("click", function () {
    if (quickOpen.getAttribute("aria-pressed") === "true") { quickOpen.setAttribute("aria-pressed", "false"); hideTiles(); return; }
    fetch("/caja/teclas", { headers: { "X-Fragment": "1" }, credentials: "same-origin" })
      .then(function (r) { setOnline(true); return r.text(); })
      .then(function (html) { tiles.innerHTML = html; tiles.hidden = false; quickOpen.setAttribute("aria-pressed", "true"); })
      .catch(function () { setOnline(false); });
  });

  // The scan box: Enter sends a code; typed letters search by name.
  var tiles = document.getElementById("tiles");
  var priceMode = document.getElementById("price-mode");
  var priceBox = document.getElementById("price-result");
  function hideTiles() {
    if (tiles) { tiles.hidden = true; tiles.innerHTML = ""; }
    var qk = document.getElementById("quick-open"); if (qk) qk.setAttribute("aria-pressed", "false");
  }
  var searchTimer = null;
  if (scan) {
    document.getElementById("scan-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var code = scan.value.trim();
      scan.value = "";
      if (priceMode && priceMode.getAttribute("aria-pressed") === "true") { priceCheck(code); return; }
      // A code, or "6*code" (six of it), is a scan; words are a search by name.
      if (/^(\d{1,3}\s*[*xX×]\s*)?[0-9A-Za-z.-]+$/.test(code) && !/^[A-Za-z]{3,}$/.test(code)) sendScan(code);
      else search(code);
    });
    scan.addEventListener("input", function () {
      clearTimeout(searchTimer);
      var text = scan.value.trim();
      if (/^\d+$/.test(text) || /^\d{1,3}\s*[*xX×]/.test(text) || text.length < 3) { hideTiles(); return; }
      searchTimer = setTimeout(function () { search(text); }, 200);
    });
  }
  function search(q) {
    fetch("/caja/buscar?q=" + encodeURIComponent(q), { headers: { "X-Fragment": "1" }, credentials: "same-origin" })
      .then(function (r) { setOnline(true); return r.text(); })
      .then(function (html) { tiles.innerHTML = html; tiles.hidden = false; })
      .catch(function () { setOnline(false); });
  }
  var searchOpen = document.getElementById("search-open");
  if (searchOpen) searchOpen.addEventListener("click", function () { scan.focus(); scan.placeholder = "Escriba el nombre del producto"; });
  function priceCheck(code) {
    fetch("/caja/precio?code=" + encodeURIComponent(code), { headers: { "X-Fragment": "1" }, credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) { priceBox.innerHTML = html; priceBox.hidden = false; });
  }
  if (priceMode) priceMode.addEventListener("click", function () {
    var on = priceMode.getAttribute("aria-pressed") !== "true";
    priceMode.setAttribute("aria-pressed", on ? "true" : "false");
    priceMode.textContent = on ? "Salir de consulta" : "Consultar precio";
    priceBox.hidden = !on; priceBox.innerHTML = "";
    scan.placeholder = on ? "Escanee para ver el precio (no vende)" : "Escanee, escriba código o nombre (6*código: seis)";
    scan.focus();
  });

  // A keyboard-wedge scanner paired to the tablet types fast and ends with Enter, wherever the focus is.
  // What tells it from a person is the pace of the whole burst (a scanner averages a few ms a key, a
  // person well over 50), not each gap: a busy tablet can delay one key, or the Enter, by a tenth of a
  // second. A pause of 300 ms starts a new burst, so a stray key pressed earlier is not sent with the code.
  var burst = "", first = 0, last = 0;
  document.addEventListener("keydown", function (e) {
    if (!scan || e.target === scan) return;
    var now = e.timeStamp || Date.now();
    if (now - last > 300) { burst = ""; first = now; }
    last = now;
    if (e.key === "Enter") {
      if (burst.length >= 6 && (now - first) / burst.length <= 50) { e.preventDefault(); sendScan(burst); }
      burst = "";
      last = 0;
    } else if (e.key.length === 1) {
      burst += e.key;
    }
  }, true);

  // Payment. The heading says what to collect: with cash alone, the total rounded to the ten (Ley 20.956); with
  // cards, transfer or fiado too, those exact and the rest in cash, rounded.
  var pay = document.getElementById("pay");
  var payForm = document.getElementById("pay-form");
  function pesos(n) { return (n < 0 ? "-$" : "$") + String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, "."); }
  function typedAmount(text) {
    var t = (text || "").replace(/[$\s]/g, "");
    return /^(\d+|\d{1,3}(\.\d{3})+)$/.test(t) ? parseInt(t.replace(/\./g, ""), 10) : 0;
  }
  function cashRounding(n) { var last = n % 10; return n - last + (last >= 6 ? 10 : 0); }
  function payHeading() {
    var title = document.getElementById("pay-total"), sub = document.getElementById("pay-sub");
    if (!title || !payForm) return;
    var cart = cartBox && cartBox.querySelector(".cart");
    var due = parseInt((cart && cart.dataset.total) || payForm.dataset.due || "0", 10) || 0;
    var covered = 0;
    ["debito", "credito", "transferencia", "fiado"].forEach(function (name) {
      var field = payForm.elements[name];
      if (field && !field.disabled) covered += typedAmount(field.value);
    });
    var rest = due - covered, text = "";
    if (covered === 0) {
      var cash = cashRounding(due);
      title.textContent = pesos(cash);
      if (cash !== due) text = "en efectivo · total " + pesos(due);
    } else if (rest > 0) {
      var part = cashRounding(rest);
      title.textContent = pesos(covered + part);
      text = "efectivo " + pesos(part) + (covered + part !== due ? " · total " + pesos(due) : "");
    } else {
      title.textContent = pesos(due);
    }
    if (sub) sub.textContent = text;
  }
  if (payForm) payForm.addEventListener("input", payHeading);
  function renderQuick(list) {
    var box = document.getElementById("quick");
    if (!box) return;
    box.innerHTML = "";
    (list || "").split(",").filter(Boolean).forEach(function (amount) {
      var b = document.createElement("button");
      b.type = "button"; b.className = "btn";
      b.textContent = "$" + Number(amount).toLocaleString("es-CL");
      b.addEventListener("click", function () { document.getElementById("pay-cash").value = amount; payHeading(); });
      box.appendChild(b);
    });
  }
  var payOpen = document.getElementById("pay-open");
  if (payOpen && pay) {
    var first = cartBox && cartBox.querySelector(".cart");
    if (first) renderQuick(first.dataset.quick);
    payOpen.addEventListener("click", function () {
      document.getElementById("pay-error").hidden = true;
      var cartNow = cartBox.querySelector(".cart");
      var hasCustomer = cartNow && cartNow.dataset.customer;
      document.getElementById("pay-fiado").disabled = !hasCustomer;
      document.getElementById("fiado-hint").hidden = !!hasCustomer;
      payHeading();
      pay.showModal();
      document.getElementById("pay-cash").focus();
    });
    document.getElementById("pay-close").addEventListener("click", function () { pay.close(); scan.focus(); });
    document.getElementById("pay-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var form = e.target;
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                           headers: { "X-CSRFToken": csrf, "X-Fragment": "1" }, redirect: "follow" })
        .then(function (r) {
          setOnline(true);
          if (r.redirected) { window.location = r.url; return; }
          return r.text().then(function (html) {
            var tmp = document.createElement("div"); tmp.innerHTML = html;
            var msg = tmp.querySelector(".cart-msg");
            var box = document.getElementById("pay-error");
            box.textContent = msg ? msg.textContent : "No se pudo cobrar.";
            box.hidden = false; beep(false);
          });
        })
        .catch(function () { setOnline(false); });
    });
  }

  // Server-sent events: scans on the box's own scanner and other tablets' changes show here at once.
  var main = document.querySelector("[data-events]");
  var lastId = null;
  function showNotice(n) {
    if (n.alcohol) {
      // Alcohol refused on the box's scanner: the cart comes back with the supervisor's authorisation form.
      fetch("/caja/alcohol?producto=" + n.alcohol.product_id + "&cantidad=" + n.alcohol.quantity,
            { headers: { "X-Fragment": "1" }, credentials: "same-origin" })
        .then(function (r) { setOnline(true); return r.text(); })
        .then(function (html) { applyCart(html, false); })
        .catch(function () { setOnline(false); });
      beep(false);
      return;
    }
    if (n.version > version) refresh();
    if (!n.message) return;
    var box = document.createElement("div");
    box.className = "cart-msg " + (n.ok ? "ok" : "error");
    box.setAttribute("role", n.ok ? "status" : "alert");
    box.textContent = n.message;
    var old = cartBox.querySelector(".cart-msg.live");
    if (old) old.remove();
    box.classList.add("live");
    cartBox.prepend(box);
    if (scan) { scan.classList.remove("flash-ok", "flash-bad"); void scan.offsetWidth;
                scan.classList.add(n.ok ? "flash-ok" : "flash-bad"); }
    beep(n.ok);
  }
  if (main && window.EventSource) {
    var first2 = cartBox && cartBox.querySelector(".cart");
    version = first2 ? parseInt(first2.dataset.version || "0", 10) : 0;
    var connect = function () {
      var url = main.dataset.events + (lastId !== null ? "?after=" + lastId : "");
      var source = new EventSource(url);
      source.addEventListener("open", function () { setOnline(true); });
      source.addEventListener("notice", function (ev) {
        lastId = parseInt(ev.lastEventId, 10);
        var n = JSON.parse(ev.data);
        if (n.version <= version && n.ok && n.message && !n.receipt && cartBox.querySelector(".cart-msg")) return; // our own action
        showNotice(n);
      });
      source.addEventListener("error", function () {
        setOnline(false);
        source.close();
        setTimeout(connect, 2000);
      });
    };
    connect();
  }

  // The return screen: a receipt's timbre read on the box's scanner opens that sale here.
  var returnScreen = document.querySelector("[data-return-events]");
  if (returnScreen && window.EventSource) {
    var receipts = new EventSource(returnScreen.dataset.returnEvents);
    receipts.addEventListener("notice", function (ev) {
      var n = JSON.parse(ev.data);
      if (n.receipt) window.location.href = "/caja/devolucion?boleta=" + encodeURIComponent(n.receipt);
    });
  }

  // The PIN keypad.
  document.querySelectorAll(".keypad").forEach(function (pad) {
    var target = document.querySelector(pad.dataset.target);
    pad.addEventListener("click", function (e) {
      var key = e.target.dataset && e.target.dataset.key;
      if (!key || key === "OK") return;
      target.value = key === "⌫" ? target.value.slice(0, -1) : (target.value + key).slice(0, 6);
    });
  });
  document.querySelectorAll("form[data-confirm]:not([data-cart-action])").forEach(function (form) {
    form.addEventListener("submit", function (e) { if (!window.confirm(form.dataset.confirm)) e.preventDefault(); });
  });
  // "Imprimir" on the Z report.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  // The printer banner (devices/_printer_watch.html): the box is asked every few seconds.
  var printerBanner = document.getElementById("printer-banner");
  if (printerBanner && window.fetch) {
    setInterval(function () {
      fetch("/caja/impresora", { credentials: "same-origin", headers: { "X-Fragment": "1" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null) return;
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.querySelector("#printer-banner");
          if (fresh) { printerBanner.hidden = fresh.hidden; printerBanner.textContent = fresh.textContent; }
        })
        .catch(function () { /* offline: the tablet's own banner says so */ });
    }, 8000);
  }
})();
