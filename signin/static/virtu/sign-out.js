/*
 * Signing out forgets the copies of reflections and survey answers kept on
 * this device (localStorage, keys starting "virtu:", see
 * assignments/reflection.js), so that the next person at a shared computer
 * cannot read them.
 */
(function () {
  "use strict";

  var PREFIX = "virtu:";

  function forgetReflections() {
    try {
      var storage = window.localStorage;
      for (var index = storage.length - 1; index >= 0; index -= 1) {
        var key = storage.key(index);
        if (key && key.indexOf(PREFIX) === 0) {
          storage.removeItem(key);
        }
      }
    } catch (error) {
      // Storage blocked: there is nothing kept to forget.
    }
  }

  document.querySelectorAll("form[data-sign-out]").forEach(function (form) {
    form.addEventListener("submit", forgetReflections);
  });
})();
