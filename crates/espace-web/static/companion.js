// The companion app's pages (SPEC §4.6): the service worker, the push
// subscription handed over when linking, the number check before an
// approval, and the polling fallback that shows new requests.
(function () {
  "use strict";
  var sw = null;
  if ("serviceWorker" in navigator) {
    sw = navigator.serviceWorker.register("/companion/sw.js", { scope: "/companion" })
      .catch(function () { return null; });
  }

  function b64urlToBytes(s) {
    var pad = "=".repeat((4 - (s.length % 4)) % 4);
    var raw = atob((s + pad).replace(/-/g, "+").replace(/_/g, "/"));
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  // A push subscription, or null (refused, no push service, or no answer
  // within a few seconds): the phone then polls.
  function subscribe(key) {
    if (!sw || !key || !("PushManager" in window)) return Promise.resolve(null);
    var giveUp = new Promise(function (resolve) { setTimeout(resolve, 4000, null); });
    return Promise.race([giveUp, sw.then(function (reg) {
      if (!reg) return null;
      return navigator.serviceWorker.ready.then(function (ready) {
        return ready.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: b64urlToBytes(key)
        });
      });
    })]).catch(function () { return null; });
  }

  // Linking: the subscription goes with the passkey.
  document.querySelectorAll("form[data-push-key]").forEach(function (form) {
    form.espacePrepare = function () {
      return subscribe(form.dataset.pushKey).then(function (sub) {
        if (sub) form.elements.subscription.value = JSON.stringify(sub.toJSON());
      });
    };
  });

  // Approving: a number must be chosen before the passkey is asked for.
  document.querySelectorAll("form[data-choose]").forEach(function (form) {
    form.espacePrepare = function () {
      if (form.querySelector("input[name=number]:checked")) return Promise.resolve();
      var err = new Error("no number");
      err.userMessage = form.dataset.choose;
      return Promise.reject(err);
    };
  });

  // New requests: a push (through the service worker) or polling.
  var home = document.querySelector("[data-companion-poll]");
  if (!home) return;
  var shown = Array.prototype.map.call(
    document.querySelectorAll("form[data-choose]"),
    function (f) { return f.action.split("/").pop(); }
  ).sort().join(" ");
  var busy = false;
  document.addEventListener("submit", function () { busy = true; }, true);
  function check() {
    if (busy || document.hidden) return;
    fetch(home.dataset.companionPoll, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (json) {
        if (json && json.requests.slice().sort().join(" ") !== shown && !busy) location.reload();
      })
      .catch(function () {});
  }
  setInterval(check, 4000);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data === "refresh") check();
    });
  }
  var state = document.querySelector("[data-push-state]");
  if (state && sw && "Notification" in window) {
    state.textContent = Notification.permission === "granted" ? state.dataset.on : state.dataset.off;
    state.hidden = false;
  }
})();
