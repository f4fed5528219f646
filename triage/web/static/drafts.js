// Drafts of the ticket page's reply and note boxes, and the question before resolving a ticket
// that never got a reply (issue 16). Progressive enhancement: the page works without this file
// (a refused text comes back from the server all the same, the question is a page of its own).
//
// What is typed is posted to the box's data-draft-url a moment after typing stops, and at
// once when the box loses focus or the page is hidden or left (fetch keepalive); an empty box
// removes the draft. The status line says when it was last kept and, near the limit, how many
// characters are used.
(function () {
  "use strict";
  var DELAY_MS = 1500;

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  function setUp(form) {
    var box = form.querySelector("textarea[name=text]");
    var status = form.querySelector(".compose-status");
    if (!box || !status) return;
    var state = status.querySelector(".draft-state");
    var counter = status.querySelector(".char-count");
    var limit = parseInt(status.getAttribute("data-limit"), 10) || 0;
    var url = form.getAttribute("data-draft-url");
    // The reply box starts with the ready reply when there is no draft: that text is no draft.
    var initial = box.getAttribute("data-draft") === "1" ? null : box.value;
    var saved = box.value;
    var timer = null;
    var submitting = false;

    function count() {
      var length = box.value.length;
      var near = limit && length >= limit * 0.8;
      counter.textContent = near ? fill(status.getAttribute("data-counter-text"), {
        length: length.toLocaleString(document.documentElement.lang || undefined),
        limit: limit.toLocaleString(document.documentElement.lang || undefined)
      }) : "";
      counter.classList.toggle("over", limit > 0 && length > limit);
    }

    function save(leaving) {
      if (timer) { clearTimeout(timer); timer = null; }
      if (submitting || box.value === saved) return;
      var text = box.value === initial ? "" : box.value;
      var sent = box.value;
      var body = new URLSearchParams();
      body.set("text", text);
      // The form's one-time key: once the form itself was sent, the server ignores this save.
      var key = form.querySelector("input[name=form_key]");
      if (key) body.set("form_key", key.value);
      fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        keepalive: !!leaving,
        headers: { "X-CSRFToken": csrfToken(form) }
      }).then(function (response) {
        return response.json().then(function (data) {
          if (response.ok) {
            saved = sent;
            state.textContent = data.saved ? data.message : "";
          } else {
            state.textContent = data.message || status.getAttribute("data-failed-text");
          }
        });
      }).catch(function () {
        if (!leaving) state.textContent = status.getAttribute("data-failed-text");
      });
    }

    box.addEventListener("input", function () {
      count();
      if (timer) clearTimeout(timer);
      timer = setTimeout(function () { save(false); }, DELAY_MS);
    });
    box.addEventListener("blur", function (event) {
      // Left for the form's own button: the form takes the text, no draft to keep.
      if (event.relatedTarget && event.relatedTarget.form === form && event.relatedTarget.type === "submit") return;
      save(false);
    });
    form.addEventListener("submit", function () { submitting = true; if (timer) clearTimeout(timer); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") save(true);
    });
    window.addEventListener("pagehide", function () { save(true); });
    count();
  }

  // Resolving a ticket that never got a reply: the server answers with its question instead of
  // resolving (resolve_confirm.html); shown here as a panel under the button instead of a page.
  function askInPage(button) {
    var form = button.form;
    form.addEventListener("submit", function (event) {
      if (form.querySelector("input[name=confirm]")) return;
      event.preventDefault();
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin", redirect: "manual" })
        .then(function (response) {
          if (response.type === "opaqueredirect") { window.location.reload(); return; }  // resolved: the page says so
          if (!response.ok) { form.submit(); return; }  // the server's own page says why
          return response.text().then(function (html) {
            var question = new DOMParser().parseFromString(html, "text/html").getElementById("resolve-confirm");
            if (!question) { form.submit(); return; }
            var panel = document.importNode(question, true);
            var heading = panel.querySelector("h1");
            if (heading) heading.remove();
            panel.classList.add("in-page");
            form.after(panel);
            button.disabled = true;
            panel.querySelector("#cancel-resolve").addEventListener("click", function (e) {
              e.preventDefault();
              panel.remove();
              button.disabled = false;
              button.focus();
            });
            panel.querySelector("#confirm-resolve").focus();
          });
        })
        .catch(function () { form.submit(); });
    });
  }

  document.querySelectorAll("form.compose[data-draft-url]").forEach(setUp);
  var resolveButton = document.getElementById("resolve");
  if (resolveButton && resolveButton.form && window.DOMParser) askInPage(resolveButton);
})();
