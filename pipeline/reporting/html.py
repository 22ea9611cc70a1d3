"""``eligex evaluate --report``: one self-contained HTML page about an evaluation run.

Everything is inline: the style sheet, the SVG charts (drawn here, no plotting library) and a small
script that renders and filters the error list from a JSON block in the page. A Content-Security-
Policy forbids every fetch, so the page works from a file, offline, and cannot phone home.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from pipeline.reporting import svg
from pipeline.rules.labels import span_label_colors
from pipeline.reporting.assets import CSS, JS
from pipeline.reporting.common import ReportError, check_metrics, esc, fmt, script_json, short_hash
from pipeline.reporting.terminal import anchored_line, scored_note
from pipeline.reporting.errors_view import (CONSTRAINT_KINDS, KIND_HELP, NO_RULE, build_error_view,
                                            filter_options)

CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; "
       "base-uri 'none'; form-action 'none'")
HEADLINES = (("entities", "Entities (strict)"), ("entities~", "Entities (overlap)"), ("relations", "Relations"),
             ("constraints", "Constraints (bounds)"), ("negation", "Negation pairs"), ("negation~", "Negation cues"))


def headline(metrics: dict, key: str) -> Optional[dict]:
    """The P/R/F1 block of a headline figure (``None`` when an older metrics file lacks it)."""
    if key == "entities~":
        return metrics["entities"]["overlap"]
    if key == "negation~":
        return metrics["negation"].get("cue")
    return metrics[key]


def headlines(metrics: dict) -> List[tuple]:
    """(key, name, P/R/F1) of every headline figure the metrics have."""
    return [(k, n, headline(metrics, k)) for k, n in HEADLINES if headline(metrics, k) is not None]


def _prf_cells(m: dict) -> str:
    if not m.get("tp", 0) + m.get("fp", 0) + m.get("fn", 0):  # nothing in gold or predicted: no figure
        return '<td class="num">—</td>' * 3 + '<td class="num">0</td>' * 3
    return (f'<td class="num">{fmt(m.get("precision"))}</td><td class="num">{fmt(m.get("recall"))}</td>'
            f'<td class="num"><b>{fmt(m.get("f1"))}</b></td><td class="num">{m.get("tp", 0)}</td>'
            f'<td class="num">{m.get("fp", 0)}</td><td class="num">{m.get("fn", 0)}</td>')


def _filter_link(kind: str, value: str, text: Optional[str] = None, known: Optional[set] = None) -> str:
    """A link that filters the error list; plain text when no error carries that value."""
    if known is not None and value not in known:
        return esc(text if text is not None else value)
    return (f'<a class="filter-link" href="#errors" data-filter="{esc(kind)}" data-value="{esc(value)}">'
            f'{esc(text if text is not None else value)}</a>')


def _prf_table(rows: Sequence[tuple], first: str, filter_prefix: Optional[str], known: set,
               overlap: Optional[dict] = None, table_id: str = "") -> str:
    head = (f'<table class="prf" id="{esc(table_id)}"><thead><tr><th>{esc(first)}</th><th class="num">P</th>'
            f'<th class="num">R</th><th class="num">F1</th><th class="num">tp</th><th class="num">fp</th>'
            f'<th class="num">fn</th>' + ('<th class="num">overlap F1</th>' if overlap is not None else "")
            + "</tr></thead><tbody>")
    body = []
    for name, m in rows:
        cell = _filter_link("label", f"{filter_prefix}:{name}", name, known) if filter_prefix else esc(name)
        extra = f'<td class="num">{fmt((overlap or {}).get(name))}</td>' if overlap is not None else ""
        body.append(f"<tr><td>{cell}</td>{_prf_cells(m)}{extra}</tr>")
    return head + "".join(body) + "</tbody></table>"


def _summary(metrics: dict, gold_records: Optional[Sequence[dict]], view: dict) -> str:
    gold = metrics.get("gold") or {}
    ent, rel, con = metrics["entities"], metrics["relations"], metrics["constraints"]
    trials = len({r.get("trial_id") for r in gold_records}) if gold_records else None
    by_group = Counter(e["group"] for e in view["errors"])
    date = metrics.get("date") or (f"not recorded (report written "
                                   f"{datetime.now(timezone.utc).replace(microsecond=0).isoformat()})")
    rh = metrics.get("rules_hash")
    rows = [
        ("corpus", f'<code>{esc(gold.get("path", "?"))}</code> ({esc(gold.get("format", "?"))})'),
        ("criteria", f'{metrics["documents"]}' + (f" in {trials} trial(s)" if trials is not None else "")),
        ("pipeline version", esc(metrics.get("pipeline_version", "?"))),
        ("rule set", f'<code title="sha256 {esc(rh)}">{esc(short_hash(rh))}</code> '
                     f'<span class="muted">sha256 over the rule files in configs/</span>'),
        ("date", esc(date)),
        ("metrics version", esc(metrics.get("version"))),
    ]
    if gold.get("problems"):
        rows.append(("gold problems", f'{gold["problems"]} reported by the gold reader (listed by eligex evaluate)'))
    meta = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    neg = metrics["negation"]
    counts = [
        ("entities", "entity", ent["tp"] + ent["fn"], ent["tp"] + ent["fp"]),
        ("relations", "relation", rel["tp"] + rel["fn"], rel["tp"] + rel["fp"]),
        ("constraint bounds", "constraint", con["tp"] + con["fn"], con["tp"] + con["fp"]),
        ("negation pairs", "negation", neg["tp"] + neg["fn"], neg["tp"] + neg["fp"]),
    ]
    count_rows = "".join(f'<tr><td>{k}</td><td class="num">{g}</td><td class="num">{p}</td>'
                         f'<td class="num">{by_group.get(grp, 0)}</td></tr>' for k, grp, g, p in counts)
    count_rows += (f'<tr><th>all</th><td></td><td></td><td class="num"><b>{len(view["errors"])}</b></td></tr>')
    extra = ""
    notes = {k: v for k, v in gold.items() if k in ("unmapped", "notes") and v}
    if notes:
        items = "".join(f"<h3>{esc(k)}</h3><table><tbody>" + "".join(
            f'<tr><td>{esc(n)}</td><td class="num">{c}</td></tr>' for n, c in sorted(v.items(), key=lambda kv: -kv[1]))
            + "</tbody></table>" for k, v in notes.items())
        extra = f"<details><summary>gold notes from the corpus reader</summary>{items}</details>"
    return (f'<section id="summary"><h2>Summary</h2><div class="pair">'
            f'<table class="meta"><tbody>{meta}</tbody></table>'
            f'<table class="counts"><thead><tr><th></th><th class="num">gold</th><th class="num">predicted</th>'
            f'<th class="num">errors</th></tr></thead><tbody>{count_rows}</tbody></table></div>{extra}</section>')


def _headlines(metrics: dict) -> str:
    cards = []
    for key, name, m in headlines(metrics):
        cards.append(f'<div class="card" data-metric="{esc(key)}"><div class="name">{esc(name)}</div>'
                     f'<div class="big">{fmt(m.get("f1"))}</div>'
                     f'<div class="small">P {fmt(m.get("precision"))} · R {fmt(m.get("recall"))}</div>'
                     f'<div class="small">tp {m.get("tp", 0)} · fp {m.get("fp", 0)} · fn {m.get("fn", 0)}</div></div>')
    con, neg = metrics["constraints"], metrics["negation"]
    st = con.get("score_thresholds") or {}
    facts = (f'<p class="note">F1 on each card; negated-flag accuracy {fmt(neg.get("accuracy"))} over '
             f'{neg.get("targets", 0)} gold targets found; score thresholds right {st.get("right", 0)}/'
             f'{st.get("total", 0)}; condition accuracy {fmt(con.get("condition_accuracy"))}; scale_max accuracy '
             f'{fmt(con.get("scale_max_accuracy"))}; unit agreement on matched bounds '
             f'{fmt((con.get("unit_agreement") or {}).get("accuracy"))}; {esc(anchored_line(con))}. Constraints are counted in bounds '
             f'(a range is two){esc(scored_note(con))}.</p>')
    return f'<section id="headline"><h2>Headline figures</h2><div class="cards">{"".join(cards)}</div>{facts}</section>'


def _per_label(metrics: dict, known_labels: set) -> str:
    ent = metrics["entities"]
    ov = {k: v.get("f1") for k, v in ent["overlap"]["per_label"].items()}
    ent_rows = list(ent["per_label"].items())
    rel_rows = list(metrics["relations"]["per_label"].items())
    con_rows = list(metrics["constraints"].get("per_category", {}).items())
    part_rows = list(metrics["constraints"].get("parts", {}).items())
    return (
        '<section id="labels"><h2>Per label</h2>'
        '<h3>Entities per label (strict offsets; tick: overlap F1)</h3><div class="pair">'
        + svg.prf_chart(ent_rows, "Entity precision, recall and F1 per label", overlap=ov, chart_id="chart-entities")
        + _prf_table(ent_rows, "label", "entity", known_labels, overlap=ov, table_id="table-entities") + "</div>"
        '<h3>Relations per type</h3><div class="pair">'
        + svg.prf_chart(rel_rows, "Relation precision, recall and F1 per type", chart_id="chart-relations")
        + _prf_table(rel_rows, "type", "relation", known_labels, table_id="table-relations") + "</div>"
        '</section><section id="constraint-parts"><h2>Constraints per category (in bounds)</h2>'
        '<p class="note">Each constraint part (a lower or an upper bound) is scored on its own: subject span '
        'overlapping, same side, value, inclusiveness and normalised unit.</p><div class="pair">'
        + svg.prf_chart(con_rows, "Constraint-bound precision, recall and F1 per category",
                        chart_id="chart-constraints")
        + _prf_table(con_rows, "category", "constraint", known_labels, table_id="table-constraints")
        + "</div>"
        + ('<h3>Which part fails</h3><p class="note">subject: a bound on an overlapping subject; '
           'subject+bounds: and the same side, value and inclusiveness (any unit); full: the unit too.</p>'
           '<div class="pair">'
           + svg.prf_chart(part_rows, "Constraint-bound P/R/F1 by part", chart_id="chart-constraint-parts")
           + _prf_table(part_rows, "part", "constraint", set(), table_id="table-constraint-parts") + "</div>"
           if part_rows else "")
        + "</section>")


def _constraint_errors(metrics: dict, known_kinds: set) -> str:
    kinds = metrics["constraints"].get("errors") or {}
    rows = [(k, int(kinds.get(k, 0))) for k in CONSTRAINT_KINDS]
    rows += [(k, int(v)) for k, v in sorted(kinds.items()) if k not in CONSTRAINT_KINDS]
    table = "".join(
        f'<tr><td>{_filter_link("kind", "constraint_" + k, k, known_kinds)}</td><td class="num">{n}</td>'
        f'<td class="muted">{esc(KIND_HELP.get("constraint_" + k, ""))}</td></tr>' for k, n in rows)
    return ('<section id="constraint-errors"><h2>Constraint errors by kind</h2><div class="pair">'
            + svg.count_chart(rows, "Constraint errors by kind (bounds)", chart_id="chart-constraint-errors")
            + f'<table id="table-constraint-errors"><thead><tr><th>kind</th><th class="num">bounds</th>'
              f'<th>meaning</th></tr></thead><tbody>{table}</tbody></table></div></section>')


def rule_rows(metrics: dict) -> List[tuple]:
    """(rule, counts) sorted by false positives (entity + constraint), most first."""
    rules = metrics.get("rules") or {}
    return sorted(rules.items(), key=lambda kv: (-(kv[1].get("fp", 0) + kv[1].get("constraint_fp", 0)),
                                                 -kv[1].get("fp", 0), kv[0]))


def _rules(metrics: dict, known_rules: set) -> str:
    rows = rule_rows(metrics)
    if not rows:
        return '<section id="rules"><h2>Rules</h2><p class="empty">No rule fired.</p></section>'
    scale = max(c.get("tp", 0) + c.get("fp", 0) for _, c in rows) or 1
    body = []
    for name, c in rows:
        tp, fp = c.get("tp", 0), c.get("fp", 0)
        ctp, cfp = c.get("constraint_tp", 0), c.get("constraint_fp", 0)
        prec = tp / (tp + fp) if tp + fp else None
        body.append(f'<tr><td>{_filter_link("rule", name, None, known_rules)}</td><td class="num">{tp}</td>'
                    f'<td class="num">{fp}</td><td class="num">{fmt(prec)}</td><td>{svg.mini_bar(tp, fp, scale)}</td>'
                    f'<td class="num">{ctp}</td><td class="num">{cfp}</td></tr>')
    return ('<section id="rules"><h2>Rules, most false positives first</h2>'
            '<p class="note">Sorted by false positives (entity + constraint). Entity tp/fp by overlap with gold '
            'of the same label; constraint tp/fp count the bounds each rule took part in. Click a rule to see '
            'its errors.</p>'
            '<table id="table-rules"><thead><tr><th>rule</th><th class="num">tp</th><th class="num">fp</th>'
            '<th class="num">precision</th><th>tp / fp</th><th class="num">constraint tp</th>'
            f'<th class="num">constraint fp</th></tr></thead><tbody>{"".join(body)}</tbody></table></section>')


def _options(items, label_for=lambda v: v) -> str:
    return "".join(f'<option value="{esc(v)}">{esc(label_for(v))} ({n})</option>' for v, n in items)


def _label_options(items) -> str:
    groups: Dict[str, list] = {}
    for v, n in items:
        groups.setdefault(v.split(":", 1)[0] if ":" in v else v, []).append((v, n))
    out = []
    for g in ("entity", "relation", "constraint", "negation"):
        if g in groups:
            out.append(f'<optgroup label="{esc(g)}">'
                       + _options(groups.pop(g), lambda v: v.split(":", 1)[1] if ":" in v else v) + "</optgroup>")
    for g, opts in sorted(groups.items()):
        out.append(_options(opts))
    return "".join(out)


def _errors(view: dict) -> str:
    opts = filter_options(view)
    n = len(view["errors"])
    kinds = "".join(f'<option value="{esc(k)}" title="{esc(KIND_HELP.get(k, ""))}">{esc(k)} ({c})</option>'
                    for k, c in opts["kind"])
    return (
        f'<section id="errors"><h2>Errors ({n})</h2>'
        '<p class="note">Each error in its criterion: gold on the left, the prediction on the right, coloured by '
        'label as in displaCy; the spans the error is about are outlined in red. Predicted labels name their '
        'rule; hover any span for its label and rule.</p>'
        '<div class="filters" id="filters">'
        f'<label>label<select id="f-label"><option value="">all labels</option>{_label_options(opts["label"])}</select></label>'
        f'<label>error kind<select id="f-kind"><option value="">all kinds</option>{kinds}</select></label>'
        f'<label>rule<select id="f-rule"><option value="">all rules</option>{_options(opts["rule"])}</select></label>'
        f'<label>trial<select id="f-trial"><option value="">all trials</option>{_options(opts["trial"])}</select></label>'
        '<label>text<input id="f-q" type="search" placeholder="words in the criterion"></label>'
        '<button type="button" id="f-reset">reset</button></div>'
        '<noscript><p class="bad">The error list needs JavaScript; the figures above do not.</p></noscript>'
        '<div id="error-count" aria-live="polite"></div><div id="error-list"></div>'
        '<div class="more"><button type="button" id="show-more" hidden>show 100 more</button>'
        '<button type="button" id="show-all" hidden>show all</button></div></section>')


def render_report(metrics: dict, errors: Sequence[dict], gold_records: Optional[Sequence[dict]] = None,
                  pred_records: Optional[Sequence[dict]] = None, title: Optional[str] = None,
                  colors: Optional[Dict[str, str]] = None) -> str:
    """The whole page as a string. ``gold_records`` and ``pred_records`` (aligned, as given to
    ``evaluate_records``) let the error list show every gold and predicted span; without them it shows
    only the spans the errors name. Raises ``ReportError`` on metrics it cannot report on."""
    check_metrics(metrics)
    if gold_records is not None and not gold_records:
        raise ReportError("no gold records: an evaluation of nothing has no report")
    if gold_records is not None and pred_records is not None and len(gold_records) != len(pred_records):
        raise ReportError(f"{len(gold_records)} gold records but {len(pred_records)} predicted records: "
                          f"they must be aligned one to one")
    view = build_error_view(errors, gold_records, pred_records)
    view["colors"] = colors or span_label_colors()
    known = {k: {v for v, _ in vals} for k, vals in filter_options(view).items()}
    known["rule"].discard(NO_RULE)
    gold = metrics.get("gold") or {}
    corpus = Path(str(gold.get("path", "gold"))).name or "gold"
    title = title or f"eligex evaluation — {corpus}"
    sub = (f'{metrics["documents"]} criteria · eligex {esc(metrics.get("pipeline_version", "?"))} · rules '
           f'{esc(short_hash(metrics.get("rules_hash")))} · {esc(metrics.get("date", ""))}')
    nav = "".join(f'<a href="#{a}">{t}</a>' for a, t in (
        ("summary", "Summary"), ("headline", "Headline"), ("labels", "Per label"),
        ("constraint-parts", "Constraint categories"), ("constraint-errors", "Constraint errors"),
        ("rules", "Rules"), ("errors", "Errors")))
    return "".join([
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="eligex">',
        '<link rel="icon" href="data:,">',
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>",
        f'<header class="top"><h1>{esc(title)}</h1><div class="sub">{sub}</div><nav class="toc">{nav}</nav></header>',
        "<main>",
        _summary(metrics, gold_records, view),
        _headlines(metrics),
        _per_label(metrics, known["label"]),
        _constraint_errors(metrics, known["kind"]),
        _rules(metrics, known["rule"]),
        _errors(view),
        "</main>",
        f'<footer>Written by <code>eligex evaluate --report</code>. Metrics version {esc(metrics.get("version"))}; '
        f'rule-set sha256 <code>{esc(metrics.get("rules_hash", "?"))}</code>.</footer>',
        f'<script type="application/json" id="eligex-data">{script_json(view)}</script>',
        f"<script>{JS}</script>",
        "</body></html>\n",
    ])
