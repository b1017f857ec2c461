// CloudFlow console: local times, JSON checks before sending, live updates
// of a running execution. No dependencies, no build step.
(function () {
  "use strict";

  var ICONS = { notreached: "○", running: "▶", succeeded: "✓", failed: "✗", caught: "⚑", retried: "↻" };
  var LABELS = { notreached: "Not reached", running: "Running", succeeded: "Succeeded", failed: "Failed", caught: "Caught", retried: "Retried" };

  // Times are printed in UTC by the server; show them in the browser's zone
  // and keep the UTC value in the tooltip.
  function localTimes(root) {
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (!isNaN(d)) {
        el.textContent = d.toLocaleString();
        el.title = el.getAttribute("datetime") + " (UTC)";
      }
    });
  }

  // checkJSON validates a textarea[data-json]: "object" wants a JSON object
  // (empty means {}), "any" any JSON value. It returns the message, "" if ok.
  function checkJSON(el) {
    var kind = el.getAttribute("data-json"), v = el.value.trim(), msg = "";
    if (v === "" && kind === "object") {
      msg = "";
    } else {
      try {
        var parsed = JSON.parse(v);
        if (kind === "object" && (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))) {
          msg = "The input must be a JSON object, such as {\"key\": \"value\"}.";
        }
      } catch (e) {
        msg = "Not valid JSON: " + e.message;
      }
    }
    var out = document.getElementById(el.getAttribute("aria-describedby"));
    if (out) { out.textContent = msg; }
    el.setAttribute("aria-invalid", msg ? "true" : "false");
    return msg;
  }

  document.addEventListener("input", function (ev) {
    if (ev.target.matches && ev.target.matches("textarea[data-json]")) { checkJSON(ev.target); }
  });
  document.addEventListener("submit", function (ev) {
    var form = ev.target, bad = null;
    form.querySelectorAll("textarea[data-json]").forEach(function (el) {
      if (checkJSON(el) && !bad) { bad = el; }
    });
    if (bad) { ev.preventDefault(); bad.focus(); return; }
    // Time range bounds typed without a zone are in the browser's zone.
    if (form.getAttribute("data-times") === "local") {
      form.querySelectorAll("input[data-time]").forEach(function (el) {
        var v = el.value.trim();
        if (v && !/(Z|[+-]\d\d:?\d\d)$/i.test(v)) {
          var d = new Date(v);
          if (!isNaN(d)) { el.value = d.toISOString(); }
        }
      });
    }
  });

  // statusIcons writes each graph state's status icon and label into it.
  function statusIcons(root) {
    root.querySelectorAll(".graph g.node[data-status]").forEach(function (g) {
      var st = g.getAttribute("data-status"), rect = g.querySelector(":scope > rect");
      if (!rect) { return; }
      rect.style.removeProperty("fill");
      var t = g.querySelector(":scope > text.sicon");
      if (!t) {
        t = document.createElementNS("http://www.w3.org/2000/svg", "text");
        t.setAttribute("class", "sicon");
        t.setAttribute("x", parseFloat(rect.getAttribute("x")) + 4);
        t.setAttribute("y", parseFloat(rect.getAttribute("y")) + 15);
        g.insertBefore(t, rect.nextSibling);
      }
      t.textContent = ICONS[st] || "?";
      var title = g.querySelector(":scope > title");
      if (title) { title.textContent = g.getAttribute("data-state") + ": " + (LABELS[st] || st); }
    });
  }

  function applyOutcomes(outcomes) {
    document.querySelectorAll(".graph g.node[data-state]").forEach(function (g) {
      var o = outcomes[g.getAttribute("data-state")];
      if (o) { g.setAttribute("data-status", o); }
    });
    statusIcons(document);
  }

  // Live updates: poll the execution while it runs; keep open sections
  // open and never replace a form the user is typing in.
  function live() {
    var box = document.getElementById("execution");
    if (!box || box.getAttribute("data-done") === "true") { return; }
    var url = box.getAttribute("data-live"), every = parseInt(box.getAttribute("data-poll"), 10) || 1000;
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (u) {
          applyOutcomes(u.outcomes || {});
          var target = document.getElementById("live"), active = document.activeElement;
          var typing = active && target.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
          if (!typing) {
            var open = [];
            target.querySelectorAll("details[open]").forEach(function (d) { if (d.id) { open.push(d.id); } });
            var focused = active && target.contains(active) && active.closest("details") ? active.closest("details").id : "";
            target.innerHTML = u.html;
            open.forEach(function (id) { var d = document.getElementById(id); if (d) { d.open = true; } });
            if (focused) { var f = document.getElementById(focused); if (f) { f.querySelector("summary").focus(); } }
            localTimes(target);
          }
          if (u.done) { box.setAttribute("data-done", "true"); return; }
          setTimeout(tick, every);
        })
        .catch(function () { setTimeout(tick, every * 3); });
    }
    setTimeout(tick, every);
  }

  function init() {
    localTimes(document);
    statusIcons(document);
    live();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
