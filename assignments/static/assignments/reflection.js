/*
 * Reflections and comments on the public site. The forms work without this
 * file; with it:
 * - a form marked data-submit-once is sent once, however often it is clicked,
 *   and not while the device is offline: its status says so instead;
 * - the reflection form keeps a copy of what is typed on this device
 *   (localStorage), saves the draft to the server a second after typing
 *   stops, says so in #autosave-status, and retries when the connection is
 *   back. A copy that the server did not get is put back on the next visit.
 * - on a submitted reflection, changes stay on this device until the
 *   participant presses "Save changes".
 * - each save says which saved version its text is based on (based_on). One
 *   the server refuses, as the reflection was changed or submitted from
 *   another window or device, or as the person may no longer write it
 *   (withdrawn, cohort closed), stops the autosave until the page is
 *   reloaded; this page's text stays in the form and on this device (under
 *   the key with ":kept"), and the next visit shows it beside the newer
 *   version, to copy from, until the person forgets it.
 * - a save answered while the page is being left does not forget the copy
 *   on this device: the next page may have been made before the save or
 *   after it, and puts the copy back from either (the server takes the same
 *   text again as saved).
 * - the form sent while an autosave is on its way waits for its answer (up
 *   to WAIT), and is sent with the version that save made: sent at once, it
 *   would be taken for text from an older window.
 * - the page that answered a post (the form sent back) stands in the
 *   history as a page to ask for anew: Back to it, or reloading it, does not
 *   send the form again from its older version. A page the browser shows
 *   again from its back-forward cache after its form was sent is reloaded.
 * - a form with data-storage-key and no autosave URL (a comment, a
 *   trainer's feedback or comment) keeps its text on this device until it
 *   is sent and the server has it: signed out meanwhile, it is put back on
 *   the next visit.
 * - a form the server sent back with errors (data-server-refused) keeps
 *   its copy: what it refused is put back on the next visit too.
 * - the page after a form was sent and taken (data-server-took) forgets the
 *   copy sent: a comment posted twice is there once, and was posted.
 * - these forms and the autosave send the browser's current CSRF token, read
 *   from Django's cookie: signing in again in another window gives the
 *   browser a new one, and the server refuses the token this page came
 *   with. Where the cookie cannot be read (another CSRF_COOKIE_NAME,
 *   CSRF_COOKIE_HTTPONLY or CSRF_USE_SESSIONS), the page's token is sent,
 *   and a refused autosave says to reload the page.
 * Each form says its notes in its own role=status element, in the texts of
 * the JSON script named by data-messages (else #autosave-messages).
 */
