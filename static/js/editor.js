// Knowledge-base editor: a live preview of the Markdown next to the text area.
// Progressive enhancement only: without this file the form's Preview button does the same.
(function () {
  "use strict";

  var DELAY_MS = 400;
  var container = document.querySelector("[data-preview-url]");
  if (!container || !window.fetch || !window.FormData) { return; }
  var form = container.closest("form");
  var source = container.querySelector("textarea");
  var panel = container.querySelector(".live-preview");
  var target = panel && panel.querySelector("[data-live-preview]");
  var failure = panel && panel.querySelector("[data-preview-error]");
  var token = form && form.querySelector("input[name=csrf_token]");
  if (!source || !target || !failure || !token) { return; }

  var timer = null;
  var sequence = 0;  // only the answer to the latest request is shown
  var shown = null;  // the text the preview shows now

  function render() {
    var text = source.value;
    if (text === shown) { return; }
    var mine = ++sequence;
    var data = new FormData();
    data.append("csrf_token", token.value);
    data.append("body", text);
    fetch(container.dataset.previewUrl, {method: "POST", body: data, credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) { throw new Error("preview answered " + response.status); }
        return response.text();
      })
      .then(function (html) {
        if (mine !== sequence) { return; }
        target.innerHTML = html;  // sanitised by the server (portal.markdown.render_markdown)
        shown = text;
        failure.hidden = true;
      })
      .catch(function () {
        if (mine === sequence) { failure.hidden = false; }
      });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(render, DELAY_MS);
  }

  panel.hidden = false;
  container.classList.add("has-live-preview");
  source.addEventListener("input", schedule);
  render();
})();
