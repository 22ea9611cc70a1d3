"""The style sheets and the script inlined into every report and explain page (no file or network fetch at view time)."""

CSS = r"""
:root { --fg: #1f2328; --muted: #656d76; --line: #d0d7de; --bg: #ffffff; --soft: #f6f8fa;
        --good: #2e7d32; --bad: #c62828; --accent: #0b5cad; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
       background: var(--bg); }
header.top { padding: 18px 28px 10px; border-bottom: 1px solid var(--line); background: var(--soft); }
header.top h1 { margin: 0 0 4px; font-size: 22px; }
header.top .sub { color: var(--muted); }
nav.toc { margin-top: 8px; display: flex; flex-wrap: wrap; gap: 14px; }
nav.toc a { color: var(--accent); text-decoration: none; }
main { padding: 8px 28px 40px; max-width: 1500px; }
section { margin-top: 26px; }
h2 { font-size: 18px; border-bottom: 1px solid var(--line); padding-bottom: 4px; margin: 0 0 12px; }
h3 { font-size: 15px; margin: 18px 0 8px; }
p.note, .muted { color: var(--muted); }
code { font: 12px/1.3 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--soft);
       padding: 1px 4px; border-radius: 4px; }
table { border-collapse: collapse; margin: 6px 0 10px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.meta th { width: 150px; background: none; color: var(--muted); font-weight: normal; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; min-width: 170px; background: var(--bg); }
.card .name { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .big { font-size: 28px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .small { font-size: 12px; color: var(--muted); font-variant-numeric: tabular-nums; }
.pair { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
svg.chart { max-width: 100%; height: auto; background: var(--bg); }
svg.mini { vertical-align: middle; }
.good { color: var(--good); } .bad { color: var(--bad); }
tr.regression td { background: #fdecea; } tr.improvement td { background: #eaf5ea; }
a.filter-link { color: var(--accent); cursor: pointer; text-decoration: none; border-bottom: 1px dotted var(--accent); }
details { margin: 8px 0; } summary { cursor: pointer; color: var(--accent); }
/* error list */
.filters { position: sticky; top: 0; z-index: 5; background: var(--soft); border: 1px solid var(--line);
           border-radius: 8px; padding: 8px 12px; display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: end; }
.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
.filters select, .filters input { font: inherit; padding: 3px 6px; min-width: 150px; max-width: 260px; }
.filters button { font: inherit; padding: 4px 10px; }
#error-count { margin: 10px 0; color: var(--muted); }
.err-row { border: 1px solid var(--line); border-radius: 8px; margin: 10px 0; overflow: hidden; }
.err-head { background: var(--soft); padding: 6px 10px; display: flex; flex-wrap: wrap; gap: 8px; align-items: baseline; }
.err-desc { padding: 6px 10px 0; }
.kind { font-size: 12px; font-weight: 600; padding: 1px 7px; border-radius: 10px; color: #fff; background: #777; }
.kind.g-entity { background: #6a51a3; } .kind.g-relation { background: #0277bd; }
.kind.g-constraint { background: #c62828; } .kind.g-negation { background: #ef6c00; }
.crit { color: var(--muted); font-size: 12px; margin-left: auto; }
.sides { display: grid; grid-template-columns: 1fr 1fr; gap: 0; }
.side { padding: 8px 10px 12px; }
.side + .side { border-left: 1px solid var(--line); }
.side h4 { margin: 0 0 4px; font-size: 11px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
.hl { line-height: 2.3; white-space: pre-wrap; word-wrap: break-word; }
.hl mark.ent { padding: 0.25em 0.15em; border-radius: 0.3em; color: #111; }
.hl .focus { outline: 2px solid #d32f2f; outline-offset: 1px; }
.hl span.seg.focus { outline-style: dashed; }
.hl .lbl { font-size: 0.68em; font-weight: 700; padding: 0.15em 0.35em; margin: 0 0.25em 0 0.1em; border-radius: 0.3em;
           vertical-align: middle; color: #111; text-transform: uppercase; }
.hl .lbl .rid { font-weight: 400; text-transform: none; margin-left: 0.35em; }
.hl .clip { color: var(--muted); }
button.whole { font-size: 11px; padding: 1px 6px; }
.more { margin: 10px 0 30px; display: flex; gap: 10px; }
footer { color: var(--muted); font-size: 12px; padding: 14px 28px; border-top: 1px solid var(--line); }
@media (max-width: 900px) { .sides { grid-template-columns: 1fr; } .side + .side { border-left: none; border-top: 1px solid var(--line); } }
@media print { .filters, .more { display: none; } }
"""

# What explain's page adds to CSS: the criterion text, its tokens, notes to heed.
EXPLAIN_CSS = r"""
.text { white-space: pre-wrap; background: var(--soft); padding: 0.6em; border: 1px solid var(--line); border-radius: 6px; }
.tok { display: inline-block; margin: 2px; padding: 1px 4px; background: var(--soft); border-radius: 3px; }
.tok sub { color: var(--muted); }
p.warn { color: #a15c00; }
"""

