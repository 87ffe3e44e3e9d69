/* The two-plan view (compare.html#a=…&b=…): loads the two plans' records (data/pairs/<plan>.js, written
   by the build; a script, since a page opened from the file system may not fetch a JSON file) and draws
   the families both have with both wordings, those only one has, and the near-identical passages with
   their character-level differences (computed by the build: this only draws <del> and <ins>).
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

  /* A wording: the deciding clause, its decisive words marked, and the link to it. */
  function wording(w) {
    var box = el("div", "measure");
    var p = el("p", "clause");
    w[2].forEach(function (part) {
      if (typeof part === "string") p.appendChild(document.createTextNode(part));
      else p.appendChild(el("mark", null, part[0]));
    });
    box.appendChild(p);
    box.appendChild(link(w[1], L.source + " " + w[0], "src"));
    return box;
  }
  function wordings(cell, f) {
    f[5].forEach(function (w) { cell.appendChild(wording(w)); });
  }
  function familyHead(f) {
    var th = el("th");
    th.scope = "row";
    th.appendChild(link(f[4], f[2]));
    th.appendChild(el("span", "topic", f[3]));
    return th;
  }
  function table(caption, heads) {
    var t = el("table", "list pair-table");
    t.appendChild(el("caption", null, caption));
    var tr = el("tr");
    heads.forEach(function (h) { var th = el("th", null, h); th.scope = "col"; tr.appendChild(th); });
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

  /* The passages the two plans share, oriented from plan a to plan b. */
  function diffsOf(A, B) {
    if (A.diffs[B.plan_id]) return A.diffs[B.plan_id];
    return (B.diffs[A.plan_id] || []).map(function (d) {
      var ops = d[4].map(function (op) { return [-op[0], op[1]]; });
      for (var i = 0; i + 1 < ops.length; i++) {  // a replacement reads deletion first, as the build writes it
        if (ops[i][0] === 1 && ops[i + 1][0] === -1) { var t = ops[i]; ops[i] = ops[i + 1]; ops[i + 1] = t; i++; }
      }
      return [d[2], d[3], d[0], d[1], ops];
    });
  }
  function identical(d) { return d[4].every(function (op) { return op[0] === 0; }); }
  function diff(d, A, B) {
    var item = el("div", "pair-diff");
    var where = el("p", "where");
    where.appendChild(link(d[1], A.name + " " + (d[0] || L.passage), "src"));
    where.appendChild(document.createTextNode(" ↔ "));
    where.appendChild(link(d[3], B.name + " " + (d[2] || L.passage), "src"));
    if (identical(d)) where.appendChild(el("span", "identical", L.identical));
    item.appendChild(where);
    var p = el("p", "diff");
    p.lang = "zh";
    d[4].forEach(function (op) {
      if (op[0] === 0) { p.appendChild(document.createTextNode(op[1])); return; }
      var e = el(op[0] < 0 ? "del" : "ins", null, op[1]);
      e.title = fill(L.only_in, op[0] < 0 ? A.name : B.name);
      p.appendChild(e);
    });
    item.appendChild(p);
    return item;
  }

  function status(B, fid) {
    if (B.gaps.indexOf(fid) !== -1) { var g = el("span", "gap", L.gap); g.title = L.gap_title; return g; }
    if (B.mentions.indexOf(fid) !== -1) { var m = el("span", "mention", L.mention); m.title = L.mention_title; return m; }
    return el("span", "absent", L.absent);
  }
  function onlyOne(id, A, B, list) {
    var s = section(id, fill(L.only, A.name, B.name), list.length);
    if (!list.length) { s.appendChild(el("p", "empty", L.none)); return; }
    var t = table(fill(L.only_caption, A.name, B.name), [L.family, A.name, B.name]);
    list.forEach(function (f) {
      var tr = el("tr");
      tr.setAttribute("data-family", f[0]);
      tr.appendChild(familyHead(f));
      wordings(tr.appendChild(el("td")), f);
      tr.appendChild(el("td", "status")).appendChild(status(B, f[0]));
      t.tBodies[0].appendChild(tr);
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
     ["pair-only-b", fill(L.summary_only, B.name), onlyB.length], ["pair-diffs", L.summary_diffs, diffs.length]
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
    out.appendChild(summary);

    /* clauses with a change first (their diff), then the identical ones, folded */
    var edited = diffs.filter(function (d) { return !identical(d); });
    var same = diffs.filter(identical);
    var s = section("pair-diffs", L.diffs, diffs.length);
    if (diffs.length) {
      s.appendChild(el("p", "hint", fill(L.diffs_hint, A.name, B.name)));
      edited.forEach(function (d) { s.appendChild(diff(d, A, B)); });
      if (same.length) {
        var fold = el("details", "pair-same");
        fold.appendChild(el("summary", null, L.identical_more.replace("%(n)s", same.length)));
        same.forEach(function (d) { fold.appendChild(diff(d, A, B)); });
        s.appendChild(fold);
      }
    } else {
      s.appendChild(el("p", "empty", L.no_diffs));
    }

    s = section("pair-both", L.both, both.length);
    if (both.length) {
      var t = table(fill(L.both_caption, A.name, B.name), [L.family, A.name, B.name]);
      both.forEach(function (f) {
        var tr = el("tr");
        tr.setAttribute("data-family", f[0]);
        tr.appendChild(familyHead(f));
        wordings(tr.appendChild(el("td")), f);
        wordings(tr.appendChild(el("td")), inB[f[0]]);
        t.tBodies[0].appendChild(tr);
      });
      wrap(s, t);
    } else {
      s.appendChild(el("p", "empty", L.none));
    }
    onlyOne("pair-only-a", A, B, onlyA);
    onlyOne("pair-only-b", B, A, onlyB);
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
