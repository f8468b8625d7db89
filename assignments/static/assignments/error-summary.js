/*
 * A page sent back with errors: move the focus to the summary of the errors,
 * so that keyboard and screen reader users start from it.
 */
(function () {
  "use strict";

  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
})();
