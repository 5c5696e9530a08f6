// Siting run page: a Leaflet map of the demand points (coloured by coverage before and after), existing
// facilities, candidate sites and the chosen sites. Vector layers only; a tile layer when configured.
(function () {
  "use strict";

  function readJson(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("map-config");
    if (!el || !document.getElementById("map")) return;
    var urls = readJson("map-urls");
    var map = L.map("map", { preferCanvas: true, zoomSnap: 0.25 });
    if (el.dataset.tileUrl) {
      L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution, maxZoom: 19 }).addTo(map);
    }
    map.setView([30.2, 120.3], 12);
    var boundaries = L.featureGroup().addTo(map);
    var demand = L.featureGroup().addTo(map);
    var existing = L.featureGroup().addTo(map);
    var candidates = L.featureGroup().addTo(map);
    var sites = L.featureGroup().addTo(map);
    var overlays = {};
    overlays[el.dataset.labelDemand] = demand;
    overlays[el.dataset.labelExisting] = existing;
    overlays[el.dataset.labelCandidates] = candidates;
    overlays[el.dataset.labelSites] = sites;
    L.control.layers(null, overlays).addTo(map);

    fetch(urls.boundaries, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          style: function (f) {
            var self = f.properties.role === "self";
            return { color: self ? "#b42318" : "#1d4ed8", weight: self ? 2.5 : 1, fill: false };
          },
          interactive: false,
        }).addTo(boundaries);
        if (layer.getLayers().length) map.fitBounds(layer.getBounds(), { padding: [10, 10], animate: false });
      });

    fetch(urls.layers, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var maxW = 1;
        data.demand.forEach(function (d) { if (d[2] > maxW) maxW = d[2]; });
        data.demand.forEach(function (d) {
          var color = d[3] ? "#9ca3af" : d[4] ? "#f59e0b" : "#dc2626";
          L.circleMarker([d[1], d[0]], {
            radius: 1.5 + 4 * Math.sqrt(d[2] / maxW), stroke: false, fillColor: color, fillOpacity: 0.7, interactive: false,
          }).addTo(demand);
        });
        data.existing.forEach(function (p, i) {
          var m = L.marker([p[1], p[0]], {
            icon: L.divIcon({ className: "", html: '<div style="width:10px;height:10px;background:#1d4ed8;border:1px solid #fff"></div>', iconSize: [10, 10] }),
          }).addTo(existing);
          var code = data.existing_codes && data.existing_codes[i];
          if (code) {
            m.bindTooltip(linli.text(code));
            m.on("click", function () { window.location = urls.facility.replace("CODE", code); });
          }
        });
        data.candidates.forEach(function (p) {
          L.circleMarker([p[1], p[0]], { radius: 3, color: "#6b7280", weight: 1, fill: false, interactive: false }).addTo(candidates);
        });
        data.sites.forEach(function (p) {
          L.marker([p[1], p[0]], {
            icon: L.divIcon({ className: "", html: '<div style="font-size:22px;line-height:22px;color:#16a34a;text-shadow:0 0 2px #fff">★</div>', iconSize: [22, 22], iconAnchor: [11, 11] }),
          }).bindTooltip(linli.text("#", p[2])).addTo(sites);
          if (data.radius_m) {
            L.circle([p[1], p[0]], { radius: data.radius_m, color: "#16a34a", weight: 1, fillOpacity: 0.05, interactive: false }).addTo(sites);
          }
        });
        document.getElementById("map").dataset.sites = String(data.sites.length);
        document.getElementById("map").dataset.demand = String(data.demand.length);
      });
  });
})();
