/*
 * Signing out forgets what reflection.js keeps on this device until the
 * server has it (localStorage: reflections and survey answers under
 * "virtu:", comments and a trainer's feedback under "virtu-comment:",
 * "virtu-feedback:" and "virtu-review-comment:"), so that the next person
 * at a shared computer cannot read it. On the public site the sign-out form
 * carries data-sign-out; in the admin the script is told the address of
 * Wagtail's sign-out (data-sign-out-action, signin/wagtail_hooks.py), whose
 * form the admin's menu draws.
 */
(function () {
  "use strict";

  var KEPT = /^virtu[:-]/;
  var script = document.currentScript;
  var action = script ? script.dataset.signOutAction : "";

  function forgetKeptText() {
    try {
      var storage = window.localStorage;
      for (var index = storage.length - 1; index >= 0; index -= 1) {
        var key = storage.key(index);
        if (key && KEPT.test(key)) {
          storage.removeItem(key);
        }
      }
    } catch (error) {
      // Storage blocked: there is nothing kept to forget.
    }
  }

  function signsOut(form) {
    if (form.hasAttribute("data-sign-out")) {
      return true;
    }
    if (!action) {
      return false;
    }
    var target = form.getAttribute("action") || "";
    return new URL(target, window.location.href).pathname === action;
  }

  // Listening on the document finds a form drawn after this script ran.
  document.addEventListener(
    "submit",
    function (event) {
      if (event.target instanceof HTMLFormElement && signsOut(event.target)) {
        forgetKeptText();
      }
    },
    true
  );
})();
