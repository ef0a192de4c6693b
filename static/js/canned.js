// Canned responses on the agent's ticket page: "Insert" puts the chosen response (already filled
// in for this ticket by the server, in the option's data-text) into the reply box #reply-body,
// at the cursor, or in place of an empty box, so that the agent edits it before sending.
// Progressive enhancement: without this file the picker's GET form asks the page for
// ?canned=<id> and the server puts the text in the box. Text only ever goes in as a value.
(function () {
  "use strict";

  var form = document.querySelector("[data-canned-picker]");
  var box = document.getElementById("reply-body");
  if (!form || !box) { return; }
  var select = form.querySelector("select");
  var status = form.querySelector("[data-canned-status]");

  function insert(text) {
    if (box.value.trim() === "") {
      box.value = text;
      box.setSelectionRange(text.length, text.length);
      return;
    }
    var start = typeof box.selectionStart === "number" ? box.selectionStart : box.value.length;
    var end = typeof box.selectionEnd === "number" ? box.selectionEnd : start;
    var before = box.value.slice(0, start);
    var after = box.value.slice(end);
    // Keep the inserted response a paragraph of its own when it lands inside other text.
    var lead = before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? "\n" : "\n\n") : "";
    var tail = after && !/^\n/.test(after) ? "\n\n" : "";
    box.value = before + lead + text + tail + after;
    var caret = (before + lead + text).length;
    box.setSelectionRange(caret, caret);
  }

  form.addEventListener("submit", function (event) {
    var option = select && select.options[select.selectedIndex];
    if (!option || !option.hasAttribute("data-text")) { return; }  // let the server do it
    event.preventDefault();
    insert(option.getAttribute("data-text"));
    box.dispatchEvent(new Event("input", { bubbles: true }));
    box.focus();
    if (status) { status.textContent = form.getAttribute("data-canned-inserted") || ""; }
  });
})();
