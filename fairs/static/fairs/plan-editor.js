// Floor plan editor for alliance staff: click a hall to add a booth, drag a booth to move it, edit its
// attributes, assign it to an application. Talks to /api/v1/fairs/… with the session; no libraries.
(function () {
  "use strict";
  var root = document.getElementById("plan-editor");
  if (!root) return;
  var api = root.dataset.api; // …/booths/
  var assignUrl = root.dataset.assign; // …/applications/0/assign/
  var svgUrl = root.dataset.svg;
  var status = document.getElementById("plan-status");
  var form = document.getElementById("booth-form");
  var picker = document.getElementById("booth-picker");
  var addToggle = document.getElementById("add-mode");
  var selected = null;
  var drag = null;
  var SNAP = 0.5;

  function csrf() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (e) {
      return "";
    }
  }

  function say(text, isError) {
    status.textContent = text;
    status.className = isError ? "notice error" : "notice success";
  }

  function send(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), Accept: "application/json" },
      body: body ? JSON.stringify(body) : undefined,
    }).then(function (response) {
      if (response.status === 204) return {};
      return response.json().then(function (data) {
        if (!response.ok) {
          var error = data.error || {};
          var detail = error.message || data.detail || "";
          var fields = error.fields || {};
          Object.keys(fields).forEach(function (k) {
            detail += " " + k + ": " + [].concat(fields[k]).join(" ");
          });
          throw new Error(detail.trim() || response.statusText);
        }
        return data;
      });
    });
  }

  function svg() {
    return document.getElementById("fair-plan");
  }

  function toMetres(event) {
    var s = svg();
    var point = s.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    var p = point.matrixTransform(s.getScreenCTM().inverse());
    var scale = parseFloat(s.dataset.scale || "10");
    return { x: p.x / scale, y: p.y / scale };
  }

  function snap(v) {
    return Math.max(0, Math.round(v / SNAP) * SNAP);
  }

  function nextCode() {
    var prefix = (document.getElementById("new-prefix").value || "A-").toUpperCase();
    var highest = 0;
    svg().querySelectorAll(".booth").forEach(function (g) {
      var code = g.dataset.code || "";
      if (code.indexOf(prefix) === 0) {
        var n = parseInt(code.slice(prefix.length), 10);
        if (!isNaN(n) && n > highest) highest = n;
      }
    });
    var next = String(highest + 1);
    return prefix + (next.length < 2 ? "0" + next : next);
  }

  function refresh(selectId) {
    // The plan may sit in the browser's cache for a few minutes: the editor needs it as it is now (a 304
    // when nothing changed).
    return fetch(svgUrl, { credentials: "same-origin", cache: "no-cache" })
      .then(function (r) {
        return r.text();
      })
      .then(function (text) {
        var doc = new DOMParser().parseFromString(text, "image/svg+xml");
        var fresh = document.importNode(doc.documentElement, true);
        var old = svg();
        old.parentNode.replaceChild(fresh, old);
        bindSvg();
        rebuildPicker();
        if (selectId) select(selectId);
      });
  }

  function rebuildPicker() {
    var current = picker.value;
    picker.innerHTML = "";
    var empty = document.createElement("option");
    empty.value = "";
    empty.textContent = "—";
    picker.appendChild(empty);
    svg()
      .querySelectorAll(".booth")
      .forEach(function (g) {
        var o = document.createElement("option");
        o.value = g.dataset.booth;
        o.textContent = g.dataset.code + (g.dataset.exhibitor ? " · " + g.dataset.exhibitor : "");
        picker.appendChild(o);
      });
    picker.value = current;
  }

  function boothGroup(id) {
    return svg().querySelector('.booth[data-booth="' + id + '"]');
  }

  function select(id) {
    svg()
      .querySelectorAll(".booth.selected")
      .forEach(function (g) {
        g.classList.remove("selected");
      });
    var g = boothGroup(id);
    selected = g ? id : null;
    picker.value = selected || "";
    form.hidden = !g;
    if (!g) return;
    g.classList.add("selected");
    var d = g.dataset;
    form.elements.code.value = d.code;
    form.elements.booth_type.value = d.type;
    form.elements.zone.value = d.zone || "";
    form.elements.x.value = d.x;
    form.elements.y.value = d.y;
    form.elements.width.value = d.width;
    form.elements.depth.value = d.depth;
    form.elements.price.value = d.price;
    form.elements.power.checked = d.power === "1";
    form.elements.water.checked = d.water === "1";
    form.elements.cold_storage.checked = d.cold === "1";
    form.elements.blocked.checked = d.blocked === "1";
    document.getElementById("booth-state").textContent = g.querySelector("title").textContent;
  }

  function bindSvg() {
    var s = svg();
    s.addEventListener("pointerdown", function (event) {
      var g = event.target.closest(".booth");
      if (g) {
        event.preventDefault();
        var start = toMetres(event);
        drag = {
          id: g.dataset.booth,
          group: g,
          start: start,
          x: parseFloat(g.dataset.x),
          y: parseFloat(g.dataset.y),
          moved: false,
        };
        s.setPointerCapture(event.pointerId);
      }
    });
    s.addEventListener("pointermove", function (event) {
      if (!drag) return;
      var p = toMetres(event);
      var dx = p.x - drag.start.x;
      var dy = p.y - drag.start.y;
      if (Math.abs(dx) + Math.abs(dy) > 0.3) drag.moved = true;
      var scale = parseFloat(s.dataset.scale || "10");
      drag.group.setAttribute("transform", "translate(" + snap(dx) * scale + " " + snap(dy) * scale + ")");
      drag.dx = dx;
      drag.dy = dy;
    });
    s.addEventListener("pointerup", function (event) {
      if (drag) {
        var d = drag;
        drag = null;
        if (!d.moved) {
          select(d.id);
          return;
        }
        var body = { x: snap(d.x + d.dx).toFixed(2), y: snap(d.y + d.dy).toFixed(2) };
        send("PATCH", api + d.id + "/", body)
          .then(function (booth) {
            return refresh(d.id).then(function () {
              say(root.dataset.msgMoved.replace("{code}", booth.code));
            });
          })
          .catch(function (e) {
            say(e.message, true);
            return refresh(d.id);
          });
        return;
      }
      if (!addToggle || addToggle.getAttribute("aria-pressed") !== "true") return;
      var hall = event.target.closest(".hall");
      if (!hall) return;
      var group = hall.closest(".hall-group");
      var p = toMetres(event);
      var top = parseFloat(group.dataset.top) / parseFloat(s.dataset.scale || "10");
      var body = {
        hall: parseInt(hall.dataset.hall, 10),
        code: nextCode(),
        booth_type: document.getElementById("new-type").value,
        width: document.getElementById("new-width").value || "3",
        depth: document.getElementById("new-depth").value || "3",
        price: parseInt(document.getElementById("new-price").value || "0", 10),
        x: snap(p.x).toFixed(2),
        y: snap(p.y - top).toFixed(2),
      };
      send("POST", api, body)
        .then(function (booth) {
          return refresh(booth.id).then(function () {
            say(root.dataset.msgAdded.replace("{code}", booth.code));
          });
        })
        .catch(function (e) {
          say(e.message, true);
        });
    });
  }

  if (addToggle) {
    addToggle.addEventListener("click", function () {
      var on = addToggle.getAttribute("aria-pressed") !== "true";
      addToggle.setAttribute("aria-pressed", on ? "true" : "false");
      root.classList.toggle("adding", on);
    });
  }

  picker.addEventListener("change", function () {
    select(picker.value);
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!selected) return;
    var e = form.elements;
    var body = {
      code: e.code.value,
      booth_type: e.booth_type.value,
      zone: e.zone.value ? parseInt(e.zone.value, 10) : null,
      x: e.x.value,
      y: e.y.value,
      width: e.width.value,
      depth: e.depth.value,
      price: parseInt(e.price.value || "0", 10),
      power: e.power.checked,
      water: e.water.checked,
      cold_storage: e.cold_storage.checked,
      blocked: e.blocked.checked,
    };
    var id = selected;
    send("PATCH", api + id + "/", body)
      .then(function (booth) {
        return refresh(id).then(function () {
          say(root.dataset.msgSaved.replace("{code}", booth.code));
        });
      })
      .catch(function (err) {
        say(err.message, true);
      });
  });

  document.getElementById("booth-delete").addEventListener("click", function () {
    if (!selected) return;
    var id = selected;
    send("DELETE", api + id + "/")
      .then(function () {
        return refresh(null).then(function () {
          say(root.dataset.msgDeleted);
        });
      })
      .catch(function (err) {
        say(err.message, true);
      });
  });

  document.getElementById("booth-assign").addEventListener("click", function () {
    var application = document.getElementById("assign-to").value;
    if (!selected || !application) return;
    var id = selected;
    send("POST", assignUrl.replace("/0/", "/" + application + "/"), { booth: parseInt(id, 10) })
      .then(function (result) {
        var option = document.querySelector('#assign-to option[value="' + application + '"]');
        if (option) option.remove();
        return refresh(id).then(function () {
          say(root.dataset.msgAssigned.replace("{code}", result.booth).replace("{name}", result.cooperative));
        });
      })
      .catch(function (err) {
        say(err.message, true);
      });
  });

  bindSvg();
  rebuildPicker();
})();
