// Facility page: a small Leaflet map with the facility's point and its service radius as vector layers; a
// tile layer only when one is configured (LINLI_TILE_URL).
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("map");
    if (!el || typeof L === "undefined") return;
    var data = JSON.parse(document.getElementById("facility-map").textContent);
    var config = document.getElementById("map-config").dataset;
    var map = L.map(el, { zoomSnap: 0.25 });
    if (config.tileUrl) {
      L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 19 }).addTo(map);
    }
    var point = L.latLng(data.lat, data.lon);
    if (data.radius) {
      map.fitBounds(point.toBounds(data.radius * 2), { padding: [10, 10], animate: false });
      L.circle(point, { radius: data.radius, color: "#1d4ed8", weight: 1, fillOpacity: 0.08 })
        .bindTooltip(linli.text(config.labelRadius, " ", data.radius, " m"))
        .addTo(map);
    } else {
      map.setView(point, 16);
    }
    L.circleMarker(point, { radius: 8, color: "#b42318", weight: 2, fillColor: "#b42318", fillOpacity: 0.7 })
      .bindTooltip(linli.text(data.name))
      .addTo(map);
    el.dataset.points = "1";
  });
})();
