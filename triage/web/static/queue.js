// Keyboard shortcuts on every page; on the queue page also the tab title's count of tickets
// that arrived since the agent last looked, and an optional sound when new ones arrive.
// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  var SEEN_KEY = "triage.queue.seen";   // the newest ticket id when the agent last looked
  var SOUND_KEY = "triage.queue.sound"; // "1" when the agent switched the sound on
  var baseTitle = document.title;
  var current = null;   // the highlighted row's ticket id
  var lastNew = 0;      // new tickets at the previous refresh (a beep when it grows)
  var audio = null;

  function load(key) { try { return window.localStorage.getItem(key); } catch (e) { return null; } }
  function store(key, value) { try { window.localStorage.setItem(key, value); } catch (e) { /* private mode */ } }
  function byId(id) { return document.getElementById(id); }
  function live() { return byId("queue-live"); }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#queue-rows tr.ticket")); }

  // --- j / k / Enter: a highlighted row -----------------------------------------------
  function highlight(row) {
    rows().forEach(function (r) { r.classList.remove("is-current"); r.removeAttribute("aria-current"); });
    current = row ? row.getAttribute("data-ticket-id") : null;
    if (!row) return;
    row.classList.add("is-current");
    row.setAttribute("aria-current", "true");
    row.scrollIntoView({ block: "nearest" });
  }

  function currentRow() {
    return current ? document.querySelector('#queue-rows tr.ticket[data-ticket-id="' + current + '"]') : null;
  }

  function move(step) {
    var list = rows();
    if (!list.length) return false;
    var index = list.indexOf(currentRow());
    var next = index < 0 ? (step > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, index + step));
    highlight(list[next]);
    return true;
  }

  function openCurrent() {
    var row = currentRow();
    var link = row && row.querySelector("a.open");
    if (!link) return false;
    window.location.assign(link.href);
    return true;
  }

  function click(id) {
    var button = byId(id);
    if (!button || button.disabled) return false;
    button.click();
    return true;
  }

  function focus(id) {
    var field = byId(id);
    if (!field) return false;
    field.focus();
    if (field.type === "search") field.select();
    else if (field.tagName.toLowerCase() === "textarea") field.selectionStart = field.selectionEnd = field.value.length;
    return true;
  }

  // --- ? / Escape: the list of keys ------------------------------------------------------
  var beforeHelp = null;  // what had the focus before the list opened: it gets it back

  function showHelp(show) {
    var help = byId("keys-help");
    if (!help) return false;
    if (show) {
      beforeHelp = document.activeElement;
      help.hidden = false;
      byId("keys-help-close").focus();
    } else {
      help.hidden = true;
      if (beforeHelp && beforeHelp !== document.body && document.contains(beforeHelp)) beforeHelp.focus();
      else if (document.activeElement) document.activeElement.blur();
      beforeHelp = null;
    }
    return true;
  }

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function opensByItself(target) {
    var tag = target && target.tagName ? target.tagName.toLowerCase() : "";
    return tag === "a" || tag === "button" || tag === "summary";
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    var help = byId("keys-help");
    if (event.key === "Escape" && help && !help.hidden) {
      showHelp(false);
      event.preventDefault();
      return;
    }
    if (typing(event.target)) return;  // letters typed into a box stay letters
    var done = false;
    switch (event.key) {
      case "j": done = move(1); break;
      case "k": done = move(-1); break;
      case "Enter": done = !opensByItself(event.target) && openCurrent(); break;
      case "n": done = click("take-next"); break;
      case "r": done = focus("reply-text"); break;
      case "e": done = click("resolve"); break;
      case "/": done = focus("queue-search"); break;
      case "?": done = showHelp(help ? help.hidden : false); break;
      default: return;
    }
    if (done) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("#keys-help-close")) showHelp(false);
  });

  // --- The tab title: "(3) Antrean tiket" while the agent looks elsewhere ----------------
  function number(el, name) { return el ? parseInt(el.getAttribute(name), 10) || 0 : 0; }

  function looking() { return document.visibilityState === "visible" && document.hasFocus(); }

  function markSeen() {
    var newest = number(live(), "data-newest-id");
    if (newest > (parseInt(load(SEEN_KEY), 10) || 0)) store(SEEN_KEY, String(newest));
    lastNew = 0;
    showNew(0);
  }

  function showNew(count) {
    var cap = number(live(), "data-new-cap") || 99;
    var text = count > cap ? cap + "+" : String(count);
    document.title = count > 0 ? "(" + text + ") " + baseTitle : baseTitle;
  }

  function refreshed() {
    var el = live();
    if (!el) return;
    if (current) {
      var row = currentRow();
      if (row) { row.classList.add("is-current"); row.setAttribute("aria-current", "true"); } else { current = null; }
    }
    if (looking()) { markSeen(); return; }
    var count = number(el, "data-new-count");
    if (count > lastNew && soundOn()) beep();
    lastNew = count;
    showNew(count);
  }

  // The poll asks how many tickets came after the newest one the agent saw.
  document.addEventListener("htmx:configRequest", function (event) {
    var seen = load(SEEN_KEY);
    if (event.detail.elt && event.detail.elt.id === "queue-live" && seen) event.detail.parameters.seen = seen;
  });
  document.addEventListener("htmx:afterSettle", refreshed);

  function lookedAgain() {
    if (!live() || !looking()) return;
    markSeen();
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && live() && window.htmx) window.htmx.trigger(live(), "refresh");
    lookedAgain();
  });
  window.addEventListener("focus", lookedAgain);

  // --- The optional sound: off unless the agent switches it on (kept in this browser) ----
  function soundOn() { return load(SOUND_KEY) === "1"; }

  function beep() {
    var toggle = byId("sound-toggle");
    if (toggle) toggle.setAttribute("data-beeps", String((parseInt(toggle.getAttribute("data-beeps"), 10) || 0) + 1));
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      audio = audio || new Context();
      var tone = audio.createOscillator();
      var gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.value = 0.08;
      tone.connect(gain);
      gain.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.15);
    } catch (e) { /* no audio output: the title still counts */ }
  }

  function setUp() {
    var toggle = byId("sound-toggle");
    if (toggle) {
      toggle.checked = soundOn();
      byId("sound-toggle-label").hidden = false;
      toggle.addEventListener("change", function () {
        store(SOUND_KEY, toggle.checked ? "1" : "0");
        var Context = window.AudioContext || window.webkitAudioContext;
        if (toggle.checked && Context && !audio) { try { audio = new Context(); } catch (e) { audio = null; } }
      });
    }
    if (!live()) return;
    if (!load(SEEN_KEY) || document.visibilityState === "visible") markSeen();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
