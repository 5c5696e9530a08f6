// Indicator dashboard: a choropleth of the selected indicator by child area (Leaflet, labels through
// linli.text), the same figures as a bar chart and the monthly trend (ECharts). Data comes from the page.
(function () {
  "use strict";
  var PALETTE = ["#dbeafe", "#93c5fd", "#3b82f6", "#1d4ed8", "#1e3a8a"];

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function colour(value, min, max) {
    if (value === null || value === undefined) return "#e5e7eb";
    if (max <= min) return PALETTE[2];
    var k = Math.min(PALETTE.length - 1, Math.floor(((value - min) / (max - min)) * PALETTE.length));
    return PALETTE[k];
  }

  function drawMap(geo, config) {
    var el = document.getElementById("map");
    if (!el || !geo) return;
    var values = geo.features.map(function (f) { return f.properties.value; }).filter(function (v) { return v !== null; });
    var min = Math.min.apply(null, values), max = Math.max.apply(null, values);
    var map = L.map("map", { zoomSnap: 0.25 });
    map.setView([30.2, 120.3], 11);
    var layer = L.geoJSON(geo, {
      style: function (f) {
        return { color: "#1f2937", weight: 1, fillColor: colour(f.properties.value, min, max), fillOpacity: 0.75 };
      },
      onEachFeature: function (f, l) {
        l.bindTooltip(linli.text(f.properties.name, " · ", f.properties.shown));
        l.on("click", function () { window.location = config.detailUrl.replace("CODE", f.properties.code); });
      },
    }).addTo(map);
    if (layer.getLayers().length) map.fitBounds(layer.getBounds(), { padding: [10, 10], animate: false });
    el.dataset.areas = String(layer.getLayers().length);
    var legend = document.getElementById("legend");
    if (legend && values.length) {
      legend.appendChild(document.createTextNode(min.toFixed(1) + " "));
      PALETTE.forEach(function (c) {
        var s = document.createElement("span");
        s.style.background = c;
        legend.appendChild(s);
      });
      legend.appendChild(document.createTextNode(" " + max.toFixed(1)));
    }
  }

  function drawCharts(chart, config) {
    var charts = [];
    var el = document.getElementById("children-chart");
    if (el && chart.children && chart.children.length) {
      var c = echarts.init(el);
      c.setOption({
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText" },
        grid: { left: 100, right: 24, top: 16, bottom: 24 },
        xAxis: { type: "value", name: chart.unit },
        yAxis: { type: "category", inverse: true, data: chart.children.map(function (x) { return x.name; }) },
        series: [{ type: "bar", name: chart.indicator, data: chart.children.map(function (x) { return x.value; }), itemStyle: { color: "#2563eb" } }],
      });
      c.on("click", function (p) {
        var x = chart.children[p.dataIndex];
        if (x) window.location = config.detailUrl.replace("CODE", x.code);
      });
      el.dataset.rendered = String(chart.children.length);
      charts.push(c);
    }
    var trend = document.getElementById("trend-chart");
    if (trend && chart.series && chart.series.length) {
      var t = echarts.init(trend);
      t.setOption({
        tooltip: { trigger: "axis", renderMode: "richText" },
        grid: { left: 60, right: 24, top: 16, bottom: 32 },
        xAxis: { type: "category", data: chart.series.map(function (p) { return p.month; }) },
        yAxis: { type: "value", name: chart.unit },
        series: [{ type: "line", name: chart.indicator, data: chart.series.map(function (p) { return p.value; }) }],
      });
      trend.dataset.rendered = String(chart.series.length);
      charts.push(t);
    }
    window.addEventListener("resize", function () { charts.forEach(function (x) { x.resize(); }); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var cfg = document.getElementById("dash-config").dataset;
    var config = { detailUrl: cfg.detailUrl, noData: cfg.labelNoData };
    var chart = readJson("chart-data") || {};
    drawMap(readJson("boundaries"), config);
    drawCharts(chart, config);
  });
})();
