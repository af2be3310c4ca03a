// Floor plan editor for alliance staff. Click a hall to add a booth, drag a booth to move it: those two
// send canonical JSON numbers to /api/v1/fairs/… (read from the plan's unlocalised data attributes). Click
// a booth to open its panel, a server-rendered form (htmx) where staff type numbers the way they write them.
// After any change the plan and its legend are redrawn from the server. No libraries besides htmx.
(function () {
  "use strict";
  var root = document.getElementById("plan-editor");
  if (!root) return;
  var api = root.dataset.api; // …/booths/
  var panelUrl = root.dataset.panel; // the plan and its legend, redrawn
  var boothUrl = root.dataset.booth; // …/booths/0/
  var status = document.getElementById("plan-status");
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
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) {
          var error = data.error || {};
          var parts = [error.message || response.statusText];
          var fields = error.fields || {};
          Object.keys(fields).forEach(function (name) {
            parts = parts.concat(fields[name]);
          });
          throw new Error(root.dataset.msgFailed + " " + parts.join(" "));
        }
        return data;
      });
    });
  }

  function svg() {
    return document.getElementById("fair-plan");
  }

  function scale() {
    return parseFloat(svg().dataset.scale || "10");
  }

  function toMetres(event) {
    var s = svg();
    var point = s.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    var p = point.matrixTransform(s.getScreenCTM().inverse());
    return { x: p.x / scale(), y: p.y / scale() };
  }

  function snap(v) {
    return Math.max(0, Math.round(v / SNAP) * SNAP);
  }

  function nextCode() {
    var prefix = (document.getElementById("new-prefix").value || "A-").toUpperCase();
    var highest = 0;
    svg()
      .querySelectorAll(".booth")
      .forEach(function (g) {
        var code = g.dataset.code || "";
        if (code.indexOf(prefix) === 0) {
          var n = parseInt(code.slice(prefix.length), 10);
          if (!isNaN(n) && n > highest) highest = n;
        }
      });
    var next = String(highest + 1);
    return prefix + (next.length < 2 ? "0" + next : next);
  }

  function boothGroup(id) {
    return id ? svg().querySelector('.booth[data-booth="' + id + '"]') : null;
  }

  function highlight(id) {
    svg()
      .querySelectorAll(".booth.selected")
      .forEach(function (g) {
        g.classList.remove("selected");
      });
    var g = boothGroup(id);
    selected = g ? id : null;
    if (picker) picker.value = selected || "";
    if (g) g.classList.add("selected");
  }

  function openPanel(id) {
    highlight(id);
    if (!selected) return;
    window.htmx.ajax("GET", boothUrl.replace("/0/", "/" + id + "/"), { target: "#booth-panel", swap: "innerHTML" });
  }

  function rebuildPicker() {
    if (!picker) return;
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
    picker.value = selected || "";
  }

  // The plan and the legend's counts come back from the server after every change.
  function refresh(keep) {
    return fetch(panelUrl, { credentials: "same-origin" })
      .then(function (r) {
        return r.text();
      })
      .then(function (html) {
        document.getElementById("plan-panel").innerHTML = html;
        bindSvg();
        rebuildPicker();
        highlight(keep);
      });
  }

  // What a new booth copies from the selected one (its machine-readable data attributes).
  function template() {
    var d = (boothGroup(selected) || { dataset: {} }).dataset;
    return {
      width: d.width ? Number(d.width) : 3,
      depth: d.depth ? Number(d.depth) : 3,
      price: d.price ? Number(d.price) : 0,
      zone: d.zone ? Number(d.zone) : null,
      power: d.power ? d.power === "1" : true,
      water: d.water === "1",
      cold_storage: d.cold === "1",
    };
  }

  function addAt(event, hall) {
    var group = hall.closest(".hall-group");
    var p = toMetres(event);
    var top = Number(group.dataset.top) / scale();
    var body = Object.assign(template(), {
      hall: Number(hall.dataset.hall),
      code: nextCode(),
      booth_type: document.getElementById("new-type").value,
      x: snap(p.x),
      y: snap(p.y - top),
    });
    send("POST", api, body)
      .then(function (booth) {
        return refresh(String(booth.id)).then(function () {
          say(root.dataset.msgAdded.replace("{code}", booth.code));
          openPanel(String(booth.id));
        });
      })
      .catch(function (e) {
        say(e.message, true);
      });
  }

  function moveBy(d) {
    var body = { x: snap(d.x + d.dx), y: snap(d.y + d.dy) };
    send("PATCH", api + d.id + "/", body)
      .then(function (booth) {
        return refresh(d.id).then(function () {
          say(root.dataset.msgMoved.replace("{code}", booth.code));
          openPanel(d.id);
        });
      })
      .catch(function (e) {
        say(e.message, true);
        return refresh(d.id);
      });
  }

  function bindSvg() {
    var s = svg();
    if (!s) return;
    s.addEventListener("pointerdown", function (event) {
      var g = event.target.closest(".booth");
      if (!g) return;
      event.preventDefault();
      drag = {
        id: g.dataset.booth,
        group: g,
        start: toMetres(event),
        x: Number(g.dataset.x),
        y: Number(g.dataset.y),
        dx: 0,
        dy: 0,
        moved: false,
      };
      s.setPointerCapture(event.pointerId);
    });
    s.addEventListener("pointermove", function (event) {
      if (!drag) return;
      var p = toMetres(event);
      drag.dx = p.x - drag.start.x;
      drag.dy = p.y - drag.start.y;
      if (Math.abs(drag.dx) + Math.abs(drag.dy) > 0.3) drag.moved = true;
      drag.group.setAttribute(
        "transform",
        "translate(" + snap(drag.dx) * scale() + " " + snap(drag.dy) * scale() + ")"
      );
    });
    s.addEventListener("pointerup", function (event) {
      if (drag) {
        var d = drag;
        drag = null;
        if (d.moved) moveBy(d);
        else openPanel(d.id);
        return;
      }
      if (!addToggle || addToggle.getAttribute("aria-pressed") !== "true") return;
      var hall = event.target.closest(".hall");
      if (hall) addAt(event, hall);
    });
  }

  if (addToggle) {
    addToggle.addEventListener("click", function () {
      var on = addToggle.getAttribute("aria-pressed") !== "true";
      addToggle.setAttribute("aria-pressed", on ? "true" : "false");
      root.classList.toggle("adding", on);
    });
  }
  if (picker) {
    picker.addEventListener("change", function () {
      openPanel(picker.value);
    });
  }
  // A refused save, assignment or deletion answers 400/403/404/409 with the panel again: what was typed and why
  // it was refused. htmx swaps only 2xx answers unless told, which left the old panel with no word of the error.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (event.detail.target && event.detail.target.id === "booth-panel" && status >= 400 && status < 500) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // The booth panel's forms answer with HX-Trigger: plan-changed when they changed something.
  document.body.addEventListener("plan-changed", function () {
    refresh(selected);
  });

  bindSvg();
})();
