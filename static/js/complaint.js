// The complaint form and its confirmation page. Progressive enhancement only: without this file
// the form shows a "did one of these answer your question?" step before filing, and the
// reference can be selected and copied by hand.
//  - While the subject (and the start of the details) is typed, the top 3 help articles are
//    shown in a polite live region beside the subject. They open in a new tab, so what was
//    typed stays. Once suggestions have been shown, the form says so (suggestions_seen=1) and
//    the server files at once.
//  - A "Copy" button next to the reference.
// Titles and summaries are set as text, never as HTML.
(function () {
  "use strict";

  var DELAY_MS = 400;
  var MIN_CHARS = 3;
  var DETAIL_WORDS = 30;

  function isLocalPath(url) {
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" &&
      url.indexOf("\\") === -1;
  }

  function enhanceForm(form) {
    var region = form.querySelector("[data-live-suggestions]");
    var subject = form.querySelector("[name=subject]");
    var details = form.querySelector("[name=description]");
    var seen = form.querySelector("[name=suggestions_seen]");
    if (!region || !subject || !window.fetch || !window.URL) { return; }
    var endpoint = new URL(form.getAttribute("data-suggest-url"), window.location.href);
    var timer = null;
    var controller = null;
    var asked = 0;
    var lastText = "";

    function text() {
      var words = details ? details.value.split(/\s+/).slice(0, DETAIL_WORDS) : [];
      return (subject.value + " " + words.join(" ")).replace(/\s+/g, " ").trim();
    }

    function show(suggestions) {
      region.textContent = "";
      var usable = suggestions.filter(function (s) {
        return s && typeof s.title === "string" && isLocalPath(s.url);
      }).slice(0, 3);
      if (!usable.length) { return; }
      var heading = document.createElement("p");
      heading.className = "live-suggestions-heading";
      heading.textContent = region.getAttribute("data-heading");
      var list = document.createElement("ul");
      list.setAttribute("role", "list");
      usable.forEach(function (suggestion) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = suggestion.url;
        link.target = "_blank";
        link.rel = "noopener";
        link.textContent = suggestion.title;
        var note = document.createElement("span");
        note.className = "visually-hidden";
        note.textContent = " " + region.getAttribute("data-new-tab");
        link.appendChild(note);
        item.appendChild(link);
        if (typeof suggestion.summary === "string" && suggestion.summary) {
          var summary = document.createElement("p");
          summary.className = "hint";
          summary.textContent = suggestion.summary;
          item.appendChild(summary);
        }
        list.appendChild(item);
      });
      region.appendChild(heading);
      region.appendChild(list);
      if (seen) { seen.value = "1"; }
    }

    function ask(query) {
      if (controller) { controller.abort(); }
      controller = window.AbortController ? new AbortController() : null;
      asked += 1;
      var mine = asked;
      endpoint.searchParams.set("q", query);
      window.fetch(endpoint.href, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller ? controller.signal : undefined,
      }).then(function (response) {
        if (!response.ok) { throw new Error("suggestions: HTTP " + response.status); }
        return response.json();
      }).then(function (data) {
        if (mine === asked) { show((data && data.suggestions) || []); }
      }).catch(function () {
        // No suggestions now; the form still works and the server may offer them instead.
      });
    }

    function changed() {
      window.clearTimeout(timer);
      var query = text();
      if (query === lastText) { return; }
      lastText = query;
      if (query.length < MIN_CHARS) { return; }
      timer = window.setTimeout(function () { ask(query); }, DELAY_MS);
    }

    subject.addEventListener("input", changed);
    if (details) { details.addEventListener("input", changed); }
  }

  function enhanceCopy(button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target || !navigator.clipboard) { return; }
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(target.textContent.trim()).then(function () {
        button.textContent = button.getAttribute("data-copied") || label;
        window.setTimeout(function () { button.textContent = label; }, 2000);
      }).catch(function () { /* the reference can still be selected by hand */ });
    });
  }

  document.querySelectorAll("form[data-suggest-url]").forEach(enhanceForm);
  document.querySelectorAll("button[data-copy]").forEach(enhanceCopy);
})();
