// "Add a position / commitment / advocate" without a round trip: copy the formset's <template>
// row, number it, and count it in TOTAL_FORMS. Without JavaScript the same buttons submit the
// page, which comes back with one more row and everything typed kept.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-add-row]");
    if (!button) return;
    var prefix = button.getAttribute("data-add-row");
    var template = document.getElementById(prefix + "-template");
    var rows = document.getElementById(prefix + "-rows");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    if (!template || !rows || !total) return; // let the button submit the page
    event.preventDefault();
    var index = parseInt(total.value, 10) || 0;
    var html = template.innerHTML.split("__prefix__").join(String(index));
    rows.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var row = rows.lastElementChild;
    var legend = row && row.querySelector("legend");
    if (legend) legend.textContent = legend.textContent.trim() + " " + rows.children.length;
    var first = row && row.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  });
})();