(function () {
  "use strict";

  var DELAY = 1000;
  var RETRY = 15000;
  // How long a form sent during an autosave waits for its answer.
  var WAIT = 15000;
  // Django's default CSRF_COOKIE_NAME.
  var CSRF_COOKIE = "csrftoken";

  function useCurrentToken(form) {
    var field = form.elements.csrfmiddlewaretoken;
    var prefix = CSRF_COOKIE + "=";
    var cookie = document.cookie.split("; ").filter(function (part) {
      return part.indexOf(prefix) === 0;
    })[0];
    if (field && cookie) {
      field.value = decodeURIComponent(cookie.slice(prefix.length));
    }
  }

  function messagesOf(form) {
    var source = document.getElementById(
      form.dataset.messages || "autosave-messages"
    );
    return source ? JSON.parse(source.textContent) : {};
  }

  function submitOnce(form) {
    var sending = false;
    form.addEventListener("submit", function (event) {
      if (sending) {
        event.preventDefault();
        return;
      }
      var offline = messagesOf(form).offline;
      var status = form.querySelector("[role=status]");
      if (navigator.onLine === false && offline && status) {
        // Sent now, the form would give way to the browser's own "no
        // internet" page. It stays, and so does its copy on this device,
        // not marked as sent (the autosave's listener is not told).
        event.preventDefault();
        event.stopImmediatePropagation();
        // Emptied first, so that pressing again says it again.
        status.textContent = "";
        window.setTimeout(function () {
          status.textContent = offline;
        }, 100);
        return;
      }
      sending = true;
      // Later, so that the browser has already taken the clicked button's value.
      window.setTimeout(function () {
        form.querySelectorAll("button").forEach(function (button) {
          button.disabled = true;
        });
      }, 0);
    });
    // Back to a page from the browser's cache: the form is usable again.
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) {
        sending = false;
        form.querySelectorAll("button").forEach(function (button) {
          button.disabled = false;
        });
      }
    });
  }

  function autosave(form) {
    var status = form.querySelector("[role=status]");
    var text = messagesOf(form);
    var key = form.dataset.storageKey;
    var url = form.dataset.autosaveUrl;
    var serverSavedAt = form.dataset.serverSavedAt || "";
    // The page shows the form sent back with its errors: the server did not
    // take what it holds, so the box being the same proves nothing.
    var refused = "serverRefused" in form.dataset;
    // The page shows the form sent back as overtaken, beside the newer
    // version: its text is kept apart, never put back over the newer one.
    var newer = "serverNewer" in form.dataset;
    // The page after the server took what was sent, even where that changed
    // nothing it holds (a comment repeated is kept once).
    var took = "serverTook" in form.dataset;
    var timer = null;
    var saving = false;
    var pending = false;
    // The form was sent while a save was on its way: {submitter, timer}.
    var held = null;
    var resuming = false;
    // This page sent its form (the browser may show it again from its cache).
    var sent = false;
    var toldKeptLocally = false;
    // The page is being left (reloaded, or another opened): the next page
    // may have been made before a save on its way now, and puts back this
    // device's copy only if it is still here.
    var leaving = false;
    // Refused for good (changed elsewhere, no longer open): not saved again.
    var stopped = false;
    var keptKey = key + ":kept";

    function values() {
      var result = {};
      form.querySelectorAll("textarea").forEach(function (field) {
        result[field.name] = field.value;
      });
      // Each group of radio buttons (outcome, who can read) by its name.
      form.querySelectorAll("input[type=radio]").forEach(function (radio) {
        if (!(radio.name in result)) {
          result[radio.name] = "";
        }
        if (radio.checked) {
          result[radio.name] = radio.value;
        }
      });
      return result;
    }

    function same(a, b) {
      return JSON.stringify(a) === JSON.stringify(b);
    }

    function say(message) {
      if (message && status.textContent !== message) {
        status.textContent = message;
      }
    }

    function readLocal() {
      try {
        return JSON.parse(window.localStorage.getItem(key));
      } catch (error) {
        return null;
      }
    }

    // ``sent``: the form is being sent with these values.
    function writeLocal(sent) {
      try {
        window.localStorage.setItem(
          key,
          JSON.stringify({
            changedAt: Date.now(),
            basedOn: serverSavedAt,
            values: values(),
            sent: Boolean(sent),
          })
        );
      } catch (error) {
        // Storage full or blocked: the server copy is all there is.
      }
    }

    // ``kept``: these values, else the form's.
    function writeKept(kept) {
      try {
        window.localStorage.setItem(
          keptKey,
          JSON.stringify({ changedAt: Date.now(), values: kept || values() })
        );
      } catch (error) {
        // Storage full or blocked: the text stays in the form.
      }
    }

    function setVersion(version) {
      serverSavedAt = version;
      if (form.elements.based_on) {
        form.elements.based_on.value = version;
      }
    }

    // The server will not take this page's text: it stays in the form and
    // is kept apart, where the other window's copy cannot overwrite it.
    function stop(message) {
      stopped = true;
      url = "";
      window.clearTimeout(timer);
      writeKept();
      var local = readLocal();
      if (local && same(local.values, values())) {
        window.localStorage.removeItem(key);
      }
      say(message);
    }

    // Text an earlier page of this reflection could not save, beside the
    // form, to copy from.
    function showKept(kept) {
      var fields = Array.prototype.filter.call(
        form.querySelectorAll("textarea"),
        function (field) {
          var value = kept.values[field.name];
          return value && value.trim() && value !== field.value;
        }
      );
      if (!fields.length) {
        // On the page that holds it in its form, the server has not taken it.
        if (!newer) {
          window.localStorage.removeItem(keptKey);
        }
        return;
      }
      var section = document.createElement("section");
      section.className = "kept-copy";
      section.setAttribute("aria-labelledby", "kept-copy-heading");
      var heading = document.createElement("h3");
      heading.id = "kept-copy-heading";
      heading.textContent = text.keptHeading;
      var intro = document.createElement("p");
      intro.textContent = text.keptIntro;
      section.append(heading, intro);
      fields.forEach(function (field) {
        var label = document.createElement("label");
        var box = document.createElement("textarea");
        box.id = "kept-" + field.id;
        box.readOnly = true;
        box.rows = 6;
        box.value = kept.values[field.name];
        label.htmlFor = box.id;
        var own = form.querySelector('label[for="' + field.id + '"]');
        label.textContent = own ? own.textContent : field.name;
        var wrapper = document.createElement("div");
        wrapper.className = "field";
        wrapper.append(label, box);
        section.append(wrapper);
      });
      var forget = document.createElement("button");
      forget.type = "button";
      forget.textContent = text.forgetKept;
      forget.addEventListener("click", function () {
        window.localStorage.removeItem(keptKey);
        section.remove();
      });
      section.append(forget);
      form.insertAdjacentElement("beforebegin", section);
    }

    // The page is being left as a save is answered: the next page may have
    // been made before the save or after it, and puts the copy back from
    // either (the server takes the same text again as saved).
    function keepForNextPage(version) {
      var local = readLocal();
      if (local && version) {
        local.alsoBasedOn = version;
        try {
          window.localStorage.setItem(key, JSON.stringify(local));
        } catch (error) {
          // Storage full or blocked: the copy stays as it was.
        }
      }
    }

    function forgetLocal(savedValues) {
      var local = readLocal();
      if (local && same(local.values, savedValues)) {
        window.localStorage.removeItem(key);
      }
    }

    function restore(saved) {
      Object.keys(saved).forEach(function (name) {
        var radios = form.querySelectorAll("input[type=radio]");
        var group = Array.prototype.filter.call(radios, function (radio) {
          return radio.name === name;
        });
        if (group.length) {
          group.forEach(function (radio) {
            radio.checked = radio.value === saved[name];
          });
        } else if (form.elements[name]) {
          form.elements[name].value = saved[name];
        }
      });
    }

    function schedule(delay) {
      window.clearTimeout(timer);
      timer = window.setTimeout(save, delay);
    }

    function save() {
      timer = null;
      if (!url) {
        // Sent or stopped meanwhile.
        pending = false;
        return;
      }
      if (saving) {
        pending = true;
        return;
      }
      saving = true;
      var sent = values();
      useCurrentToken(form);
      var body = new FormData(form);
      fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          var type = response.headers.get("Content-Type") || "";
          if (type.indexOf("application/json") !== 0) {
            throw new Error("Unexpected answer");
          }
          return response.json().then(function (data) {
            if (response.ok) {
              if (data.saved_at) {
                setVersion(data.saved_at);
              }
              say(data.message);
              if (leaving) {
                keepForNextPage(data.saved_at);
                return;
              }
              forgetLocal(sent);
              if (readLocal()) {
                // Typed meanwhile: written from the version just saved.
                writeLocal();
              }
            } else if (data.conflict || data.closed) {
              stop(data.error);
            } else {
              // Too long, signed out, submitted elsewhere, a token refused:
              // the copy stays here.
              say(data.error);
            }
          });
        })
        .catch(function () {
          say(text.notSaved);
          schedule(RETRY);
        })
        .finally(function () {
          saving = false;
          if (held) {
            // Sent now, with the version this save made (or as it was, if it
            // was refused: the server then shows it beside the newer text).
            pending = false;
            resume();
          } else if (pending) {
            pending = false;
            save();
          }
        });
    }

    function changed() {
      // Typed in: still here (the page was not left after all).
      leaving = false;
      if (stopped) {
        writeKept();
        return;
      }
      writeLocal();
      if (url) {
        schedule(DELAY);
      } else if (!toldKeptLocally) {
        toldKeptLocally = true;
        say(text.keptLocally);
      }
    }

    // Text typed before this script ran (on a slow connection) is saved too.
    var typedEarly = Array.prototype.some.call(
      form.querySelectorAll("textarea"),
      function (field) {
        return field.value !== field.defaultValue;
      }
    );
    var local = readLocal();
    if (newer) {
      writeKept();
      window.localStorage.removeItem(key);
    } else if (local && local.values) {
      if (took && local.sent) {
        window.localStorage.removeItem(key);
      } else if (same(local.values, values())) {
        if (refused) {
          // Kept as not sent, until the server has it.
          writeLocal();
        } else {
          window.localStorage.removeItem(key);
        }
      } else if (
        local.basedOn === serverSavedAt ||
        local.alsoBasedOn === serverSavedAt
      ) {
        restore(local.values);
        // Kept as not sent yet: it was not, or it would not be put back.
        writeLocal();
        say(text.restored);
        if (url) {
          schedule(DELAY);
        }
      } else if (!local.sent) {
        // Written from an older version than the server's: another window
        // or device saved since (a phone offline meanwhile). Kept beside
        // the form, never put back over the newer text, whichever device's
        // clock is later.
        writeKept(local.values);
        window.localStorage.removeItem(key);
      } else {
        // Sent, and the server has changed since: it was taken.
        window.localStorage.removeItem(key);
      }
    }
    var kept = null;
    try {
      kept = JSON.parse(window.localStorage.getItem(keptKey));
    } catch (error) {
      kept = null;
    }
    if (kept && kept.values && text.keptHeading) {
      showKept(kept);
    }

    function buttons(disabled) {
      form.querySelectorAll("button").forEach(function (button) {
        button.disabled = disabled;
      });
    }

    // Send the held form, as the person sent it.
    function resume() {
      var submitter = held.submitter;
      window.clearTimeout(held.timer);
      held = null;
      // Enabled again, for the browser to send the button's value.
      buttons(false);
      resuming = true;
      try {
        form.requestSubmit(submitter);
      } finally {
        resuming = false;
      }
    }

    // Before any other listener of the form (those of data-submit-once too):
    // held while a save is on its way.
    form.addEventListener(
      "submit",
      function (event) {
        if (held) {
          // Pressed again meanwhile: sent once.
          event.preventDefault();
          event.stopImmediatePropagation();
          return;
        }
        if (!saving || resuming || !form.requestSubmit) {
          return;
        }
        event.preventDefault();
        event.stopImmediatePropagation();
        window.clearTimeout(timer);
        held = {
          submitter: event.submitter || null,
          timer: window.setTimeout(resume, WAIT),
        };
        buttons(true);
        say(text.saving);
      },
      true
    );
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("submit", function () {
      window.clearTimeout(timer);
      url = "";
      sent = true;
      if (stopped) {
        // Sent as it is: the server shows it back beside the newer text.
        return;
      }
      // Kept until the page after this says the server has it; if the
      // sending fails (signed out meanwhile), the next visit puts it back.
      if (readLocal()) {
        writeLocal(true);
      }
    });
    window.addEventListener("online", function () {
      if (url && !stopped && readLocal()) {
        schedule(0);
      }
    });
    if ((refused || newer) && window.history.replaceState) {
      // Answered a post: asked for anew from the history, not sent again.
      window.history.replaceState(
        window.history.state,
        "",
        window.location.href
      );
    }
    window.addEventListener("beforeunload", function () {
      leaving = true;
    });
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) {
        leaving = false;
      }
      // Back to this page after it was sent, from the browser's cache: its
      // version is older than the server's, which shows what it has now.
      // (What was sent is kept on this device until a page says the server
      // has it.)
      if (event.persisted && sent && navigator.onLine !== false) {
        window.location.reload();
      }
    });
    if (typedEarly && !timer) {
      changed();
    }
  }

  document.querySelectorAll("form[data-submit-once]").forEach(submitOnce);
  document
    .querySelectorAll("form[data-submit-once], form[data-storage-key]")
    .forEach(function (form) {
      form.addEventListener("submit", function () {
        useCurrentToken(form);
      });
    });
  // A reflection, or any form that keeps its copy the same way (surveys,
  // comments; the review page has a trainer's feedback and comment).
  document.querySelectorAll("form[data-storage-key]").forEach(function (form) {
    if (form.dataset.storageKey) {
      autosave(form);
    }
  });
})();
