// Recording an intake at the field or the gate with no network. The form is kept on the phone exactly as
// typed ("1.250,5" stays "1.250,5": the server reads it with the same rules as the online form), under a
// key of its own; when the network is back the records are sent, and each answers on its own: recorded,
// already recorded (a record sent twice makes one intake), or an error to correct. Nothing is dropped: a
// record with an error stays on the phone until it is corrected and recorded again.
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form || !form.dataset.syncUrl || !window.OfflineStore) return;
  var store = window.OfflineStore;
  var d = form.dataset;
  var queuedList = document.getElementById("intake-queued");
  var results = document.getElementById("intake-results");
  var status = document.getElementById("intake-status");
  var syncing = false;
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
      results.prepend(item(d.tKept + " " + summary(fields), "success"));
      return render();
    });
  }

  function sync() {
    if (syncing || !navigator.onLine) return Promise.resolve();
    syncing = true;
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
            answer.results.forEach(function (res) {
              var record = byKey[res.key];
              if (!record) return;
              if (res.status === "created" || res.status === "replayed") {
                done.push(res.key);
                results.prepend(item(d.tSent + ": " + res.message + (res.status === "replayed" ? " (" + d.tAgain + ")" : ""), "success"));
              } else {
                var messages = Object.keys(res.field_errors || {}).map(function (name) {
                  return res.field_errors[name].join(" ");
                });
                record.failed = messages.length ? messages.join(" ") : res.message;
                failed.push(record);
              }
            });
            return store.remove("intakes", done).then(function () {
              return store.putAll("intakes", failed);
            });
          })
          .catch(function () {}); // no answer: the records stay and go with the next try
      })
      .then(function () {
        syncing = false;
        return render();
      });
  }

  document.addEventListener(
    "submit",
    function (event) {
      if (event.target !== form || navigator.onLine) return;
      event.preventDefault();
      keep();
    },
    true
  );
  document.getElementById("intake-send").addEventListener("click", sync);
  window.addEventListener("online", sync);
  window.addEventListener("offline", render);
  window.setInterval(sync, 15000);
  sync();
})();
