/* Supply pages. Everything here is an aid: without JavaScript the forms still work as typed. */
(function () {
  "use strict";

  /* Recording an intake: choosing a plot chooses the household that farms it. */
  function linkPlotToHousehold() {
    var data = document.getElementById("plot-households");
    var plot = document.getElementById("id_plot");
    var household = document.getElementById("id_household");
    if (!data || !plot || !household) return;
    var farmers = JSON.parse(data.textContent);
    plot.addEventListener("change", function () {
      var farmer = farmers[plot.value];
      if (farmer) household.value = String(farmer);
    });
  }

  /* Drawing an outline: taps on the map (or the phone's position) become [longitude, latitude] corners. */
  function outlineEditor() {
    var svg = document.getElementById("outline-canvas");
    var field = document.getElementById("id_polygon");
    if (!svg || !field) return;
    var draft = document.getElementById("outline-draft");
    var status = document.getElementById("outline-status");
    var p = {
      west: parseFloat(svg.dataset.west), north: parseFloat(svg.dataset.north), scale: parseFloat(svg.dataset.scale),
      cosLat: parseFloat(svg.dataset.cosLat), margin: parseFloat(svg.dataset.margin)
    };
    var corners = [];

    function toSvg(lon, lat) {
      return [p.margin + (lon - p.west) * p.cosLat * p.scale, p.margin + (p.north - lat) * p.scale];
    }
    function toLonLat(x, y) {
      return [p.west + (x - p.margin) / (p.cosLat * p.scale), p.north - (y - p.margin) / p.scale];
    }
    function round(n) { return Math.round(n * 1e7) / 1e7; }
    function render() {
      draft.setAttribute("points", corners.map(function (c) { return toSvg(c[0], c[1]).join(","); }).join(" "));
      if (corners.length >= 3) {
        var ring = corners.concat([corners[0]]).map(function (c) { return [round(c[0]), round(c[1])]; });
        field.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
      } else {
        field.value = "";
      }
      status.textContent = svg.dataset.cornersLabel + " " + window.MarketNumbers.format(corners.length);
    }
    // The saved outline stays in the field (and highlighted on the map) until the first tap starts a new one.

    svg.addEventListener("click", function (event) {
      event.preventDefault();
      var point = svg.createSVGPoint();
      point.x = event.clientX;
      point.y = event.clientY;
      var local = point.matrixTransform(svg.getScreenCTM().inverse());
      corners.push(toLonLat(local.x, local.y));
      render();
    });
    var tools = document.querySelector(".outline-tools");
    tools.hidden = false;
    tools.addEventListener("click", function (event) {
      var action = event.target.dataset.outline;
      if (action === "undo") { corners.pop(); render(); }
      if (action === "clear") { corners = []; render(); }
      if (action === "locate") {
        if (!navigator.geolocation) { status.textContent = svg.dataset.noGpsLabel; return; }
        navigator.geolocation.getCurrentPosition(function (position) {
          corners.push([position.coords.longitude, position.coords.latitude]);
          render();
        }, function () { status.textContent = svg.dataset.noGpsLabel; }, { enableHighAccuracy: true, timeout: 20000 });
      }
    });
    status.textContent = svg.dataset.cornersLabel + " 0";
  }

  document.addEventListener("DOMContentLoaded", function () {
    linkPlotToHousehold();
    outlineEditor();
  });
})();
