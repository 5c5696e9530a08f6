// Labels for maps: Leaflet's bindTooltip and bindPopup render a string as HTML, so a name typed by a user
// (a facility, an area, a site) must reach them as a text node, never as markup. Every map label in linli
// goes through `linli.text(...parts)`. ECharts tooltips render as rich text on the canvas
// (`renderMode: "richText"`) for the same reason.
(function () {
  "use strict";
  window.linli = window.linli || {};
  window.linli.text = function () {
    var span = document.createElement("span");
    span.textContent = Array.prototype.join.call(arguments, "");
    return span;
  };
})();
