// Nothing typed is lost. On the "log a session" page, what is typed is kept twice: in this
// browser at once (for when the network is gone) and on the server as the author's draft a
// moment after they stop typing. A later visit offers the browser's copy back when the page does
// not hold it. The session's page, right after a save, forgets the copy of the page it came from.
// Without JavaScript the page works as before; only this keeping is lost.
(function () {
  "use strict";
  var PREFIX = "confer.typed:";
  var NOT_TYPED = { csrfmiddlewaretoken: true, action: true, add: true, draft: true };
  var WAIT_MS = 1500;

  function storage() {
    try {
      return window.localStorage;
    } catch (error) {
      return null; // storage refused (private mode, policy): the server draft still works
    }
  }

  var script = document.currentScript;
  var savedForm = script && script.getAttribute("data-saved-form");
  if (savedForm && storage()) storage().removeItem(PREFIX + savedForm);

  var form = document.querySelector("form[data-autosave-url]");
  if (!form) return;
  var key = PREFIX + window.location.pathname;
  var status = document.getElementById("autosave-status");
  var draftField = form.querySelector("input[name=draft]");
  var timer = null;

  function say(text) {
    if (status) status.textContent = text;
  }

  function clock(date) {
    return date.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
  }

  // The page's fields as the server reads them: name -> list of values (files left out).
  function typed() {
    var data = {};
    new FormData(form).forEach(function (value, name) {
      if (NOT_TYPED[name] || typeof value !== "string") return;
      (data[name] = data[name] || []).push(value.replace(/\r\n/g, "\n"));
    });
    return data;
  }

  function sameData(a, b) {
    var order = function (data) {
      return Object.keys(data).sort().map(function (name) { return [name, data[name]]; });
    };
    return JSON.stringify(order(a)) === JSON.stringify(order(b));
  }

  function keepHere() {
    var store = storage();
    if (!store) return;
    try {
      store.setItem(key, JSON.stringify({ at: Date.now(), data: typed(), draft: draftField.value }));
    } catch (error) {
      // full: the server draft still works
    }
  }

  function sendDraft(data) {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    if (draftField.value) body.append("draft", draftField.value);
    Object.keys(data).forEach(function (name) {
      data[name].forEach(function (value) { body.append(name, value); });
    });
    return fetch(form.getAttribute("data-autosave-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      if (!response.ok) throw response.status;
      return response.json();
    }).then(function (answer) {
      draftField.value = answer.draft;
      return answer;
    });
  }

  function autosave() {
    timer = null;
    sendDraft(typed()).then(function (answer) {
      say("Draft saved at " + answer.saved_at + ". Save the session when it is complete.");
    }, function (problem) {
      if (problem === 401) {
        say("Not saved: your sign-in has expired. What you typed is kept in this browser; " +
            "saving the form asks you to sign in and keeps it.");
      } else {
        say("Not saved to the server (no connection?): kept in this browser at " +
            clock(new Date()) + ".");
      }
    });
  }

  function changed(event) {
    if (event.target && event.target.type === "file") return;
    keepHere();
    if (timer) clearTimeout(timer);
    timer = setTimeout(autosave, WAIT_MS);
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  // Fill the fields the page has with the kept values (when the server cannot be reached).
  function fillIn(data) {
    Object.keys(data).forEach(function (name) {
      var fields = form.querySelectorAll("[name='" + name.replace(/'/g, "") + "']");
      var values = data[name];
      Array.prototype.forEach.call(fields, function (field, index) {
        if (field.type === "checkbox" || field.type === "radio") {
          field.checked = values.indexOf(field.value) !== -1;
        } else if (field.multiple) {
          Array.prototype.forEach.call(field.options, function (option) {
            option.selected = values.indexOf(option.value) !== -1;
          });
        } else if (field.type !== "file" && values[index] !== undefined) {
          field.value = values[index];
        }
      });
    });
  }

  var offer = document.getElementById("autosave-offer");
  var kept = null;
  try {
    kept = JSON.parse((storage() && storage().getItem(key)) || "null");
  } catch (error) {
    kept = null;
  }
  if (offer && kept && kept.data && !sameData(kept.data, typed())) {
    offer.querySelector("[data-kept-at]").textContent = clock(new Date(kept.at));
    offer.hidden = false;
    offer.querySelector("[data-restore]").addEventListener("click", function () {
      // Through the server, so that every row the copy holds comes back (agenda items are
      // drawn by the server); if it cannot be reached, into the fields this page has.
      // The copy continues its own server draft, if it had one: not a second draft of it.
      if (kept.draft && !draftField.value) draftField.value = kept.draft;
      sendDraft(kept.data).then(function (answer) {
        window.location.assign(answer.resume);
      }, function () {
        fillIn(kept.data);
        offer.hidden = true;
        say("Brought back from this browser: not saved to the server yet.");
      });
    });
    offer.querySelector("[data-forget]").addEventListener("click", function () {
      storage().removeItem(key);
      offer.hidden = true;
    });
  }
})();
