// Coverage run page: residential points coloured by walking distance to the nearest facility of the chosen
// type (or by catchment), uncovered points emphasised, facilities, catchment lines, area boundaries and the
// walking network as vector layers (a tile layer only when configured), and an ECharts bar chart.
(function () {
  "use strict";

  var BAND_COLOURS = ["#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027"];

  function readJson(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(url + ": " + r.status);
      return r.json();
    });
  }

  function catchmentColour(code) {
    var h = 0;
    for (var i = 0; i < code.length; i++) h = (h * 31 + code.charCodeAt(i)) >>> 0;
    return "hsl(" + (h % 360) + ", 70%, 50%)";
  }

  function drawMap(urls, config) {
    var el = document.getElementById("map");
    var map = L.map("map", { preferCanvas: true, zoomSnap: 0.25 });
    if (config.tileUrl) {
      L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 19 }).addTo(map);
    }
    map.setView([30.2, 120.3], 11);
    var renderer = L.canvas({ padding: 0.5 });
    var boundaries = L.featureGroup().addTo(map);
    var network = L.featureGroup().addTo(map);
    var points = L.featureGroup().addTo(map);
    var uncovered = L.featureGroup().addTo(map);
    var catchments = L.featureGroup();
    var facilities = L.featureGroup().addTo(map);
    var overlays = {};
    overlays[config.labelNetwork] = network;
    overlays[config.labelPoints] = points;
    overlays[config.labelUncovered] = uncovered;
    overlays[config.labelCatchments] = catchments;
    overlays[config.labelFacilities] = facilities;
    L.control.layers(null, overlays).addTo(map);

    getJson(urls.boundaries).then(function (data) {
      var layer = L.geoJSON(data, {
        renderer: renderer,
        interactive: false,
        style: function (f) {
          var self = f.properties.role === "self";
          return { color: self ? "#b42318" : "#1d4ed8", weight: self ? 3 : 1.2, fill: false };
        },
      }).addTo(boundaries);
      if (layer.getLayers().length) map.fitBounds(layer.getBounds(), { padding: [10, 10], animate: false });
      el.dataset.boundaries = String(layer.getLayers().length);
    });
    getJson(urls.network).then(function (data) {
      L.geoJSON(data, { renderer: renderer, style: { color: "#9ca3af", weight: 0.8, opacity: 0.7 }, interactive: false }).addTo(network);
      network.bringToBack();
      el.dataset.networkLines = String(data.features.length ? data.features[0].geometry.coordinates.length : 0);
    });

    var state = { type: document.getElementById("type-select").value, colour: "distance", data: null };

    function layerUrl(name) {
      return urls.layers.replace("LAYER", name) + "?type=" + encodeURIComponent(state.type);
    }

    function pointStyle(p) {
      var colour = state.colour === "catchment"
        ? (p.facility ? catchmentColour(p.facility) : "#6b7280")
        : BAND_COLOURS[Math.min(p.band, BAND_COLOURS.length - 1)];
      return { radius: 3, stroke: false, fillColor: colour, fillOpacity: 0.85 };
    }

    function drawPoints() {
      points.clearLayers();
      uncovered.clearLayers();
      if (!state.data) return;
      var n = 0, m = 0;
      state.data.features.forEach(function (f) {
        var p = f.properties;
        var ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
        var marker = L.circleMarker(ll, Object.assign({ renderer: renderer }, pointStyle(p)));
        marker.bindTooltip(linli.text(p.distance_m == null ? config.labelBeyond : p.distance_m + " m", " · ", p.weight));
        marker.addTo(points);
        n++;
        if (!p.covered) {
          L.circleMarker(ll, { renderer: renderer, radius: 5, color: "#7f1d1d", weight: 1.5, fill: false, interactive: false }).addTo(uncovered);
          m++;
        }
      });
      el.dataset.points = String(n);
      el.dataset.uncovered = String(m);
    }

    function load() {
      el.dataset.loading = "1";
      var p1 = getJson(layerUrl("points")).then(function (data) { state.data = data; drawPoints(); });
      var p2 = getJson(layerUrl("facilities")).then(function (data) {
        facilities.clearLayers();
        L.geoJSON(data, {
          pointToLayer: function (f, ll) {
            return L.circleMarker(ll, { renderer: renderer, radius: 6, color: "#fff", weight: 1.5, fillColor: "#1d4ed8", fillOpacity: 1 });
          },
          onEachFeature: function (f, l) { l.bindTooltip(linli.text(f.properties.name, " · ", f.properties.type_name)); },
        }).addTo(facilities);
        el.dataset.facilities = String(data.features.length);
      });
      var p3 = getJson(layerUrl("catchments")).then(function (data) {
        catchments.clearLayers();
        L.geoJSON(data, {
          renderer: renderer,
          interactive: false,
          style: function (f) { return { color: catchmentColour(f.properties.facility), weight: 0.6, opacity: 0.6 }; },
        }).addTo(catchments);
      });
      Promise.all([p1, p2, p3]).then(function () {
        facilities.bringToFront();
        el.dataset.loading = "0";
        el.dataset.type = state.type;
      });
    }

    document.getElementById("type-select").addEventListener("change", function (e) {
      state.type = e.target.value;
      var url = new URL(window.location.href);
      url.searchParams.set("type", state.type);
      window.history.replaceState(null, "", url);
      load();
    });
    document.querySelectorAll("input[name=colour]").forEach(function (input) {
      input.addEventListener("change", function (e) {
        state.colour = e.target.value;
        if (state.colour === "catchment") catchments.addTo(map); else map.removeLayer(catchments);
        drawPoints();
      });
    });
    load();
  }

  function drawChart(chart, config) {
    var el = document.getElementById("coverage-chart");
    var c = echarts.init(el);
    c.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText", valueFormatter: function (v) { return v == null ? "—" : v + "%"; } },
      grid: { left: 110, right: 40, top: 16, bottom: 24 },
      xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", data: chart.names, inverse: true },
      series: [{
        type: "bar",
        name: config.labelCoverage,
        data: chart.percent,
        label: { show: true, position: "right", formatter: function (p) { return p.value == null ? "" : p.value.toFixed(1) + "%"; } },
        itemStyle: { color: function (p) { return p.value >= 80 ? "#15803d" : p.value >= 50 ? "#ca8a04" : "#b42318"; } },
      }],
    });
    window.addEventListener("resize", function () { c.resize(); });
    el.dataset.rendered = "1";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var cfg = document.getElementById("map-config");
    if (!cfg) return;
    var config = {};
    Object.keys(cfg.dataset).forEach(function (k) { config[k] = cfg.dataset[k]; });
    drawMap(readJson("map-urls"), config);
    drawChart(readJson("chart-data"), config);
  });
})();
