// The ticket page's timeline keeps itself up to date while the complaint is active and the
// tab is visible: every 20 s it asks track.api_ticket for entries after the last one shown and
// appends them. Progressive enhancement: without this file the page shows the state at load.
// Data is only ever put into the page as text (textContent), never as HTML.
(function () {
  "use strict";

  var INTERVAL = 20000;
  var section = document.querySelector("[data-timeline-url]");
  if (!section || section.dataset.active !== "true" || !window.fetch) { return; }
  var list = section.querySelector("[data-timeline]");
  var announce = section.querySelector("[data-timeline-announce]");
  var badge = document.querySelector("[data-ticket-status] .ticket-status");
  var after = parseInt(section.dataset.after, 10) || 0;
  var timer = null;
  var busy = false;

  function token(value) {  // a safe piece of a class name
    return String(value || "").replace(/[^a-z0-9_-]/gi, "");
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function fileList(files) {
    var ul = element("ul", "file-list");
    files.forEach(function (file) {
      if (typeof file.url !== "string" || file.url.charAt(0) !== "/" || file.url.charAt(1) === "/") {
        return;  // only links to this site's own download address
      }
      var li = element("li");
      var link = element("a", "", file.name);
      link.href = file.url;
      link.setAttribute("download", "");
      li.appendChild(link);
      ul.appendChild(li);
    });
    return ul;
  }

  function messageBody(text) {
    var body = element("div", "timeline-body");
    String(text || "").split(/\n{2,}/).forEach(function (paragraph) {
      if (paragraph.trim()) { body.appendChild(element("p", "", paragraph)); }
    });
    return body;
  }

  function entryNode(entry) {
    var li = element("li", "timeline-entry timeline-" + token(entry.type));
    li.id = "event-" + token(entry.id);
    li.dataset.eventId = token(entry.id);
    var head = element("p", "timeline-head");
    head.appendChild(element("strong", "timeline-label", entry.label));
    head.appendChild(document.createTextNode(" "));
    var time = element("time", "", entry.at_text);
    time.setAttribute("datetime", entry.at || "");
    head.appendChild(time);
    li.appendChild(head);
    if (entry.message) {
      var from = (section.dataset.fromText || "{name}").replace("{name}", entry.message.author || "");
      li.appendChild(element("p", "timeline-author", from));
      li.appendChild(messageBody(entry.message.text));
      if (entry.message.attachments && entry.message.attachments.length) {
        li.appendChild(fileList(entry.message.attachments));
      }
    } else if (entry.text) {
      li.appendChild(element("p", "timeline-text", entry.text));
    }
    return li;
  }

  function update(data) {
    var added = 0;
    (data.timeline || []).forEach(function (entry) {
      var id = parseInt(entry.id, 10) || 0;
      if (!id || document.getElementById("event-" + id)) { return; }
      list.appendChild(entryNode(entry));
      after = Math.max(after, id);
      added += 1;
    });
    if (badge && data.status_label) {
      badge.textContent = data.status_label;
      badge.className = "badge ticket-status ticket-status-" + token(data.status);
    }
    // a promise kept (answered) or no longer running (resolved) is not shown any more
    document.querySelectorAll("[data-promise]").forEach(function (promise) {
      if (!data[promise.dataset.promise]) { promise.hidden = true; }
    });
    if (added && announce) {
      announce.textContent = "";
      window.setTimeout(function () { announce.textContent = announce.dataset.announceText; }, 50);
    }
    if (data.active === false) { stop(); }
  }

  function poll() {
    if (busy || document.visibilityState !== "visible") { return; }
    busy = true;
    var url = section.dataset.timelineUrl + "?after=" + encodeURIComponent(after);
    window.fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) { stop(); return null; }  // signed out or gone: stop asking
        return response.json();
      })
      .then(function (data) { if (data) { update(data); } })
      .catch(function () { /* offline for a moment: the next tick tries again */ })
      .then(function () { busy = false; });
  }

  function start() { if (!timer) { timer = window.setInterval(poll, INTERVAL); } }
  function stop() { if (timer) { window.clearInterval(timer); timer = null; } }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && timer) { poll(); }
  });
  start();
})();
