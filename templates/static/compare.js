/* The two-plan view (compare.html#a=…&b=…): loads the two plans' records (data/pairs/<plan>.js, written
   by the build; a script, since a page opened from the file system may not fetch a JSON file; their
   format is described in compare/render/view/pair_data.py) and draws the families both have with both
   wordings, those only one has, and the clauses holding a passage both share with their character-level
   differences (computed by the build: this only cuts the texts and draws <del> and <ins>).
   Every text is set as text, never as HTML. */
(function () {
  "use strict";
  var out = document.getElementById("pair");
  var form = document.querySelector("[data-pair-picker]");
  var labels = document.getElementById("pair-labels");
  if (!out || !form || !labels) return;
  var L = JSON.parse(labels.textContent);
  var select = { a: form.querySelector('select[data-side="a"]'), b: form.querySelector('select[data-side="b"]') };
  var records = window.COMPARE_PAIRS = window.COMPARE_PAIRS || {};
  var heads = window.COMPARE_FAMILIES || {};  // family id -> [order, name, topic, page stem, row anchor]
  var waiting = {};
  var drawn = 0;  // the latest choice: a record arriving for an older one draws nothing
  form.hidden = false;

  function option(id) {
    for (var i = 0; i < select.a.options.length; i++) {
      if (select.a.options[i].value === id) return select.a.options[i];
    }
    return null;
  }
  function load(id, done) {
    if (records[id]) { done(records[id]); return; }
    var opt = option(id);
    if (!opt) { done(null); return; }
    if (waiting[id]) { waiting[id].push(done); return; }
    waiting[id] = [done];
    var script = document.createElement("script");
    script.src = opt.getAttribute("data-src");
    script.onload = script.onerror = function () {
      var calls = waiting[id];
      delete waiting[id];
      calls.forEach(function (call) { call(records[id] || null); });
    };
    document.head.appendChild(script);
  }

  function fill(text, a, b) {
    return text.replace(/%\(a\)s/g, a).replace(/%\(b\)s/g, b === undefined ? "" : b);
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function link(href, text, cls) {
    var a = el("a", cls, text);
    a.href = href;
    return a;
  }
  function byId(families) {
    var index = {};
    families.forEach(function (f) { index[f[0]] = f; });
    return index;
  }

  /* Where a record's anchor lands: "" the plan's page, "#…" as it is, else after the plan's own prefix. */
  function place(rec, anchor) {
    if (!anchor) return rec.href;
    return rec.href + (anchor.charAt(0) === "#" ? anchor : "#" + rec.anchor + anchor);
  }
  /* A wording: the deciding clause, its decisive words marked, and the link to it. */
  function wording(rec, w) {
    var box = el("div", "measure");
    var p = el("p", "clause");
    w[2].forEach(function (part) {
      if (typeof part === "string") p.appendChild(document.createTextNode(part));
      else p.appendChild(el("mark", null, part[0]));
    });
    box.appendChild(p);
    box.appendChild(link(place(rec, w[1]), L.source + " " + w[0], "src"));
    return box;
  }
  function wordings(cell, rec, f) {
    f[1].forEach(function (w) { cell.appendChild(wording(rec, w)); });
  }
  function familyHead(f, rec) {
    var h = heads[f[0]] || [0, f[0], "", "", ""];
    var th = el("th");
    th.scope = "row";
    // the topic page that shows the plan's column (topics/land.html, topics/land-2.html …)
    th.appendChild(h[3] ? link(h[3] + (rec.page ? "-" + (rec.page + 1) : "") + ".html#" + h[4], h[1]) : el("span", null, h[1]));
    th.appendChild(el("span", "topic", h[2]));
    return th;
  }
  function table(caption, columns) {
    var t = el("table", "list pair-table");
    t.appendChild(el("caption", null, caption));
    var tr = el("tr");
    columns.forEach(function (h) { var th = el("th", null, h); th.scope = "col"; tr.appendChild(th); });
    t.appendChild(el("thead")).appendChild(tr);
    t.appendChild(el("tbody"));
    return t;
  }
  function section(id, title, count) {
    var s = el("section", "pair-part");
    s.setAttribute("aria-labelledby", id);
    var h = el("h2", null, title + " ");
    h.id = id;
    h.appendChild(el("span", "count", "(" + count + ")"));
    s.appendChild(h);
    out.appendChild(s);
    return s;
  }
  function wrap(s, t) {
    var box = el("div", "scroll");
    box.tabIndex = 0;
    box.setAttribute("role", "region");
    box.setAttribute("aria-labelledby", s.firstChild.id);
    box.appendChild(t);
    s.appendChild(box);
  }

  /* The clauses holding a passage both plans share, oriented from plan a to plan b: each
     [clause of a, clause of b, ops as lengths]; a record keeps them for the plans after it by id. */
  function diffsOf(A, B) {
    var mine = A.diffs[B.plan_id];
    if (mine) {
      return mine.map(function (d) { return [A.clauses[d[0]], B.clauses[d[1]], d[2]]; });
    }
    return (B.diffs[A.plan_id] || []).map(function (d) {
      var ops = [];
      for (var i = 0; i < d[2].length; i += 2) ops.push([-d[2][i], d[2][i + 1]]);
      for (var k = 0; k + 1 < ops.length; k++) {  // a replacement reads deletion first, as the build writes it
        if (ops[k][0] === 1 && ops[k + 1][0] === -1) { var t = ops[k]; ops[k] = ops[k + 1]; ops[k + 1] = t; k++; }
      }
      return [A.clauses[d[1]], B.clauses[d[0]], [].concat.apply([], ops)];
    });
  }
  function sameOf(A, B) { return A.same[B.plan_id] || B.same[A.plan_id] || 0; }
  function diff(d, A, B) {
    var item = el("div", "pair-diff");
    var where = el("p", "where");
    where.appendChild(link(place(A, d[0][1]), A.name + " " + (d[0][0] || L.passage), "src"));
    where.appendChild(document.createTextNode(" ↔ "));
    where.appendChild(link(place(B, d[1][1]), B.name + " " + (d[1][0] || L.passage), "src"));
    item.appendChild(where);
    var p = el("p", "diff");
    p.lang = "zh";
    // lengths count characters (code points), as the build does
    var a = Array.from(d[0][2]), b = Array.from(d[1][2]), i = 0, j = 0;
    for (var k = 0; k < d[2].length; k += 2) {
      var op = d[2][k], n = d[2][k + 1];
      if (op === 0) { p.appendChild(document.createTextNode(a.slice(i, i + n).join(""))); i += n; j += n; continue; }
      var e = el(op < 0 ? "del" : "ins", null, (op < 0 ? a.slice(i, i + n) : b.slice(j, j + n)).join(""));
      e.title = fill(L.only_in, op < 0 ? A.name : B.name);
      p.appendChild(e);
      if (op < 0) i += n; else j += n;
    }
    item.appendChild(p);
    return item;
  }

  function status(B, fid) {
    if (B.gaps.indexOf(fid) !== -1) { var g = el("span", "gap", L.gap); g.title = L.gap_title; return g; }
    if (B.mentions.indexOf(fid) !== -1) { var m = el("span", "mention", L.mention); m.title = L.mention_title; return m; }
    return el("span", "absent", L.absent);
  }
  /* a family's row of table t: its head and A's wordings; the caller adds B's cell */
  function familyRow(t, f, A) {
    var tr = el("tr");
    tr.setAttribute("data-family", f[0]);
    tr.appendChild(familyHead(f, A));
    wordings(tr.appendChild(el("td")), A, f);
    return t.tBodies[0].appendChild(tr);
  }
  function onlyOne(id, A, B, list) {
    var s = section(id, fill(L.only, A.name, B.name), list.length);
    if (!list.length) { s.appendChild(el("p", "empty", L.none)); return; }
    var t = table(fill(L.only_caption, A.name, B.name), [L.family, A.name, B.name]);
    list.forEach(function (f) {
      familyRow(t, f, A).appendChild(el("td", "status")).appendChild(status(B, f[0]));
    });
    wrap(s, t);
  }

  function draw(A, B) {
    out.textContent = "";
    document.title = A.name + " · " + B.name + " · " + document.title.split(" · ").slice(-1)[0];
    if (A.plan_id === B.plan_id) { out.appendChild(el("p", "empty", L.same)); return; }
    var inA = byId(A.families), inB = byId(B.families);
    var both = A.families.filter(function (f) { return inB[f[0]]; });
    var onlyA = A.families.filter(function (f) { return !inB[f[0]]; });
    var onlyB = B.families.filter(function (f) { return !inA[f[0]]; });
    var diffs = diffsOf(A, B);

    var summary = el("ul", "pair-summary");
    [["pair-both", L.summary_both, both.length], ["pair-only-a", fill(L.summary_only, A.name), onlyA.length],
     ["pair-only-b", fill(L.summary_only, B.name), onlyB.length], ["pair-diffs", L.summary_diffs, diffs.length + sameOf(A, B)]
    ].forEach(function (s) {
      var li = el("li");
      li.appendChild(link("#" + s[0], s[1]));
      li.appendChild(el("span", "count", " " + s[2]));
      li.firstChild.addEventListener("click", function (e) {  // the address keeps the two plans
        e.preventDefault();
        document.getElementById(s[0]).scrollIntoView();
      });
      summary.appendChild(li);
    });
    var spec = document.getElementById("word-spec");
    if (spec && window.CompareWord) {  // the view as a Word 对照表, written here (word.js)
      var button = el("button", null, L.docx);
      button.type = "button";
      button.setAttribute("data-word", "");
      button.addEventListener("click", function () {
        window.CompareWord.save(wordView(JSON.parse(spec.textContent), A, B), A.plan_id + "--" + B.plan_id + ".docx");
      });
      summary.appendChild(el("li", "docx")).appendChild(button);
    }
    out.appendChild(summary);

    /* the clauses that differ, each with its diff; those the same word for word, counted */
    var same = sameOf(A, B);
    var s = section("pair-diffs", L.diffs, diffs.length + same);
    if (diffs.length) s.appendChild(el("p", "hint", fill(L.diffs_hint, A.name, B.name)));
    diffs.forEach(function (d) { s.appendChild(diff(d, A, B)); });
    if (same) s.appendChild(el("p", "pair-same", L.identical_more.replace("%(n)s", same)));
    if (!diffs.length && !same) s.appendChild(el("p", "empty", L.no_diffs));

    s = section("pair-both", L.both, both.length);
    if (both.length) {
      var t = table(fill(L.both_caption, A.name, B.name), [L.family, A.name, B.name]);
      both.forEach(function (f) {
        wordings(familyRow(t, f, A).appendChild(el("td")), B, inB[f[0]]);
      });
      wrap(s, t);
    } else {
      s.appendChild(el("p", "empty", L.none));
    }
    onlyOne("pair-only-a", A, B, onlyA);
    onlyOne("pair-only-b", B, A, onlyB);
  }

  /* The view drawn, as a Word 对照表: each part under its heading, the clauses sharing a passage with
     their differences (struck through: only in A; underlined: only in B), the families' tables with
     their wordings and links, in A4 landscape tables as wide as the page. */
  function wordView(spec, A, B) {
    var W = window.CompareWord;
    var title = fill(L.docx_title, A.name, B.name);
    var blocks = [{ heading: 1, runs: [{ t: title }] }, { runs: [
      { t: document.title.split(" · ").slice(-1)[0] + " · " + L.online + " ", s: 8, c: spec.quiet },
      { t: location.href, s: 8, href: location.href }] }];
    var links = function (e) {
      return Array.prototype.map.call(e.querySelectorAll("a"), function (a) {
        return { runs: [{ t: a.textContent, href: W.absolute(a.getAttribute("href")) }] };
      });
    };
    function cell(td) {
      var measures = td.querySelectorAll(".measure");
      if (!measures.length) return [{ runs: [{ t: td.textContent, b: !!td.querySelector(".gap"), c: td.querySelector(".gap") ? spec.gap : spec.quiet }] }];
      return Array.prototype.map.call(measures, function (m) {
        var a = m.querySelector("a.src");
        return { runs: W.clauseRuns(m.querySelector("p.clause")).concat(
          [{ t: " " }, { t: a.textContent, s: 7.5, href: W.absolute(a.getAttribute("href")) }]) };
      });
    }
    function head(th) {
      var a = th.querySelector("a"), topic = th.querySelector(".topic");
      var name = a ? { t: a.textContent, href: W.absolute(a.getAttribute("href")) } : { t: th.textContent, b: true };
      return [{ runs: topic ? [name, { t: "\n" + topic.textContent, s: 7.5, c: spec.quiet }] : [name] }];
    }
    var text = spec.text_mm;
    out.querySelectorAll("section.pair-part").forEach(function (s) {
      blocks.push({ heading: 2, runs: [{ t: s.querySelector("h2").textContent }] });
      var items = s.querySelectorAll(".pair-diff");
      Array.prototype.forEach.call(s.children, function (e) {  // in the page's order
        if (e.matches("p")) blocks.push({ runs: [{ t: e.textContent }] });
        if (e === items[0]) {
          blocks.push({ widths: [45, text - 45], heads: [L.passage, fill(L.diff_column, A.name, B.name)],
            rows: Array.prototype.map.call(items, function (item) {
              var runs = Array.prototype.map.call(item.querySelector("p.diff").childNodes, function (n) {
                if (n.nodeName === "DEL") return { t: n.textContent, x: true, c: spec.deleted };
                if (n.nodeName === "INS") return { t: n.textContent, u: true, c: spec.inserted };
                return { t: n.textContent };
              });
              return { cells: [links(item.querySelector("p.where")), [{ runs: runs }]] };
            }) });
        }
        var t = e.querySelector("table.pair-table");
        if (!t) return;
        var status = t.querySelector("td.status") !== null;  // the other plan's column says only gap or not
        blocks.push({ widths: status ? [50, text - 97, 47] : [50, (text - 50) / 2, (text - 50) / 2],
          heads: Array.prototype.map.call(t.tHead.rows[0].cells, function (th) { return th.textContent; }),
          rows: Array.prototype.map.call(t.tBodies[0].rows, function (tr) {
            return { cells: [head(tr.cells[0]), cell(tr.cells[1]), cell(tr.cells[2])] };
          }) });
      });
    });
    return { title: title, created: spec.created, font: spec.font, size: spec.size, link: spec.link, blocks: blocks };
  }

  function chosen() {
    var found = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
      var i = kv.indexOf("=");
      if (i < 0) return;
      try { found[kv.slice(0, i)] = decodeURIComponent(kv.slice(i + 1)); } catch (e) { /* not ours */ }
    });
    return found;
  }
  function remember(a, b) {
    var hash = "#a=" + encodeURIComponent(a) + "&b=" + encodeURIComponent(b);
    if (location.hash === hash) return;
    try { history.replaceState(history.state, "", location.href.split("#")[0] + hash); } catch (e) { location.replace(hash); }
  }
  function show() {
    var want = chosen();
    if (want.a && option(want.a)) select.a.value = want.a;
    if (want.b && option(want.b)) select.b.value = want.b;
    var a = select.a.value, b = select.b.value;
    var turn = ++drawn;
    load(a, function (A) {
      load(b, function (B) {
        if (turn !== drawn) return;
        if (!A || !B) { out.textContent = ""; out.appendChild(el("p", "empty", fill(L.missing, A ? b : a))); return; }
        draw(A, B);
      });
    });
  }
  function changed() { remember(select.a.value, select.b.value); show(); }
  select.a.addEventListener("change", changed);
  select.b.addEventListener("change", changed);
  form.querySelector("[data-swap]").addEventListener("click", function () {
    var a = select.a.value;
    select.a.value = select.b.value;
    select.b.value = a;
    changed();
  });
  window.addEventListener("hashchange", show);
  show();
})();
