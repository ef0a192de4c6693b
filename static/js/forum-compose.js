// Similar threads and articles while a new forum thread is written. Progressive enhancement:
// without this file the server shows the similar list after the first submit. After a pause
// in typing the title (and the start of the text) go to forum.similar; the answers are shown
// as links, set as text (never as HTML), and a polite live region says how many were found.
(function () {
  "use strict";

  var DELAY_MS = 400;
  var MIN_CHARS = 4;
  var BODY_CHARS = 200;

  function isLocalPath(url) {
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" &&
      url.indexOf("\\") === -1;
  }

  function enhance(form) {
    var box = form.querySelector("[data-similar-box]");
    var list = form.querySelector("[data-similar-list]");
    var status = form.querySelector("[data-similar-status]");
    var title = form.querySelector("[name=title]");
    var body = form.querySelector("[name=body]");
    var confirm = form.querySelector("[name=confirm]");
    if (!box || !list || !status || !title || !window.fetch) { return; }
    var endpoint = form.getAttribute("data-similar-url");
    var timer = null;
    var controller = null;
    var lastQuery = "";

    function query() {
      var text = title.value.trim();
      if (body && body.value.trim()) { text += " " + body.value.trim().slice(0, BODY_CHARS); }
      return text.replace(/\s+/g, " ");
    }

    function announce(count) {
      var words = count === 1 ? status.getAttribute("data-one") :
        (status.getAttribute("data-many") || "").replace("{n}", String(count));
      status.textContent = count ? words : "";
    }

    function show(results) {
      list.textContent = "";
      results.forEach(function (item) {
        if (!item || !isLocalPath(item.url)) { return; }
        var li = document.createElement("li");
        var link = document.createElement("a");
        link.href = item.url;
        link.textContent = item.title;
        link.target = "_blank";
        link.rel = "noopener";
        var kind = document.createElement("span");
        kind.className = "muted";
        kind.textContent = " (" + (status.getAttribute(item.kind === "article" ? "data-article" : "data-thread") || "") + ")";
        li.appendChild(link);
        li.appendChild(kind);
        list.appendChild(li);
      });
      var count = list.children.length;
      box.hidden = count === 0;
      // The writer has seen the similar list: the server need not show it again on submit.
      if (count && confirm) { confirm.value = "1"; }
      announce(count);
    }

    function ask() {
      var text = query();
      if (text.length < MIN_CHARS) { show([]); lastQuery = text; return; }
      if (text === lastQuery) { return; }
      lastQuery = text;
      if (controller) { controller.abort(); }
      controller = window.AbortController ? new AbortController() : null;
      var url = new URL(endpoint, window.location.href);
      url.searchParams.set("q", text);
      fetch(url.toString(), {
        headers: { "Accept": "application/json" },
        credentials: "same-origin",
        signal: controller ? controller.signal : undefined
      }).then(function (response) {
        return response.ok ? response.json() : { results: [] };
      }).then(function (data) {
        show(Array.isArray(data.results) ? data.results : []);
      }).catch(function () { /* aborted or offline: keep what is shown */ });
    }

    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, DELAY_MS);
    }

    title.addEventListener("input", later);
    if (body) { body.addEventListener("input", later); }
    if (title.value.trim()) { later(); }
  }

  document.querySelectorAll("form[data-similar-url]").forEach(enhance);
}());
