/* Filtering and sorting of a topic matrix, and the plan picker. The page is complete without this
   script: the tools stay hidden and every row and every plan's column is shown in the report's own order. */
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

  /* The plan picker: only the chosen plans' columns are shown, and the choice is kept in the address
     (#plans=a,b) so that the view can be sent to a colleague. Plans the address names that are on
     another page of a split matrix are kept in it; a page showing none of them shows every plan.
     Every link to a topic's page (the pager, the other topics, a family of the page's grid) carries the
     choice: a family's link as #<row>&plans=a,b, its row brought into view here. */
  var picker = tools.querySelector("[data-plan-picker]");
  var boxes = picker ? Array.prototype.slice.call(picker.querySelectorAll("input[type=checkbox]")) : [];
  var onPage = boxes.map(function (b) { return b.value; });
  var hiding = document.createElement("style");
  document.head.appendChild(hiding);

  function plansInAddress() {
    var m = /^#(?:.*&)?plans=([^&]*)/.exec(location.hash);
    if (!m) return [];
    return m[1].split(",").filter(Boolean).map(function (id) {
      try { return decodeURIComponent(id); } catch (e) { return id; }
    });
  }
  function rowInAddress() {  // the element the address points at, beside the choice (#f-…&plans=…)
    var first = location.hash.slice(1).split("&")[0];
    return first && first.indexOf("plans=") !== 0 ? first : "";
  }
  function address(anchor, chosen) {
    var parts = [anchor, chosen.length ? "plans=" + chosen.map(encodeURIComponent).join(",") : ""];
    var hash = parts.filter(Boolean).join("&");
    return hash ? "#" + hash : "";
  }
  var toTopics = Array.prototype.filter.call(document.querySelectorAll("a[href]"), function (a) {
    return /\/topics\/[^\/]+\.html$/.test(a.pathname);
  });
  toTopics.forEach(function (a) {  // the link as written (relative), and the row it names
    var href = a.getAttribute("href");
    a.setAttribute("data-page", href.split("#")[0]);
    a.setAttribute("data-anchor", href.indexOf("#") === -1 ? "" : href.slice(href.indexOf("#") + 1));
  });
  function carry(chosen) {
    toTopics.forEach(function (a) {
      a.setAttribute("href", a.getAttribute("data-page") + address(a.getAttribute("data-anchor"), chosen));
    });
  }
  function bringRow() {  // the browser finds no element named "f-…&plans=…": bring the row into view
    var id = rowInAddress();
    if (!id || location.hash.indexOf("&") === -1) return;
    try { id = decodeURIComponent(id); } catch (e) { /* as written */ }
    var row = document.getElementById(id);
    if (row) row.scrollIntoView({ block: "start" });
  }
  function show(chosen, tick) {
    var here = chosen.filter(function (id) { return onPage.indexOf(id) !== -1; });
    var hidden = here.length ? onPage.filter(function (id) { return here.indexOf(id) === -1; }) : [];
    if (tick) boxes.forEach(function (b) { b.checked = hidden.indexOf(b.value) === -1; });
    hiding.textContent = hidden.length ? hidden.map(function (id) {
      var sel = '[data-plan="' + (window.CSS && CSS.escape ? CSS.escape(id) : id.replace(/["\\]/g, "\\$&")) + '"]';
      // the compact grid above the matrix has the same columns, after its family and tally columns
      var col = "#grid tr > :nth-child(" + (onPage.indexOf(id) + 3) + ")";
      return "#matrix " + sel + ", ul.coverage " + sel + ", " + col;
    }).join(",\n") + " { display: none; }" : "";
  }
  function remember(chosen) {
    var hash = address(rowInAddress(), chosen);
    var url = location.href.split("#")[0] + hash;
    try { history.replaceState(history.state, "", url); } catch (e) { location.replace(hash || "#"); }
    carry(chosen);  // the choice goes with the pages
  }
  function picked() {
    var elsewhere = plansInAddress().filter(function (id) { return onPage.indexOf(id) === -1; });
    var ticked = boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
    // every plan ticked, or none, is no choice: every column shows
    return ticked.length === boxes.length ? elsewhere : elsewhere.concat(ticked);
  }
  function choose() { var chosen = picked(); show(chosen, false); remember(chosen); }
  if (picker) {
    boxes.forEach(function (b) { b.addEventListener("change", choose); });
    picker.querySelector("[data-plans-all]").addEventListener("click", function () {
      show([], true);
      remember([]);
    });
    picker.querySelector("[data-plans-none]").addEventListener("click", function () {
      boxes.forEach(function (b) { b.checked = false; });  // then tick the few to compare
      choose();
    });
    window.addEventListener("hashchange", function () {
      show(plansInAddress(), true);
      carry(plansInAddress());
      bringRow();
    });
    show(plansInAddress(), true);
    if (plansInAddress().length) remember(plansInAddress());
    bringRow();
  }

  /* The view as a Word 对照表 (word.js): the chosen plans' columns and the rows shown, each cell as the
     page shows it, in tables of as many plans as fit an A4 landscape page, as the build's own file. */
  var word = tools.querySelector("[data-word]");
  var spec = document.getElementById("word-spec");
  if (word && spec) {
    word.addEventListener("click", function () {
      if (window.CompareWord) window.CompareWord.save(wordView(JSON.parse(spec.textContent), word.dataset), word.dataset.file);
    });
  }
  function wordView(spec, page) {
    var W = window.CompareWord, L = spec.labels, quiet = spec.quiet;
    var source = function (a, text) {
      return a ? [{ t: " " }, { t: text || a.textContent.trim(), s: 7.5, href: W.absolute(a.getAttribute("href")) }] : [];
    };
    function cell(td) {
      var mention = td.querySelector(".mention");
      if (mention) {
        return [{ runs: [{ t: mention.querySelector(".mentioned").textContent + " ", b: true, c: quiet }]
          .concat(W.clauseRuns(mention.querySelector("p.clause")), source(mention.querySelector("a.src"))) }];
      }
      var gap = td.querySelector(".gap"), absent = td.querySelector(".absent");
      if (gap) return [{ runs: [{ t: gap.textContent, b: true, c: spec.gap }] }];
      if (absent) return [{ runs: [{ t: absent.textContent, c: quiet }] }];
      return Array.prototype.map.call(td.querySelectorAll(".measure"), function (m) {
        var bind = m.querySelector(".tags .bind");
        var clause = m.querySelector(":scope > p.clause") || m.querySelector("p.full");
        return { runs: (bind ? [{ t: bind.textContent + " ", s: 7, c: quiet }] : [])
          .concat(W.clauseRuns(clause), source(m.querySelector(":scope > a.src"))) };
      });
    }
    function head(tr) {
      var th = tr.cells[0], name = th.querySelector(".fam").textContent;
      var more = [".gloss", ".meta"].map(function (s) { var e = th.querySelector(s); return e ? e.textContent : ""; });
      if (tr.classList.contains("other")) more = [L.other_meta];
      more = more.filter(Boolean).join("\n");
      var runs = [tr.id ? { t: name, href: location.href.split("#")[0] + "#" + tr.id } : { t: name, b: true }];
      return [{ runs: more ? runs.concat([{ t: "\n" + more, s: 7.5, c: quiet }]) : runs }];
    }
    var columns = Array.prototype.filter.call(table.tHead.rows[0].cells, function (th, k) {
      return k > 0 && getComputedStyle(th).display !== "none";
    });
    var title = L.title.replace("%(topic)s", page.topic);
    var blocks = [
      { heading: 1, runs: [{ t: title }] },
      { runs: [{ t: L.legend, s: 8 }] },
      { runs: [{ t: page.view + " · " + L.generated.replace("%(date)s", page.date) + " · " + L.online, s: 8, c: quiet },
        { t: location.href, s: 8, href: location.href }] }
    ];
    var per = spec.plan_columns, parts = Math.ceil(columns.length / per);
    for (var n = 0; n < parts; n++) {
      var cols = columns.slice(n * per, (n + 1) * per);
      var rows = [];
      Array.prototype.forEach.call(table.tBodies, function (body) {
        var shown = Array.prototype.filter.call(body.rows, function (tr) { return !tr.hidden && !tr.classList.contains("group"); });
        if (!shown.length) return;
        var group = body.querySelector("tr.group");
        if (group) rows.push({ group: group.textContent.trim() });
        shown.forEach(function (tr) {
          rows.push({ cells: [head(tr)].concat(cols.map(function (th) { return cell(tr.cells[th.cellIndex]); })) });
        });
      });
      if (parts > 1) {
        blocks.push({ runs: [{ t: title + L.table_part.replace("%(part)s", n + 1).replace("%(parts)s", parts), b: true }] });
      }
      var width = (spec.text_mm - spec.family_mm) / Math.max(cols.length, 1);
      blocks.push({
        widths: [spec.family_mm].concat(cols.map(function () { return width; })),
        heads: [L.family].concat(cols.map(function (th) { return th.textContent.trim(); })),
        rows: rows
      });
    }
    return { title: title, created: spec.created, font: spec.font, size: spec.size, link: spec.link, blocks: blocks };
  }

  /* The matrix scrolls in its own box so that its header stays in view; when the page has been scrolled
     past the box's top, scrolling the box brings that top (and the plan names) back into view. */
  var wrap = table.closest(".matrix-wrap");
  if (wrap) {
    wrap.addEventListener("scroll", function () {
      var top = wrap.getBoundingClientRect().top;
      if (top < 0) window.scrollBy(0, top);
    }, { passive: true });
  }

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
