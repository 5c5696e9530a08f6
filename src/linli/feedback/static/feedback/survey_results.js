// Survey results: an ECharts bar chart per choice or rating question (counts per option or rating).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var charts = JSON.parse(document.getElementById("chart-data").textContent);
    var label = document.getElementById("chart-config").dataset.labelAnswers;
    var drawn = [];
    charts.forEach(function (c) {
      var el = document.getElementById(c.id);
      if (!el) return;
      var chart = echarts.init(el);
      var categories = { type: "category", data: c.labels, inverse: c.horizontal, axisLabel: { width: 120, overflow: "truncate" } };
      var values = { type: "value", minInterval: 1 };
      chart.setOption({
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText" },
        grid: { left: c.horizontal ? 130 : 40, right: 16, top: 16, bottom: 28 },
        xAxis: c.horizontal ? values : categories,
        yAxis: c.horizontal ? categories : values,
        series: [{ type: "bar", name: label, data: c.counts, itemStyle: { color: "#2563eb" }, label: { show: true, position: c.horizontal ? "right" : "top" } }],
      });
      el.dataset.rendered = "1";
      drawn.push(chart);
    });
    window.addEventListener("resize", function () { drawn.forEach(function (c) { c.resize(); }); });
  });
})();
