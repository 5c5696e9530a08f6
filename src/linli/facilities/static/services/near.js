// Services near me: "use my location" fills lon/lat from the browser, and a Leaflet map shows the places
// found (green open now, grey closed) around the search point. Vector only unless a tile URL is set.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("near-form");
    var locate = document.getElementById("locate");
    var notice = document.getElementById("locate-notice");
    function tell(text) {
      // Location refused, unavailable or unsupported: say so and point to the community list.
      notice.textContent = text;
      notice.hidden = false;
    }
    if (locate) {
      locate.addEventListener("click", function () {
        if (!navigator.geolocation) {
          tell(notice.dataset.unsupported);
          return;
        }
        notice.hidden = true;
        navigator.geolocation.getCurrentPosition(function (pos) {
          form.elements.lon.value = pos.coords.longitude.toFixed(6);
          form.elements.lat.value = pos.coords.latitude.toFixed(6);
          form.elements.area.value = "";
          form.submit();
        }, function (error) {
          tell(error && error.code === 1 ? notice.dataset.denied : notice.dataset.unavailable);
        }, { timeout: 15000 });
      });
    }
    form.elements.area.addEventListener("change", function () {
      form.elements.lon.value = "";
      form.elements.lat.value = "";
    });

    var el = document.getElementById("near-map");
    if (!el) return;
    var config = document.getElementById("near-config").dataset;
    var points = JSON.parse(document.getElementById("near-points").textContent);
    var map = L.map(el, { preferCanvas: true });
    if (config.tileUrl) L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 19 }).addTo(map);
    var layer = L.featureGroup().addTo(map);
    points.forEach(function (p) {
      L.circleMarker([p.lat, p.lon], {
        radius: 8, weight: 2, color: p.open ? "#15803d" : "#6b7280", fillOpacity: 0.7,
      }).bindTooltip(linli.text(p.name, " · ", p.open ? config.labelOpen : config.labelClosed)).addTo(layer);
    });
    if (config.lon && config.lat) {
      L.circleMarker([+config.lat, +config.lon], { radius: 6, color: "#b42318", fillOpacity: 1 }).addTo(layer);
    }
    if (layer.getLayers().length) {
      map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 16, animate: false });
    } else {
      map.setView([30.2, 120.3], 12);
    }
    el.dataset.markers = String(points.length);
  });
})();
