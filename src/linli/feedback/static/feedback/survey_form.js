// Survey builder: "add a question" clones the last question block with the next number.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("add-question");
    var blocks = document.getElementById("question-blocks");
    var count = document.getElementById("block-count");
    if (!button || !blocks || !count) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var last = blocks.lastElementChild;
      var n = Number(count.value) + 1;
      var copy = last.cloneNode(true);
      copy.dataset.n = String(n);
      copy.classList.remove("has-error");
      copy.querySelectorAll(".error").forEach(function (e) { e.remove(); });
      copy.querySelector(".n").textContent = String(n);
      copy.querySelectorAll("[name]").forEach(function (el) {
        el.name = el.name.replace(/^q-\d+-/, "q-" + n + "-");
        if (el.type === "checkbox") el.checked = true;
        else if (el.tagName === "SELECT") el.selectedIndex = 0;
        else el.value = "";
      });
      blocks.appendChild(copy);
      count.value = String(n);
      copy.querySelector("input").focus();
    });
  });
})();
