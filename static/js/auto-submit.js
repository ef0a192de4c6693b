// Submits a form marked data-auto-submit as soon as the page has loaded (the one-click
// unsubscribe link in forum e-mails). Without this file the page shows the form's button,
// so the visitor clicks once. A GET of the page never changes anything by itself: mail
// scanners that fetch links do not run scripts.
(function () {
  "use strict";
  var form = document.querySelector("form[data-auto-submit]");
  if (!form) { return; }
  if (typeof form.requestSubmit === "function") { form.requestSubmit(); } else { form.submit(); }
})();
