// What pages keep on the phone to work offline, in IndexedDB: the fair's badges, queued scans, intakes and
// gate deliveries, and small facts (when the badges were fetched). Also the one way the pages send a queue:
// JSON with the session's CSRF token, so a send is the person's own, as on the online form; one send at a
// time, and how often a page sends by itself.
(function () {
  "use strict";
  var DB = "market-link";
  var STORES = { badges: "id", scans: "key", intakes: "key", deliveries: "key", meta: "k" };
  // Raised whenever STORES gains a store: opening at a higher version creates the new ones on phones that
  // already hold the others (and their queued records).
  var VERSION = 2;
  var opening = null;
  // A send with no answer after this long is given up (and its records kept): a hung request must not
  // hold the queue forever. The page says how long (<body data-send-timeout-ms>, read at each send).
  var SEND_TIMEOUT_MS = 20000;

  function sendTimeoutMs() {
    var ms = Number(document.body.dataset.sendTimeoutMs);
    return ms > 0 ? ms : SEND_TIMEOUT_MS;
  }

  // The notices this script shows at the top of the page (texts on its own <script> tag, translated).
  var texts = document.currentScript ? document.currentScript.dataset : {};

  function notice(kind) {
    var id = "offline-store-notice";
    var shown = document.getElementById(id);
    if (!kind) {
      if (shown) shown.remove();
      return;
    }
    if (!shown) {
      shown = document.createElement("p");
      shown.id = id;
      shown.className = "notice warning";
      shown.setAttribute("role", "alert");
      (document.getElementById("main") || document.body).prepend(shown);
    }
    shown.dataset.kind = kind;
    shown.textContent = kind === "blocked" ? texts.tBlocked : texts.tOutdated;
  }

  function open() {
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB, VERSION);
        request.onupgradeneeded = function () {
          Object.keys(STORES).forEach(function (name) {
            if (!request.result.objectStoreNames.contains(name)) {
              request.result.createObjectStore(name, { keyPath: STORES[name] });
            }
          });
        };
        // A tab still open on an older version holds its connection (pages before version 2 never let go):
        // the upgrade, and every read and write of this page, waits until that tab is reloaded or closed.
        request.onblocked = function () {
          notice("blocked");
        };
        request.onsuccess = function () {
          var db = request.result;
          notice(null);
          // Another tab opens a newer version: let go at once so that its upgrade is not blocked. This page's
          // script knows only the older stores, so it cannot open the database again until it is reloaded.
          db.onversionchange = function (event) {
            db.close();
            opening = null;
            if (event.newVersion !== null) notice("outdated");
          };
          resolve(db);
        };
        request.onerror = function () {
          opening = null;
          // Opened at a newer version since this page loaded (VersionError): only a reload brings the new script.
          if (request.error && request.error.name === "VersionError") notice("outdated");
          reject(request.error);
        };
      });
    }
    return opening;
  }

  function run(store, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(store, mode);
        var result = work(tx.objectStore(store));
        tx.oncomplete = function () {
          resolve(result && "result" in result ? result.result : undefined);
        };
        tx.onerror = function () {
          reject(tx.error);
        };
      });
    });
  }

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  window.OfflineStore = {
    put: function (store, value) {
      return run(store, "readwrite", function (s) {
        s.put(value);
      });
    },
    putAll: function (store, values) {
      return run(store, "readwrite", function (s) {
        values.forEach(function (v) {
          s.put(v);
        });
      });
    },
    get: function (store, key) {
      return run(store, "readonly", function (s) {
        return s.get(key);
      });
    },
    all: function (store) {
      return run(store, "readonly", function (s) {
        return s.getAll();
      });
    },
    remove: function (store, keys) {
      return run(store, "readwrite", function (s) {
        keys.forEach(function (k) {
          s.delete(k);
        });
      });
    },
    newKey: function () {
      return crypto.randomUUID();
    },
    // `send` (returning a promise) run one at a time: asked while a send is under way, one more follows it,
    // so "Gửi ngay" always sends what is queued at the moment it is pressed. `counter` says data-sending while
    // sends are under way and counts the finished ones (data-sends): what a test waits for instead of guessing
    // when a send ended.
    serial: function (send, counter) {
      var running = null;
      var again = false;
      function run() {
        if (running) {
          again = true;
          return running;
        }
        counter.dataset.sending = "true";
        running = Promise.resolve()
          .then(send)
          .catch(function () {})
          .then(function () {
            counter.dataset.sends = String(Number(counter.dataset.sends || 0) + 1);
            running = null;
            if (again) {
              again = false;
              return run();
            }
            delete counter.dataset.sending;
          });
        return running;
      }
      return run;
    },
    // Call `fn` every data-send-every seconds of `element` (the server's OFFLINE_SEND_EVERY_SECONDS).
    every: function (element, fn) {
      var seconds = Number(element.dataset.sendEvery) || 10;
      window.setInterval(fn, seconds * 1000);
    },
    // Resolves with the parsed JSON of a 2xx answer; rejects with {status, body} otherwise, or the network
    // error, or an abort when no answer came in time (then nothing was changed on our side: the queue stays;
    // what did arrive is answered "already recorded" when sent again under the same keys).
    postJSON: function (url, body) {
      var controller = new AbortController();
      var timer = window.setTimeout(function () {
        controller.abort();
      }, sendTimeoutMs());
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
        body: JSON.stringify(body),
        signal: controller.signal,
      })
        .then(function (response) {
          return response.json().then(
            function (data) {
              if (!response.ok) throw { status: response.status, body: data };
              return data;
            },
            function () {
              throw { status: response.status, body: null };
            }
          );
        })
        .finally(function () {
          window.clearTimeout(timer);
        });
    },
  };
})();