# The error list: filters (label, kind, rule, trial, text), paging, displaCy-style highlights.
# Text goes in with textContent only, never innerHTML, so criterion text cannot inject markup.
JS = r"""
(function () {
  "use strict";
  var node = document.getElementById("eligex-data");
  if (!node) { return; }
  var data = JSON.parse(node.textContent);
  var crit = data.criteria, errs = data.errors, colors = data.colors || {};
  var PAGE = 100, shown = PAGE, matches = [];
  var NO_RULE = "(no rule)";
  var ids = ["label", "kind", "rule", "trial", "q"];
  var inputs = {};
  ids.forEach(function (k) { inputs[k] = document.getElementById("f-" + k); });
  var list = document.getElementById("error-list");
  var count = document.getElementById("error-count");
  var moreBtn = document.getElementById("show-more"), allBtn = document.getElementById("show-all");

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }
  function color(label) { return colors[label] || "#ddd"; }

  // Long criteria: show the part around the error (whole words, whole entities), with a toggle.
  var CONTEXT = 120, LONG = 320;
  function windowFor(c, e) {
    var n = c.text.length, f = e.fg.concat(e.fp);
    if (n <= LONG || !f.length) { return [0, n]; }
    var a = Math.max(0, Math.min.apply(null, f.map(function (s) { return s[0]; })) - CONTEXT);
    var b = Math.min(n, Math.max.apply(null, f.map(function (s) { return s[1]; })) + CONTEXT);
    while (a > 0 && !/\s/.test(c.text.charAt(a - 1))) { a--; }
    while (b < n && !/\s/.test(c.text.charAt(b))) { b++; }
    c.g.concat(c.p).forEach(function (s) {
      if (s[0] < a && s[1] > a) { a = s[0]; }
      if (s[0] < b && s[1] > b) { b = s[1]; }
    });
    return [a, b];
  }

  function highlight(text, spans, focus, showRule, win) {
    var lo = win[0], hi = win[1];
    spans = spans.filter(function (s) { return s[0] < hi && s[1] > lo; });
    var cuts = {}; cuts[lo] = 1; cuts[hi] = 1;
    spans.forEach(function (s) { cuts[s[0]] = 1; cuts[s[1]] = 1; });
    focus.forEach(function (s) { cuts[s[0]] = 1; cuts[s[1]] = 1; });
    var pts = Object.keys(cuts).map(Number).filter(function (n) { return n >= lo && n <= hi; })
      .sort(function (a, b) { return a - b; });
    var box = el("div", "hl");
    if (lo > 0) { box.appendChild(el("span", "clip", "… ")); }
    for (var i = 0; i + 1 < pts.length; i++) {
      var a = pts[i], b = pts[i + 1];
      var cov = spans.filter(function (s) { return s[0] <= a && s[1] >= b; });
      var foc = focus.some(function (s) { return s[0] <= a && s[1] >= b; });
      var part;
      if (!cov.length) {
        part = el("span", "seg" + (foc ? " focus" : ""), text.slice(a, b));
      } else {
        cov.sort(function (x, y) { return (x[1] - x[0]) - (y[1] - y[0]); });
        part = el("mark", "ent" + (foc ? " focus" : ""), text.slice(a, b));
        part.style.background = color(cov[0][2]);
        if (cov.length > 1) { part.style.boxShadow = "inset 0 -4px 0 " + color(cov[1][2]); }
        part.title = cov.map(function (s) { return s[2] + (s[3] ? " (" + s[3] + ")" : ""); }).join(", ");
      }
      box.appendChild(part);
      spans.forEach(function (s) {
        if (s[1] === b && s[0] < b) {
          var tag = el("span", "lbl", s[2]);
          tag.style.background = color(s[2]);
          var inFocus = focus.some(function (f) { return f[0] < s[1] && s[0] < f[1]; });
          if (showRule && s[3] && inFocus) { tag.appendChild(el("span", "rid", s[3])); }
          if (s[3]) { tag.title = "rule " + s[3]; }
          box.appendChild(tag);
        }
      });
    }
    if (hi < text.length) { box.appendChild(el("span", "clip", " …")); }
    return box;
  }

  function sidesFor(c, e, win) {
    var sides = el("div", "sides");
    var g = el("div", "side gold"); g.appendChild(el("h4", null, "gold"));
    g.appendChild(highlight(c.text, c.g, e.fg, false, win));
    var p = el("div", "side pred"); p.appendChild(el("h4", null, "predicted"));
    p.appendChild(highlight(c.text, c.p, e.fp, true, win));
    sides.appendChild(g); sides.appendChild(p);
    return sides;
  }

  function row(e) {
    var c = crit[e.c];
    var r = el("div", "err-row");
    r.dataset.kind = e.kind; r.dataset.label = e.label; r.dataset.trial = e.trial;
    r.dataset.rules = (e.rules.length ? e.rules : [NO_RULE]).join(" ");
    var head = el("div", "err-head");
    head.appendChild(el("span", "kind g-" + e.group, e.kind));
    head.appendChild(el("span", "elabel", e.label));
    (e.rules.length ? e.rules : [NO_RULE]).forEach(function (x) { head.appendChild(el("code", "rule", x)); });
    head.appendChild(el("span", "crit", [c.trial, c.id, c.section].filter(Boolean).join(" · ")));
    r.appendChild(head);
    r.appendChild(el("div", "err-desc", e.desc));
    var win = windowFor(c, e), whole = [0, c.text.length];
    var sides = sidesFor(c, e, win);
    r.appendChild(sides);
    if (win[0] > 0 || win[1] < c.text.length) {
      var btn = el("button", "whole", "show the whole criterion");
      btn.type = "button";
      btn.addEventListener("click", function () {
        var full = btn.textContent.indexOf("whole") >= 0;
        var next = sidesFor(c, e, full ? whole : win);
        r.replaceChild(next, sides); sides = next;
        btn.textContent = full ? "show only the part around the error" : "show the whole criterion";
      });
      head.insertBefore(btn, head.querySelector(".crit"));
    }
    return r;
  }

  function state() {
    var s = {};
    ids.forEach(function (k) { s[k] = inputs[k] ? inputs[k].value : ""; });
    return s;
  }
  function keep(e, s) {
    if (s.label && e.label !== s.label) { return false; }
    if (s.kind && e.kind !== s.kind) { return false; }
    if (s.rule && (e.rules.length ? e.rules : [NO_RULE]).indexOf(s.rule) < 0) { return false; }
    if (s.trial && e.trial !== s.trial) { return false; }
    if (s.q) {
      var c = crit[e.c], q = s.q.toLowerCase();
      if ((c.text + " " + e.desc + " " + (c.id || "")).toLowerCase().indexOf(q) < 0) { return false; }
    }
    return true;
  }
  function draw() {
    list.textContent = "";
    var frag = document.createDocumentFragment();
    matches.slice(0, shown).forEach(function (e) { frag.appendChild(row(e)); });
    list.appendChild(frag);
    var n = Math.min(shown, matches.length);
    count.textContent = "Showing " + n + " of " + matches.length + " matching error" +
      (matches.length === 1 ? "" : "s") + " (" + errs.length + " in all).";
    moreBtn.hidden = allBtn.hidden = matches.length <= shown;
    moreBtn.textContent = "show " + Math.min(PAGE, Math.max(0, matches.length - shown)) + " more";
    allBtn.textContent = "show all " + matches.length + (matches.length > 2000 ? " (slow)" : "");
  }
  function apply(resetPage) {
    var s = state();
    matches = errs.filter(function (e) { return keep(e, s); });
    if (resetPage) { shown = PAGE; }
    draw();
    var q = ids.filter(function (k) { return s[k]; })
      .map(function (k) { return k + "=" + encodeURIComponent(s[k]); }).join("&");
    // the filters go into the address (#errors?kind=...) so a filtered view can be bookmarked;
    // other anchors (#rules) are left alone
    var filtered = /^#errors\?/.test(location.hash);
    if ((q || filtered) && window.history && history.replaceState) {
      try { history.replaceState(null, "", q ? "#errors?" + q : "#errors"); } catch (x) { /* some file: URLs */ }
    }
  }
  function setFilter(k, v) {
    var input = inputs[k];
    if (!input) { return; }
    if (input.tagName === "SELECT" && !Array.prototype.some.call(input.options, function (o) { return o.value === v; })) {
      return;
    }
    input.value = v;
    apply(true);
  }

  ids.forEach(function (k) {
    if (!inputs[k]) { return; }
    inputs[k].addEventListener(k === "q" ? "input" : "change", function () { apply(true); });
  });
  document.getElementById("f-reset").addEventListener("click", function () {
    ids.forEach(function (k) { if (inputs[k]) { inputs[k].value = ""; } });
    apply(true);
  });
  moreBtn.addEventListener("click", function () { shown += PAGE; draw(); });
  allBtn.addEventListener("click", function () { shown = matches.length; draw(); });
  document.querySelectorAll("[data-filter]").forEach(function (a) {
    a.addEventListener("click", function () {
      ids.forEach(function (k) { if (inputs[k]) { inputs[k].value = ""; } });
      setFilter(a.getAttribute("data-filter"), a.getAttribute("data-value"));
    });
  });
  function fromHash() {
    var h = location.hash.match(/^#errors\?(.*)$/);
    if (!h) { return false; }
    ids.forEach(function (k) { if (inputs[k]) { inputs[k].value = ""; } });
    h[1].split("&").forEach(function (kv) {
      var i = kv.indexOf("=");
      var k = kv.slice(0, i), v = decodeURIComponent(kv.slice(i + 1));
      if (inputs[k]) { inputs[k].value = v; }
    });
    return true;
  }
  window.addEventListener("hashchange", function () { if (fromHash()) { apply(true); } });
  fromHash();
  document.documentElement.classList.add("js");
  apply(false);
})();
"""
