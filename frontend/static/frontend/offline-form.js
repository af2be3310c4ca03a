// A form that records deliveries with or without a network: the supply intake at the field and the call-off
// intake at the factory gate. Every record is first kept on the phone exactly as typed ("1.250,5" stays
// "1.250,5": the server reads it with the same rules as the online form), under a key of its own, and then
// sent: at once when the phone is online, else when the network is back. Each record answers on its own:
// recorded, already recorded (a record sent twice makes one), or an error to correct or a refusal with the
// server's reason. A send that gets no answer (no network, the server failing with a 5xx, a network error
// mid-request, no answer in time) leaves the record on the phone, sent again later under the same key.
// Nothing is dropped: a record with an error stays until it is corrected; one typed online and refused goes
// back into the form.
//
// The form says what differs between pages in data- attributes: data-sync-url, data-store (the IndexedDB
// store), data-weight and data-unit (the weighed field and its unit), data-label (what the record is for) or
// data-label-field (a select whose option names it), data-clear (fields emptied for the next delivery),
// data-done-url (where a record typed online goes once recorded), data-send-every, and the texts (data-t-*).
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form || !form.dataset.syncUrl || !window.OfflineStore) return;
  var store = window.OfflineStore;
  var d = form.dataset;
  var queue = document.getElementById("intake-queue");
  var queuedList = document.getElementById("intake-queued");
  var results = document.getElementById("intake-results");
  var status = document.getElementById("intake-status");
  var typedNow = null; // the key of the record just typed online, answered in the form rather than the list
  // Cleared after a record is kept (what the person has not retyped since): the next delivery is weighed afresh.
  var cleared = (d.clear || "").split(" ").filter(Boolean);

  function summary(fields) {
    var label = d.label || "";
    if (d.labelField) {
      var option = form.querySelector("[name='" + d.labelField + "'] option[value='" + fields[d.labelField] + "']");
      label = option ? option.textContent : "";
    }
    return label + " · " + fields[d.weight] + " " + d.unit;
  }

  function item(text, tone) {
    var li = document.createElement("li");
    li.textContent = text;
    if (tone) li.className = tone;
    return li;
  }

  // A record kept on this page is corrected here; one kept on another page (another call-off) on its own.
  function fixControl(record) {
    if (record.page && record.page !== location.pathname) {
      var link = document.createElement("a");
      link.href = record.page;
      link.textContent = d.tEdit;
      return link;
    }
    var fix = document.createElement("button");
    fix.type = "button";
    fix.className = "button small secondary";
    fix.textContent = d.tEdit;
    fix.addEventListener("click", function () {
      edit(record);
    });
    return fix;
  }

  function render() {
    return store.all(d.store).then(function (records) {
      records.sort(function (a, b) {
        return a.saved_at < b.saved_at ? -1 : 1;
      });
      var waiting = records.filter(function (r) {
        return !r.failed;
      });
      status.textContent = (navigator.onLine ? d.tOnline : d.tOffline) + " · " + d.tWaiting + ": " + window.MarketNumbers.format(waiting.length);
      queuedList.replaceChildren.apply(
        queuedList,
        records.map(function (r) {
          var text = r.summary || summary(r.fields);
          var li = item(text + (r.failed ? " — " + d.tFix + ": " + r.failed : ""), r.failed ? "error" : "");
          li.dataset.key = r.key;
          if (r.failed) li.append(" ", fixControl(r));
          return li;
        })
      );
      return records;
    });
  }

  // Put a record that came back with an error into the form, to correct and record again.
  function edit(record) {
    Object.keys(record.fields).forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (field && "value" in field) field.value = record.fields[name];
    });
    store.remove(d.store, [record.key]).then(render);
    form.elements.namedItem(d.weight).focus();
  }

  function keep() {
    var fields = {};
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && typeof value === "string") fields[name] = value;
    });
    var record = {
      key: store.newKey(),
      saved_at: new Date().toISOString(),
      language: document.documentElement.lang || "vi",
      page: location.pathname,
      summary: summary(fields),
      fields: fields,
    };
    return store.put(d.store, record).then(function () {
      // Only what this record holds: on a slow phone the next delivery may already be typed by now.
      cleared.forEach(function (name) {
        var field = form.elements.namedItem(name);
        if (field && field.value === fields[name]) field.value = "";
      });
      if (!navigator.onLine) results.prepend(item(d.tKept + " " + record.summary, "success"));
      return render().then(function () {
        return record;
      });
    });
  }

  function fieldErrors(res) {
    var messages = Object.keys(res.field_errors || {}).map(function (name) {
      return res.field_errors[name].join(" ");
    });
    return messages.length ? messages.join(" ") : res.message;
  }

  function send() {
    if (!navigator.onLine) return render();
    var typed = typedNow;
    typedNow = null;
    return render()
      .then(function (records) {
        var batch = records
          .filter(function (r) {
            return !r.failed;
          })
          .slice(0, 200);
        if (!batch.length) return;
        return store
          .postJSON(d.syncUrl, {
            records: batch.map(function (r) {
              return { key: r.key, language: r.language, typed: r.fields };
            }),
          })
          .then(function (answer) {
            var byKey = {};
            batch.forEach(function (r) {
              byKey[r.key] = r;
            });
            var done = [];
            var failed = [];
            var leave = false;
            answer.results.forEach(function (res) {
              var record = byKey[res.key];
              if (!record) return;
              if (res.status === "created" || res.status === "replayed") {
                done.push(res.key);
                results.prepend(item(d.tSent + ": " + res.message + (res.status === "replayed" ? " (" + d.tAgain + ")" : ""), "success"));
                leave = leave || (res.key === typed && !!d.doneUrl);
              } else if (res.key === typed) {
                // Typed just now: back into the form with what to correct, as the online form would.
                results.prepend(item(d.tFix + ": " + fieldErrors(res), "error"));
                edit(record);
              } else {
                // Kept, marked with the server's reason: nothing refused is dropped without the person.
                record.failed = fieldErrors(res);
                failed.push(record);
              }
            });
            return store
              .remove(d.store, done)
              .then(function () {
                return store.putAll(d.store, failed);
              })
              .then(function () {
                // Recorded as typed online: on to what it made, as the form without JavaScript goes.
                if (leave) location.assign(d.doneUrl);
              });
          })
          .catch(function (error) {
            if (error && error.status >= 400 && error.status < 500) {
              // The batch refused as a whole (signed out, no right to record): kept, and the person told why.
              var reason = error.body && error.body.error && error.body.error.message;
              results.prepend(item(d.tRefused + " " + (reason || error.status), "error"));
              return;
            }
            // No answer (a 5xx, a network error, a timeout): the records stay and go with the next try,
            // under the same keys, so one that did arrive is not recorded twice.
            var kept = batch.filter(function (r) {
              return r.key === typed;
            });
            if (kept.length) results.prepend(item(d.tUnsent + " " + kept[0].summary, "warning"));
          });
      })
      .then(render);
  }
  var sync = store.serial(send, queue);

  // Online or not, the record is kept before it is sent: a send that fails loses nothing.
  document.addEventListener(
    "submit",
    function (event) {
      if (event.target !== form) return;
      event.preventDefault();
      keep().then(function (record) {
        if (!navigator.onLine) return;
        typedNow = record.key;
        return sync();
      });
    },
    true
  );
  document.getElementById("intake-send").addEventListener("click", function () {
    sync();
  });
  window.addEventListener("online", function () {
    sync();
  });
  window.addEventListener("offline", render);
  store.every(form, sync);
  sync();
})();
