// Map of construction projects: one circle per project, red when delayed; labels are text (linli.text).
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("map");
    if (!el || typeof L === "undefined") return;
    var data = JSON.parse(document.getElementById("projects-geojson").textContent);
    var config = document.getElementById("map-config").dataset;
    var map = L.map(el, { zoomSnap: 0.25 });
    if (config.tileUrl) {
      L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 19 }).addTo(map);
    }
    var bounds = [];
    data.features.forEach(function (f) {
      var p = f.properties;
      var latlng = L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]);
      var colour = p.delayed ? "#b42318" : "#1d4ed8";
      L.circleMarker(latlng, { radius: 7, color: colour, weight: 2, fillColor: colour, fillOpacity: 0.6 })
        .bindTooltip(linli.text(p.name, " · ", p.type, " · ", config.labelStage, ": ", p.stage,
          p.delayed ? " · " + config.labelDelayed : ""))
        .on("click", function () { window.location.href = config.url.replace(/projects\/$/, "projects/" + p.id + "/"); })
        .addTo(map);
      bounds.push(latlng);
    });
    if (bounds.length) {
      map.fitBounds(L.latLngBounds(bounds), { padding: [20, 20], animate: false, maxZoom: 16 });
    } else {
      map.setView([30, 120], 11);
    }
    el.dataset.points = String(bounds.length);
  });
})();
