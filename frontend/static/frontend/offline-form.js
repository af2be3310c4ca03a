// Recording an intake at the field or the gate, with or without a network. Every record is first kept on
// the phone exactly as typed ("1.250,5" stays "1.250,5": the server reads it with the same rules as the
// online form), under a key of its own, and then sent: at once when the phone is online, else when the
// network is back. Each record answers on its own: recorded, already recorded (a record sent twice makes
// one intake), or an error to correct. A send that gets no answer (no network, the server failing with a
// 5xx, a network error mid-request, no answer in time) leaves the record on the phone, sent again later
// under the same key. Nothing is dropped: a record with an error stays until it is corrected; one typed
// online and refused goes back into the form.
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form || !form.dataset.syncUrl || !window.OfflineStore) return;
  var store = window.OfflineStore;
  var d = form.dataset;
  var queuedList = document.getElementById("intake-queued");
  var results = document.getElementById("intake-results");
  var status = document.getElementById("intake-status");
  var syncing = null; // the send under way, if any
  var again = false; // a record was kept while a send was under way: send again when it ends
  var typedNow = null; // the key of the record just typed online, answered in the form rather than the list
  // Cleared after a record is kept: the next delivery on the same plot is weighed and measured afresh.
  var MEASURED = ["weight_kg", "grade", "moisture_percent", "impurity_percent", "measurements", "unit_price", "note"];

  function summary(fields) {
    var plot = form.querySelector("#id_plot option[value='" + fields.plot + "']");
    return (plot ? plot.textContent : "") + " · " + fields.weight_kg + " kg";
  }

  function item(text, tone) {
    var li = document.createElement("li");
    li.textContent = text;
    if (tone) li.className = tone;
    return li;
  }

  function render() {
    return store.all("intakes").then(function (records) {
      records.sort(function (a, b) {
        return a.saved_at < b.saved_at ? -1 : 1;
      });
      var waiting = records.filter(function (r) {
        return !r.failed;
      });
      status.textContent = (navigator.onLine ? d.tOnline : d.tOffline) + " · " + d.tWaiting + ": " + waiting.length;
      queuedList.replaceChildren.apply(
        queuedList,
        records.map(function (r) {
          var li = item(summary(r.fields) + (r.failed ? " — " + d.tFix + ": " + r.failed : ""), r.failed ? "error" : "");
          li.dataset.key = r.key;
          if (r.failed) {
            var fix = document.createElement("button");
            fix.type = "button";
            fix.className = "button small secondary";
            fix.textContent = d.tEdit;
            fix.addEventListener("click", function () {
              edit(r);
            });
            li.append(" ", fix);
          }
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
    store.remove("intakes", [record.key]).then(render);
    form.elements.namedItem("weight_kg").focus();
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
      fields: fields,
    };
    return store.put("intakes", record).then(function () {
      MEASURED.forEach(function (name) {
        var field = form.elements.namedItem(name);
        if (field) field.value = "";
      });
      if (!navigator.onLine) results.prepend(item(d.tKept + " " + summary(fields), "success"));
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

  function sync() {
    if (!navigator.onLine) return Promise.resolve();
    if (syncing) {
      again = true;
      return syncing;
    }
    var typed = typedNow;
    typedNow = null;
    syncing = render()
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
            answer.results.forEach(function (res) {
              var record = byKey[res.key];
              if (!record) return;
              if (res.status === "created" || res.status === "replayed") {
                done.push(res.key);
                results.prepend(item(d.tSent + ": " + res.message + (res.status === "replayed" ? " (" + d.tAgain + ")" : ""), "success"));
              } else if (res.key === typed) {
                // Typed just now: back into the form with what to correct, as the online form would.
                results.prepend(item(d.tFix + ": " + fieldErrors(res), "error"));
                edit(record);
              } else {
                record.failed = fieldErrors(res);
                failed.push(record);
              }
            });
            return store.remove("intakes", done).then(function () {
              return store.putAll("intakes", failed);
            });
          })
          .catch(function () {
            // No answer (a 5xx, a network error, a timeout): the records stay and go with the next try,
            // under the same keys, so one that did arrive is not recorded twice.
            var kept = batch.filter(function (r) {
              return r.key === typed;
            });
            if (kept.length) results.prepend(item(d.tUnsent + " " + summary(kept[0].fields), "warning"));
          });
      })
      .then(function () {
        syncing = null;
        if (again) {
          again = false;
          return sync();
        }
        return render();
      });
    return syncing;
  }

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
  document.getElementById("intake-send").addEventListener("click", sync);
  window.addEventListener("online", sync);
  window.addEventListener("offline", render);
  window.setInterval(sync, 15000);
  sync();
})();
