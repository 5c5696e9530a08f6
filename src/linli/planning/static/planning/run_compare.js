// Run comparison: grouped bars of coverage % per facility type, A beside B.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var data = JSON.parse(document.getElementById("chart-data").textContent);
    var el = document.getElementById("compare-chart");
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText" },
      legend: { top: 0 },
      grid: { left: 110, right: 24, top: 32, bottom: 24 },
      xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", data: data.names, inverse: true },
      series: [
        { name: "A", type: "bar", data: data.a, itemStyle: { color: "#94a3b8" } },
        { name: "B", type: "bar", data: data.b, itemStyle: { color: "#2563eb" } },
      ],
    });
    window.addEventListener("resize", function () { chart.resize(); });
    el.dataset.rendered = "1";
  });
})();
