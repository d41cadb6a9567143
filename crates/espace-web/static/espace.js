// Espace: JavaScript only enhances pages that work without it.
document.documentElement.classList.add("js");
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
      // Only the visible words change; a hidden part may name the field.
      var text = button.querySelector("[data-toggle-text]") || button;
      text.textContent = show ? button.dataset.hide : button.dataset.show;
    });
  });

  // Live password level: the server's own policy judges the candidate
  // (no second copy of the rules here); the answer is announced politely.
  document.querySelectorAll("input[data-check-url]").forEach(function (input) {
    var out = document.getElementById(input.id + "-level");
    var form = input.form;
    if (!out || !form) return;
    var timer = null;
    var seq = 0;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      if (!input.value) { out.hidden = true; out.textContent = ""; return; }
      timer = setTimeout(function () {
        var mine = ++seq;
        var data = new URLSearchParams();
        data.set("csrf_token", form.querySelector("input[name=csrf_token]").value);
        data.set("new_password", input.value);
        fetch(input.dataset.checkUrl, {
          method: "POST",
          headers: { "Accept": "application/json", "X-CSRF-Token": data.get("csrf_token") },
          body: data,
          credentials: "same-origin"
        }).then(function (r) { return r.json(); }).then(function (json) {
          if (mine !== seq) return;
          out.hidden = false;
          out.className = "password-level level-" + json.level;
          out.textContent = "";
          var p = document.createElement("p");
          p.className = "level-label";
          p.textContent = json.label;
          out.appendChild(p);
          if (json.unmet.length) {
            var ul = document.createElement("ul");
            json.unmet.forEach(function (m) {
              var li = document.createElement("li");
              li.textContent = m;
              ul.appendChild(li);
            });
            out.appendChild(ul);
          }
        }).catch(function () { out.hidden = true; });
      }, 300);
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

// Passkeys (WebAuthn). A form marked data-passkey="create" or "get" stays
// hidden without WebAuthn; with it, submitting asks the server for the
// ceremony's options, lets the browser create or use the passkey, puts the
// answer in the form's hidden fields and sends the form as usual.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) return;
  var hasJsonApi = typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function";
  if (!hasJsonApi) return;

  document.querySelectorAll("form[data-passkey]").forEach(function (form) {
    form.hidden = false;
    var status = form.querySelector("[data-passkey-status]");
    var busy = false;
    form.addEventListener("submit", function (event) {
      if (form.elements.response.value) return; // the answer is in: send it
      event.preventDefault();
      if (busy) return;
      busy = true;
      if (status) { status.hidden = true; status.textContent = ""; }
      var prepare = form.espacePrepare ? form.espacePrepare() : Promise.resolve();
      prepare.then(function () {
        var data = new URLSearchParams(new FormData(form));
        return fetch(form.dataset.optionsUrl, {
          method: "POST",
          headers: { "Accept": "application/json", "X-CSRF-Token": data.get("csrf_token") },
          body: data,
          credentials: "same-origin"
        });
      }).then(function (r) {
        if (!r.ok) throw new Error("options " + r.status);
        return r.json();
      }).then(function (json) {
        form.elements.ceremony.value = json.ceremony;
        if (form.dataset.passkey === "create") {
          return navigator.credentials.create({
            publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(json.options.publicKey)
          });
        }
        return navigator.credentials.get({
          publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(json.options.publicKey)
        });
      }).then(function (credential) {
        form.elements.response.value = JSON.stringify(credential.toJSON());
        form.submit();
      }).catch(function (err) {
        busy = false;
        if (status) {
          status.textContent = (err && err.userMessage) || form.dataset.failed;
          status.hidden = false;
        }
      });
    });
  });
})();

// Waiting for the companion app (SPEC §4.6): server-sent events say when
// the request is answered; the page then loads again and leads on.
// Without JavaScript, the page refreshes itself.
(function () {
  "use strict";
  var box = document.querySelector("[data-push-events]");
  if (!box) return;
  var status = box.querySelector("[data-push-status]");
  function done() { location.replace(box.dataset.pushHere); }
  if (!window.EventSource) { setTimeout(done, 5000); return; }
  var source = new EventSource(box.dataset.pushEvents);
  source.addEventListener("state", function (event) {
    if (event.data === "waiting") return;
    source.close();
    if (status && event.data === "approved") status.textContent = status.dataset.approved;
    done();
  });
  source.onerror = function () {
    // The stream ended or broke: look again in a moment.
    source.close();
    setTimeout(done, 3000);
  };
})();
