// Suggest-as-you-type for every search box with data-suggest-url. Progressive enhancement only:
// without this file the box is a plain GET form. The box becomes an ARIA 1.2 combobox that
// controls a listbox of article titles: arrow keys move through them, Enter opens the one
// highlighted, Escape closes the list. Titles are set as text, never as HTML.
(function () {
  "use strict";

  var DELAY_MS = 150;
  var MIN_CHARS = 2;
  var script = document.currentScript;
  var boxes = 0;

  // The list's look lives in kb.css; pages that load this script without it get it added.
  function ensureStyles() {
    if (!script || !script.src || document.querySelector("link[href*='css/kb.css']")) { return; }
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = new URL("../css/kb.css", script.src).href;
    document.head.appendChild(link);
  }

  function isLocalPath(url) {
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" &&
      url.indexOf("\\") === -1;
  }

  function enhance(input) {
    boxes += 1;
    var listId = (input.id || "search") + "-suggestions";
    if (document.getElementById(listId)) { listId += "-" + boxes; }
    var endpoint = new URL(input.getAttribute("data-suggest-url"), window.location.href);

    var list = document.createElement("ul");
    list.id = listId;
    list.className = "suggest-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var label = input.labels && input.labels[0];
    if (label) {
      if (!label.id) { label.id = listId + "-label"; }
      list.setAttribute("aria-labelledby", label.id);
    }
    // A polite live region for the usage hint. Not role="status": that role belongs to the
    // page's flash messages, and a page should have one of those to find.
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    status.setAttribute("aria-atomic", "true");
    input.parentNode.insertBefore(list, input.nextSibling);
    input.parentNode.insertBefore(status, list.nextSibling);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var options = [];
    var active = -1;
    var timer = null;
    var controller = null;
    var asked = 0;

    function highlight(index) {
      if (active >= 0 && options[active]) { options[active].setAttribute("aria-selected", "false"); }
      active = index;
      if (active < 0) {
        input.removeAttribute("aria-activedescendant");
        return;
      }
      var option = options[active];
      option.setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    }

    function open() {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      var hint = input.getAttribute("data-suggest-hint");
      if (hint && status.textContent !== hint) { status.textContent = hint; }
    }

    function close() {
      highlight(-1);
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      status.textContent = "";
    }

    function follow(option) {
      var url = option && option.getAttribute("data-url");
      if (isLocalPath(url)) {
        close();
        window.location.assign(url);
      }
    }

    function show(suggestions) {
      list.textContent = "";
      options = [];
      active = -1;
      input.removeAttribute("aria-activedescendant");
      suggestions.forEach(function (suggestion, index) {
        if (!suggestion || typeof suggestion.title !== "string" || !isLocalPath(suggestion.url)) {
          return;
        }
        var option = document.createElement("li");
        option.id = listId + "-option-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.setAttribute("data-url", suggestion.url);
        option.textContent = suggestion.title;
        option.addEventListener("click", function () { follow(option); });
        list.appendChild(option);
        options.push(option);
      });
      if (options.length && document.activeElement === input) { open(); } else { close(); }
    }

    function fetchSuggestions(text) {
      if (controller) { controller.abort(); }
      controller = window.AbortController ? new AbortController() : null;
      asked += 1;
      var mine = asked;
      endpoint.searchParams.set("q", text);
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
        if (mine === asked) { show([]); }  // no suggestions; the form still works
      });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      var text = input.value.trim();
      if (text.length < MIN_CHARS) {
        if (controller) { controller.abort(); }
        asked += 1;
        show([]);
        return;
      }
      timer = window.setTimeout(function () { fetchSuggestions(text); }, DELAY_MS);
    });

    input.addEventListener("keydown", function (event) {
      var expanded = !list.hidden;
      switch (event.key) {
        case "ArrowDown":
          if (!options.length) { return; }
          event.preventDefault();
          if (!expanded) { open(); }
          highlight(active + 1 < options.length ? active + 1 : 0);
          break;
        case "ArrowUp":
          if (!options.length) { return; }
          event.preventDefault();
          if (!expanded) { open(); }
          highlight(active > 0 ? active - 1 : options.length - 1);
          break;
        case "Enter":
          if (expanded && active >= 0) {
            event.preventDefault();
            follow(options[active]);
          } else {
            close();
          }
          break;
        case "Escape":
          if (expanded) {
            event.preventDefault();  // close the list; a second Escape clears the box
            close();
          }
          break;
        case "Tab":
          close();
          break;
        default:
          break;
      }
    });

    // A click on the list must not take the focus from the box (that would close the list).
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    input.addEventListener("blur", close);
    input.addEventListener("focus", function () {
      if (options.length && input.value.trim().length >= MIN_CHARS) { open(); }
    });
    window.addEventListener("pageshow", close);
  }

  var inputs = document.querySelectorAll("input[data-suggest-url]");
  if (!inputs.length || !window.fetch || !window.URL) { return; }
  ensureStyles();
  Array.prototype.forEach.call(inputs, enhance);
})();
