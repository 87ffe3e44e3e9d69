/* Search across the plans, in the browser, from the index files the build wrote (search/*.js, each a
   <script> that adds its part to self.COMPARE_SEARCH: a page opened from the file system may not fetch()).
   A query's terms (2+ characters, separated by spaces, all required) are cut into bigrams; the postings
   of each bigram are intersected, then each passage found is checked against its text. Passages where a
   term is a whole jieba word come first within their plan (the others say so). Results are grouped by plan, each linking to
   the clause of the plan's text that holds the term.  On every page "/" puts the cursor in the search box. */
(function () {
  "use strict";
  var box = document.getElementById("site-q");
  document.addEventListener("keydown", function (e) {
    if (!box || e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    e.preventDefault();
    box.focus();
    box.select();
  });

  var page = document.querySelector("[data-search]");
  if (!page) return;
  var S = self.COMPARE_SEARCH || {};
  var meta = S.meta;
  var status = page.querySelector("[data-search-status]");
  var out = page.querySelector("[data-search-results]");
  var more = page.querySelector("[data-search-more]");
  var BATCH = 50, FILES = 10; // passages shown at a time, and files of passages loaded for them at most

  function label(name, vars) {
    var text = page.getAttribute("data-label-" + name) || "";
    return text.replace(/%\((\w+)\)s/g, function (_, k) { return vars && k in vars ? String(vars[k]) : ""; });
  }
  function unique(list) { return list.filter(function (x, i) { return list.indexOf(x) === i; }); }
  function chars(s) { return Array.from(s); }
  function bigrams(term) {
    var c = chars(term), got = [];
    for (var i = 0; i + 1 < c.length; i++) got.push(c[i] + c[i + 1]);
    return unique(got);
  }
  function shardOf(token, n) { // as compare/render/view/search_index.py: shard_of
    var h = 0;
    chars(token).slice(0, 2).forEach(function (ch) { h = (h * 31 + ch.codePointAt(0)) % 1000003; });
    return h % n;
  }
  function load(key, file) {
    return new Promise(function (resolve, reject) {
      if (S[key]) { resolve(S[key]); return; }
      var s = document.createElement("script");
      s.src = file;
      s.onload = function () { S = self.COMPARE_SEARCH || S; S[key] ? resolve(S[key]) : reject(key); };
      s.onerror = function () { reject(key); };
      document.head.appendChild(s);
    });
  }
  function decode(gaps) { // base 26, a number's last digit lower case (compare/render/search_files.py)
    var list = [], n = 0, d = 0;
    for (var i = 0; gaps && i < gaps.length; i++) {
      var c = gaps.charCodeAt(i);
      if (c >= 97) { n += d * 26 + c - 97; list.push(n); d = 0; } else d = d * 26 + c - 65;
    }
    return list;
  }
  function intersect(a, b) {
    var got = [], i = 0, j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) { got.push(a[i]); i++; j++; } else if (a[i] < b[j]) i++; else j++;
    }
    return got;
  }
  function lastAtMost(list, n, key) { // the last entry whose key(entry) <= n (entries ascending)
    var lo = 0, hi = list.length - 1;
    while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (key(list[mid]) <= n) lo = mid; else hi = mid - 1; }
    return lo;
  }
  function planOf(doc) { return lastAtMost(meta.plans, doc, function (p) { return p[3]; }); }
  function docShard(doc) { return lastAtMost(meta.docs, doc, function (d) { return d[0]; }); }
  function anchor(id) { return encodeURIComponent(id).replace(/%2F/g, "/"); }

  var q = (new URLSearchParams(location.search).get("q") || "").trim();
  if (box) box.value = q;
  if (!meta) { status.textContent = label("failed"); return; }
  if (!q) { if (box) box.focus(); return; }
  var terms = unique(q.toLowerCase().split(/\s+/).filter(Boolean));
  if (terms.some(function (t) { return chars(t).length < 2; })) { status.textContent = label("short"); return; }
  document.title = q + " · " + document.title;
  status.textContent = label("loading");

  var tokenFiles = meta.tokens;
  var needed = unique([].concat.apply([], terms.map(bigrams)).map(function (b) { return shardOf(b, tokenFiles.length); }));
  Promise.all(needed.map(function (k) { return load("t" + k, tokenFiles[k]); })).then(function () {
    var wordHits = {};
    var found = null;
    terms.forEach(function (term) {
      var docs = null;
      bigrams(term).forEach(function (b) {
        var list = decode(S["t" + shardOf(b, tokenFiles.length)].b[b]);
        docs = docs === null ? list : intersect(docs, list);
      });
      found = found === null ? docs : intersect(found, docs);
      if (meta.words) {
        var words = S["t" + shardOf(term, tokenFiles.length)];
        decode(words && words.w[term]).forEach(function (d) { wordHits[d] = (wordHits[d] || 0) + 1; });
      }
    });
    found = found || [];
    // grouped by plan (report order); within a plan, passages where the terms are whole words first
    var ranked = found.map(function (d) { return { doc: d, plan: planOf(d), words: wordHits[d] || 0 }; });
    ranked.sort(function (a, b) { return a.plan - b.plan || b.words - a.words || a.doc - b.doc; });
    // a query of 2-character terms is exactly its bigrams' postings: the totals are known already
    var exact = terms.every(function (t) { return chars(t).length === 2; });
    var totalPlans = unique(ranked.map(function (r) { return r.plan; })).length;
    var state = { next: 0, shown: 0, plans: {}, nPlans: 0 };

    function say() {
      var done = state.next >= ranked.length;
      if (exact) status.textContent = ranked.length ? label("found", { query: q, num: ranked.length, plans: totalPlans }) : label("none", { query: q });
      else if (done) status.textContent = state.shown ? label("found", { query: q, num: state.shown, plans: state.nPlans }) : label("none", { query: q });
      // not all checked yet: the bigrams' postings are an upper bound (almost always the count)
      else status.textContent = label("more-found", { query: q, num: ranked.length, plans: totalPlans, shown: state.shown });
      more.hidden = done;
    }
    function group(p) {
      if (state.plans[p]) return state.plans[p];
      var plan = meta.plans[p];
      var sec = document.createElement("section");
      sec.className = "search-plan";
      var h = document.createElement("h2");
      var a = document.createElement("a");
      a.href = plan[2];
      a.textContent = plan[1];
      var n = document.createElement("span");
      n.className = "count";
      h.appendChild(a);
      h.appendChild(document.createTextNode(" "));
      h.appendChild(n);
      var ol = document.createElement("ol");
      sec.appendChild(h);
      sec.appendChild(ol);
      out.appendChild(sec);
      state.nPlans++;
      state.plans[p] = { list: ol, count: n, n: 0 };
      return state.plans[p];
    }
    function marked(text, into) { // the text with every occurrence of every term in <mark>
      var low = text.toLowerCase(), pos = 0;
      while (pos < text.length) {
        var at = -1, len = 0;
        terms.forEach(function (t) {
          var i = low.indexOf(t, pos);
          if (i !== -1 && (at === -1 || i < at || (i === at && t.length > len))) { at = i; len = t.length; }
        });
        if (at === -1) break;
        if (at > pos) into.appendChild(document.createTextNode(text.slice(pos, at)));
        var m = document.createElement("mark");
        m.textContent = text.slice(at, at + len);
        into.appendChild(m);
        pos = at + len;
      }
      if (pos < text.length) into.appendChild(document.createTextNode(text.slice(pos)));
    }
    function show(r, row) { // row: [plan, anchor in the plan, outline path, anchored, clauses]
      var clauses = row[4], whole = clauses.join(""), low = whole.toLowerCase();
      if (!terms.every(function (t) { return low.indexOf(t) !== -1; })) return false;
      var at = low.indexOf(terms[0]), k = 0, start = 0;
      while (k < clauses.length - 1 && start + clauses[k].length <= at) { start += clauses[k].length; k++; }
      var plan = meta.plans[row[0]];
      var id = plan[0] + "/" + row[1] + (row[3] ? "/c" + (k + 1) : "");
      var text = clauses[k], from = at - start;
      if (text.length > 160) { // a long clause: the part around the term
        var a = Math.max(0, from - 60);
        text = (a > 0 ? "…" : "") + text.slice(a, a + 150) + (a + 150 < text.length ? "…" : "");
      }
      var g = group(r.plan);
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = plan[2] + "#" + anchor(id);
      var path = document.createElement("span");
      path.className = "path";
      path.textContent = row[2];
      link.appendChild(path);
      link.appendChild(document.createTextNode(" "));
      marked(text, link);
      li.appendChild(link);
      if (meta.words && r.words < terms.length) { // found inside a longer word or across two (人才 in 个人才能)
        var w = document.createElement("span");
        w.className = "word";
        w.textContent = label("part");
        li.appendChild(document.createTextNode(" "));
        li.appendChild(w);
      }
      g.list.appendChild(li);
      g.n++;
      g.count.textContent = label(g.n === 1 ? "count-one" : "count", { num: g.n });
      return true;
    }
    function next() { // the next passages: load their files, check them, show them
      more.disabled = true;
      var batch = [], files = [];
      for (var i = state.next; i < ranked.length && batch.length < BATCH; i++) {
        var k = docShard(ranked[i].doc);
        if (files.indexOf(k) === -1) {
          if (files.length === FILES) break;
          files.push(k);
        }
        batch.push(ranked[i]);
      }
      return Promise.all(files.map(function (k) { return load("d" + k, meta.docs[k][1]); })).then(function () {
        batch.forEach(function (r) {
          var k = docShard(r.doc);
          if (show(r, S["d" + k][r.doc - meta.docs[k][0]])) state.shown++;
        });
        state.next += batch.length;
        more.disabled = false;
        if (state.shown === 0 && state.next < ranked.length) return next();
        say();
      });
    }
    more.addEventListener("click", function () { next().catch(failed); });
    return next();
  }).catch(failed);

  function failed() { status.textContent = label("failed"); more.hidden = true; }
})();
