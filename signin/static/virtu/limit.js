/*
 * A box of typed text with a limit (data-limit, on any page: a reflection,
 * a comment, a trainer's feedback, the accessibility feedback) says how many
 * characters are left once fewer than a tenth of its limit are, or how many
 * are too many, in a polite live region below it, in the words the box
 * carries (data-characters-left and data-characters-over, from the server in
 * the reader's language). Without this file the box still says its limit in
 * its help text, and the server still refuses text over it.
 */
(function () {
  "use strict";

  // How long typing pauses before the count is said: a screen reader does
  // not read out every keystroke.
  var DELAY = 1000;
  // The share of a box's limit left when it starts to count.
  var NEAR = 0.1;

  function countDown(field) {
    var text = field.dataset;
    if (!text.charactersLeft || !text.charactersOver) {
      return;
    }
    var limit = Number(text.limit);
    // Below the box, inside its paragraph where it has one.
    var count = document.createElement(field.closest("p") ? "span" : "p");
    count.id = field.id + "-count";
    count.className = "hint help";
    count.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", count);
    var timer = null;

    function say(message, number) {
      var shown = message
        ? message.replace(
            "%(count)s",
            number.toLocaleString(document.documentElement.lang || undefined)
          )
        : "";
      if (count.textContent !== shown) {
        count.textContent = shown;
      }
    }

    function update() {
      // As the server counts: each character once, an emoji too.
      var left = limit - Array.from(field.value).length;
      if (left < 0) {
        say(text.charactersOver, -left);
      } else if (left <= limit * NEAR) {
        say(text.charactersLeft, left);
      } else {
        say("");
      }
    }

    field.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(update, DELAY);
    });
    update();
  }

  function start() {
    document
      .querySelectorAll("textarea[data-limit]:not([readonly])")
      .forEach(countDown);
  }

  // Loaded with defer, so this comes after every deferred script has run:
  // the text a page keeps on this device (reflection.js) is back in its
  // box, and counted.
  document.addEventListener("DOMContentLoaded", start);
})();
