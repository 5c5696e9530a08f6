// Area page: a Leaflet map (area boundaries and the walking network as vector layers, a tile layer only
// when one is configured) and ECharts population charts. All data comes from linli's own API.
(function () {
  "use strict";

  function readJson(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  function drawMap(urls, config) {
    var map = L.map("map", { preferCanvas: true, zoomSnap: 0.25 });
    if (config.tileUrl) {
      L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 19 }).addTo(map);
    }
    var boundaries = L.featureGroup().addTo(map);
    var network = L.featureGroup().addTo(map);
    L.control.layers(null, { [config.labelNetwork]: network }).addTo(map);
    map.setView([30.2, 120.3], 11);

    fetch(urls.boundaries, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          style: function (f) {
            var self = f.properties.role === "self";
            var rural = f.properties.kind === "rural";
            return {
              color: self ? "#b42318" : "#1d4ed8",
              weight: self ? 3 : 1.5,
              fill: !self,
              fillColor: rural ? "#65a30d" : "#2563eb",
              fillOpacity: 0.12,
            };
          },
          onEachFeature: function (f, l) {
            if (f.properties.role === "child") {
              var label = f.properties.name + (f.properties.residents != null ? " · " + f.properties.residents + " " + config.labelResidents : "");
              l.bindTooltip(linli.text(label));
              l.on("click", function () { window.location = urls.detail.replace("CODE", f.properties.code); });
            }
          },
        }).addTo(boundaries);
        if (layer.getLayers().length) map.fitBounds(layer.getBounds(), { padding: [10, 10], animate: false });
        document.getElementById("map").dataset.boundaries = String(layer.getLayers().length);
      });

    fetch(urls.network, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var layer = L.geoJSON(data, { style: { color: "#6b7280", weight: 1, opacity: 0.8 }, interactive: false });
        layer.addTo(network);
        boundaries.bringToFront();
        var lines = data.features.length ? data.features[0].geometry.coordinates.length : 0;
        document.getElementById("map").dataset.networkLines = String(lines);
      });
  }

  function drawCharts(chart, config) {
    var age = echarts.init(document.getElementById("age-chart"));
    age.setOption({
      tooltip: { trigger: "axis", renderMode: "richText" },
      grid: { left: 60, right: 16, top: 16, bottom: 32 },
      xAxis: { type: "category", data: chart.ageGroups },
      yAxis: { type: "value" },
      series: [{ type: "bar", name: config.labelResidents, data: chart.population, itemStyle: { color: "#2563eb" } }],
    });
    var charts = [age];
    var el = document.getElementById("children-chart");
    if (el && chart.children.length) {
      var children = echarts.init(el);
      children.setOption({
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText" },
        legend: { top: 0 },
        grid: { left: 90, right: 16, top: 32, bottom: 24 },
        xAxis: { type: "value" },
        yAxis: { type: "category", data: chart.children.map(function (c) { return c.name; }), inverse: true },
        series: chart.ageGroups.map(function (g, i) {
          return { name: g, type: "bar", stack: "age", data: chart.children.map(function (c) { return c.values[i]; }) };
        }),
      });
      children.on("click", function (p) {
        var c = chart.children[p.dataIndex];
        if (c) window.location = readJson("map-urls").detail.replace("CODE", c.code);
      });
      charts.push(children);
    }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    document.getElementById("age-chart").dataset.rendered = "1";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("map-config");
    var config = {
      tileUrl: el.dataset.tileUrl,
      tileAttribution: el.dataset.tileAttribution,
      labelResidents: el.dataset.labelResidents,
      labelNetwork: el.dataset.labelNetwork,
    };
    drawMap(readJson("map-urls"), config);
    drawCharts(readJson("chart-data"), config);
  });
})();
