// Check-in at the entrance, on a phone that may lose the network. The fair's badges are kept on the phone
// (IndexedDB) and refreshed with only what changed since the last refresh (the badge list's sync); with the
// network a scan is answered at once (htmx); without it the scan is answered from the kept badges and
// queued under its own idempotency key, then sent when the network is back. The server decides: the first
// scan of a badge (by scan time) wins, a scan from another phone is a conflict, listed here, and so is a scan
// of a badge revoked before the scan arrived. Every sync tells the phone which badges are revoked, and it
// refuses those offline from then on. A scan sent online that gets no answer (the network failed
// mid-request, the server answered 5xx, or took too long) is queued as if offline. The phone tells the server
// its queue length whenever it can, for the staff's list of phones.
(function () {
  "use strict";
  var form = document.getElementById("checkin-form");
  if (!form || !window.OfflineStore) return;
  var store = window.OfflineStore;
  var number = window.MarketNumbers.format; // counts grouped as the server's counter writes them (app.js)
  var input = document.getElementById("checkin-code");
  var result = document.getElementById("checkin-result");
  var status = document.getElementById("offline-status");
  var d = form.dataset;
  var fair = d.fair;
  var badgesAt = "";

  var deviceId = localStorage.getItem("ml-device-id");
  if (!deviceId) {
    deviceId = store.newKey();
    localStorage.setItem("ml-device-id", deviceId);
  }
  var label = d.phone + " " + deviceId.slice(0, 4).toUpperCase();
  document.getElementById("checkin-device").value = deviceId;

  function say(text, tone) {
    var p = document.createElement("p");
    p.className = "notice " + tone;
    p.textContent = text;
    result.replaceChildren(p);
  }

  // The same reading as fairs.inputs.BadgeCodeInput: "ml-7k3p 9qxz" -> "7K3P9QXZ".
  function normalise(text) {
    var code = text.toUpperCase().replace(/[^A-Z0-9]/g, "");
    if (code.indexOf("ML") === 0 && code.length > 8) code = code.slice(2);
    return code;
  }

  function named(template, name) {
    return template.replace("%(name)s", name);
  }

  // This fair's name kept on the phone, so that a page of another fair can name it (otherFair).
  var FAIR_NAME = "fair-name:";
  store.put("meta", { k: FAIR_NAME + fair, name: d.fairName });

  // The fair another of this phone's copies keeps `code` under, or null. Codes are unique across fairs, so such a
  // code is never a badge of this fair: refused here, not queued (queued, the server would refuse it later).
  function otherFair(code) {
    return store.all("meta").then(function (rows) {
      var others = rows.filter(function (m) {
        return m.k.indexOf(FAIR_NAME) === 0 && m.k !== FAIR_NAME + fair;
      });
      return Promise.all(
        others.map(function (m) {
          return store.get("badges", m.k.slice(FAIR_NAME.length) + ":" + code).then(function (badge) {
            return badge ? m.name : null;
          });
        })
      ).then(function (names) {
        return names.filter(Boolean)[0] || null;
      });
    });
  }

  function showStatus() {
    return store.all("scans").then(function (scans) {
      var mine = scans.filter(function (s) {
        return s.fair === fair;
      });
      status.textContent =
        (navigator.onLine ? d.tOnline : d.tOffline) +
        " · " + number(mine.length) + " " + d.tWaiting +
        (badgesAt ? " · " + d.tBadges + " " + badgesAt : "");
      return mine;
    });
  }

  // The phone's copy of the badges follows the check-in copy's sync (docs/api-sync.md; rows of only what this
  // page uses, in the badge list's order): the first time, or when the phone has no cursor it can use, every
  // badge of the fair from the beginning of time; after that only the badges changed since the cursor it kept,
  // oldest change first, page after page. A revoked badge comes again as a state (revoked) and is refused here
  // from then on; a badge issued again comes with the code that replaces it, and the new badge as a row of its
  // own. Each fair has its own cursor, so a phone moved to another fair takes that fair's copy whole.
  var SYNC_KEY = "badges-sync:" + fair;
  var PAGE = 200; // the list's largest page: a fair of 3,000 badges is 15 requests the first time
  // Past this age since its last whole copy the phone takes another rather than a day's changes, which at a
  // big fair can outnumber its badges.
  var CURSOR_MAX_AGE_MS = 24 * 60 * 60 * 1000;
  var EPOCH = "1970-01-01T00:00:00Z";

  function badgeRow(b, queued) {
    return {
      id: fair + ":" + b.code,
      fair: fair,
      code: b.code,
      name: b.name,
      // A badge scanned on this phone and not sent yet stays checked here, whatever the server still says.
      checked: b.checked_in || !!queued[b.code],
      revoked: b.revoked,
      reissuedAs: b.reissued_as || "",
    };
  }

  function queuedCodes() {
    return store.all("scans").then(function (scans) {
      var queued = {};
      scans.forEach(function (s) {
        if (s.fair === fair) queued[s.code] = true;
      });
      return queued;
    });
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw r;
      return r.json();
    });
  }

  // Keep one page and the cursor after it: a pull cut short resumes from the last page kept.
  function keepPage(page, queued, since) {
    var rows = page.results.map(function (b) {
      return badgeRow(b, queued);
    });
    return store.putAll("badges", rows).then(function () {
      return store.put("meta", { k: SYNC_KEY, cursor: page.sync_cursor, since: since });
    });
  }

  // `since`: when the whole copy this cursor continues was started.
  function pull(url, queued, since) {
    return getJSON(url).then(function (page) {
      return keepPage(page, queued, since).then(function () {
        return page.next ? pull(page.next, queued, since) : undefined;
      });
    });
  }

  // Badges are never deleted (docs/api-sync.md), so a whole copy is every badge laid over what the phone kept.
  function pullWhole(queued) {
    var url = d.badgesUrl + "?updated_since=" + encodeURIComponent(EPOCH) + "&page_size=" + PAGE;
    return pull(url, queued, Date.now());
  }

  function pullBadges() {
    return Promise.all([store.get("meta", SYNC_KEY), queuedCodes()]).then(function (got) {
      var state = got[0];
      var queued = got[1];
      if (!state || !state.cursor || Date.now() - state.since > CURSOR_MAX_AGE_MS) return pullWhole(queued);
      var url = d.badgesUrl + "?cursor=" + encodeURIComponent(state.cursor) + "&page_size=" + PAGE;
      return pull(url, queued, state.since).catch(function (error) {
        // The server cannot read the cursor (another API version): start again from a whole copy.
        if (error && error.status === 400) return pullWhole(queued);
        throw error;
      });
    });
  }

  function fetchBadges() {
    return pullBadges()
      .then(function () {
        badgesAt = new Date().toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit" });
        return store.put("meta", { k: "badges-at:" + fair, at: badgesAt });
      })
      .catch(function () {
        return store.get("meta", "badges-at:" + fair).then(function (m) {
          badgesAt = m ? m.at : "";
        });
      })
      .then(function () {
        // Counted like the queue's sends (data-sends): what a test waits for instead of guessing.
        form.dataset.copies = String(Number(form.dataset.copies || 0) + 1);
        return showStatus();
      });
  }

  function queueScan(raw) {
    var code = normalise(raw);
    if (!code) {
      say(d.tBlank, "error");
      return Promise.resolve();
    }
    var scan = { key: store.newKey(), fair: fair, code: code, scanned_at: new Date().toISOString() };
    var elsewhere = null;
    return store
      .get("badges", fair + ":" + code)
      .then(function (badge) {
        return badge ? badge : otherFair(code).then(function (name) {
          elsewhere = name;
        });
      })
      .then(function (badge) {
        // Refused here and not queued: the phone knows this badge lets no one in here.
        if ((badge && badge.revoked) || elsewhere) return badge;
        return store.put("scans", scan).then(function () {
          return badge;
        });
      })
      .then(function (badge) {
        if (elsewhere) {
          say(d.tOtherFair.replace("%(code)s", code).replace("%(fair)s", elsewhere), "error");
        } else if (badge && badge.revoked) {
          say(named(d.tRevoked, badge.name), "error");
        } else if (!badge) {
          say(d.tUnknown, "warning");
        } else if (badge.checked) {
          say(named(d.tAlready, badge.name) + " " + d.tQueued, "warning");
        } else {
          badge.checked = true;
          say(named(d.tWelcome, badge.name) + " " + d.tQueued, "success");
          return store.put("badges", badge);
        }
      })
      .then(showStatus);
  }

  // What the server says is revoked is refused offline from now on (a badge not kept yet is kept as revoked).
  function learnRevoked(codes) {
    if (!codes.length) return Promise.resolve();
    return store.all("badges").then(function (rows) {
      var kept = {};
      rows.forEach(function (r) {
        if (r.fair === fair) kept[r.code] = r;
      });
      var changed = [];
      codes.forEach(function (code) {
        var row = kept[code] || { id: fair + ":" + code, fair: fair, code: code, name: code, checked: false };
        if (!row.revoked) {
          row.revoked = true;
          changed.push(row);
        }
      });
      return changed.length ? store.putAll("badges", changed) : undefined;
    });
  }

  function showConflicts(conflicts) {
    var list = document.getElementById("checkin-conflicts");
    list.replaceChildren.apply(
      list,
      conflicts.map(function (c) {
        var li = document.createElement("li");
        li.textContent = c.message;
        li.dataset.code = c.code;
        return li;
      })
    );
    document.getElementById("checkin-conflicts-section").hidden = conflicts.length === 0;
  }

  // Send the queue (or, when it is empty, just say how the phone is): the server answers every scan.
  function send() {
    if (!navigator.onLine) return showStatus();
    return showStatus()
      .then(function (queued) {
        var batch = queued.slice(0, 200);
        return store
          .postJSON(d.syncUrl, {
            device: deviceId,
            phone_name: label,
            pending: queued.length - batch.length,
            scans: batch.map(function (s) {
              return { key: s.key, code: s.code, scanned_at: s.scanned_at };
            }),
          })
          .then(function (answer) {
            var done = answer.results.map(function (r) {
              return r.key;
            });
            // A scan the server could not read (outcome "invalid") is answered too: nothing stays stuck.
            var failed = answer.results.filter(function (r) {
              return r.outcome === "invalid" || r.outcome === "unknown" || r.outcome === "revoked";
            });
            if (batch.length) {
              say(
                d.tSent + ": " + number(batch.length) +
                  (failed.length ? " · " + d.tFailed + " " + failed.map(function (r) { return r.message; }).join(" ") : ""),
                failed.length ? "warning" : "success"
              );
            }
            showConflicts(answer.conflicts);
            var count = document.getElementById("checkin-count");
            if (count) count.textContent = number(answer.checked_in) + " / " + number(answer.total);
            return store.remove("scans", done).then(function () {
              return learnRevoked(answer.revoked || []);
            });
          })
          .catch(function (error) {
            if (error && error.status) {
              // The server refused the batch (the check-in window closed…): the scans stay, it is told.
              say(d.tFailed + " " + ((error.body && error.body.error && error.body.error.message) || error.status), "error");
            }
          });
      })
      .then(showStatus);
  }
  var sync = store.serial(send, form);

  var lastCode = "";
  // Before htmx sends a typed or scanned code: with no network, the phone answers and queues it.
  document.addEventListener(
    "submit",
    function (event) {
      if (event.target !== form) return;
      lastCode = input.value;
      if (!navigator.onLine) {
        event.preventDefault();
        event.stopImmediatePropagation();
        // Cleared at once, not when the queue is written: the next badge may be typed or scanned already.
        input.value = "";
        input.focus();
        queueScan(lastCode);
      }
    },
    true
  );
  // The network said it was there but the scan got no answer (the request never arrived, the server failed
  // or took too long): queue it as if offline. A refusal (4xx) is an answer, shown as one.
  function queueUnanswered(event) {
    event.preventDefault(); // queued, not the page's "did not answer" notice (app.js)
    if (input.value === lastCode) input.value = "";
    input.focus();
    queueScan(lastCode);
  }
  form.addEventListener("htmx:sendError", queueUnanswered);
  form.addEventListener("htmx:timeout", queueUnanswered);
  form.addEventListener("htmx:responseError", function (event) {
    if (event.detail.xhr.status >= 500) queueUnanswered(event);
  });
  form.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) {
      // What was checked in online is checked in on the phone too, should the network go next.
      var id = fair + ":" + normalise(lastCode);
      store.get("badges", id).then(function (badge) {
        if (badge && !badge.checked) {
          badge.checked = true;
          store.put("badges", badge);
        }
      });
      input.value = "";
      input.focus();
    }
  });
  // Send first, then refresh the copy: the refreshed copy then includes what was just sent.
  document.getElementById("checkin-send").addEventListener("click", function () {
    sync().then(fetchBadges);
  });
  window.addEventListener("online", function () {
    sync().then(fetchBadges);
  });
  window.addEventListener("offline", showStatus);
  // Now that a refresh carries only what changed, the page takes it with each of its own sends too.
  store.every(form, function () {
    return sync().then(fetchBadges);
  });

  // The camera.
  var button = document.getElementById("scan-start");
  var video = document.getElementById("scan-video");
  var stop = null;
  if (!window.MarketScan || !navigator.mediaDevices) {
    button.hidden = true;
    document.getElementById("scan-unsupported").hidden = false;
  } else {
    button.addEventListener("click", function () {
      if (stop) {
        stop();
        stop = null;
        button.setAttribute("aria-pressed", "false");
        return;
      }
      button.setAttribute("aria-pressed", "true");
      stop = window.MarketScan.start(
        video,
        function (value) {
          input.value = value;
          form.requestSubmit();
        },
        function (error) {
          say(error.message, "error");
          button.setAttribute("aria-pressed", "false");
          stop = null;
        }
      );
    });
  }

  fetchBadges().then(sync);
})();
