// Scenario form: the minutes each living circle takes follow the walking speed typed in.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var speed = document.querySelector("input[name=walking_speed_mps]");
    if (!speed) return;
    function update() {
      var v = parseFloat(speed.value);
      document.querySelectorAll("#circles li").forEach(function (li) {
        var span = li.querySelector(".minutes");
        span.textContent = v > 0 ? (parseFloat(li.dataset.distance) / v / 60).toFixed(1) : "—";
      });
    }
    speed.addEventListener("input", update);
    update();
  });
})();
