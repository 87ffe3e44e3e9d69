/* Filtering and sorting of a topic matrix. The page is complete without this script:
   the tools stay hidden and every row is shown in the report's own order. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var tools = document.querySelector(".matrix-tools");
  var table = document.getElementById("matrix");
  if (!tools || !table) return;
  tools.hidden = false;

  var filter = tools.querySelector("[data-filter]");
  var gapsOnly = tools.querySelector("[data-gaps-only]");
  var rows = function () { return table.querySelectorAll("tbody tr:not(.group)"); };

  function apply() {
    var q = (filter.value || "").trim().toLowerCase();
    var onlyGaps = gapsOnly.checked;
    rows().forEach(function (tr) {
      var show = (!q || tr.textContent.toLowerCase().indexOf(q) !== -1) &&
        (!onlyGaps || tr.querySelector("td.is-gap") !== null);
      tr.hidden = !show;
    });
  }
  filter.addEventListener("input", apply);
  gapsOnly.addEventListener("change", apply);

  /* Sort the rows of each group: by family name, or by how much a plan's column holds. */
  var heads = table.querySelectorAll("thead th[data-sort]");
  heads.forEach(function (th, col) {
    th.tabIndex = 0;
    function sort() {
      var dir = th.getAttribute("aria-sort") === "descending" ? "ascending" : "descending";
      heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir);
      var sign = dir === "ascending" ? 1 : -1;
      table.querySelectorAll("tbody").forEach(function (body) {
        var list = Array.prototype.slice.call(body.querySelectorAll("tr:not(.group)"));
        list.sort(function (a, b) {
          if (col === 0) {
            return sign * a.cells[0].textContent.localeCompare(b.cells[0].textContent, document.documentElement.lang);
          }
          var ka = a.cells[col] ? a.cells[col].querySelectorAll(".measure").length : 0;
          var kb = b.cells[col] ? b.cells[col].querySelectorAll(".measure").length : 0;
          return sign * (ka - kb) || (Number(b.dataset.n || 0) - Number(a.dataset.n || 0));
        });
        list.forEach(function (tr) { body.appendChild(tr); });
      });
    }
    th.addEventListener("click", function (e) { if (e.target.tagName !== "A") sort(); });
    th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
  });
})();
