// Espace: JavaScript only enhances pages that work without it.
(function () {
  "use strict";

  // Show / hide password (ASVS 6.2.6). The button stays hidden without JS.
  document.querySelectorAll(".toggle-password").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("aria-controls"));
    if (!input) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var show = input.type === "password";
      input.type = show ? "text" : "password";
      button.setAttribute("aria-pressed", show ? "true" : "false");
      button.textContent = show ? button.dataset.hide : button.dataset.show;
    });
  });

  // Session expiry warning (RGAA 13.1): shown before the idle timeout, with
  // a button that extends the session without leaving the page.
  var body = document.body;
  var expires = Number(body.dataset.sessionExpires || 0);
  var warnBefore = Number(body.dataset.sessionWarn || 0);
  // Times are shown as the server formats them (its configured time zone),
  // like every other time on the page.
  var expiresText = body.dataset.sessionExpiresText || "";
  var warning = document.getElementById("session-warning");
  var text = document.getElementById("session-warning-text");
  var status = document.getElementById("session-status");
  if (!expires || !warning || !text) return;
  var timers = [];
  var previousFocus = null;

  function schedule() {
    timers.forEach(clearTimeout);
    timers = [];
    var now = Date.now();
    timers.push(setTimeout(showWarning, Math.max(0, expires - warnBefore - now)));
    timers.push(setTimeout(ended, Math.max(0, expires - now)));
  }

  function showWarning() {
    var absolute = text.dataset.absolute === "true";
    var template = absolute ? text.dataset.templateAbsolute : text.dataset.templateIdle;
    text.textContent = template.replace(/\{ ?\$time ?\}/, expiresText);
    warning.setAttribute("role", "alertdialog");
    warning.hidden = false;
    var button = warning.querySelector("button");
    if (absolute && button) button.hidden = true;
    previousFocus = document.activeElement;
    if (button && !absolute) button.focus();
  }

  function ended() {
    warning.hidden = true;
    if (status) status.textContent = status.dataset.ended;
    window.location.assign("/login?notice=expired&next=" + encodeURIComponent(location.pathname + location.search));
  }

  var form = warning.querySelector("form");
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new URLSearchParams(new FormData(form));
      fetch(form.action, {
        method: "POST",
        headers: { "Accept": "application/json", "X-CSRF-Token": data.get("csrf_token") },
        body: data,
        credentials: "same-origin"
      }).then(function (r) { return r.json(); }).then(function (json) {
        if (!json.signed_in) { ended(); return; }
        expires = json.expires_at_ms;
        expiresText = json.expires_at_text;
        warning.hidden = true;
        warning.removeAttribute("role");
        if (status) status.textContent = json.message;
        if (previousFocus && previousFocus.focus) previousFocus.focus();
        schedule();
      }).catch(function () { form.submit(); });
    });
  }
  schedule();
})();
