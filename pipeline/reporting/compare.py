"""``eligex report compare``: what changed between two evaluation runs (two ``--json`` metric files).

Every F1 figure (the headline ones, each entity label strict and overlap, each relation type, each
constraint category) is compared; an F1 that dropped by more than ``tolerance`` is a *regression*.
Rules are compared on their counts: a rule is *worse* when it gained false positives or lost true
positives and gained nothing, *better* the other way round, *mixed* when both. Regressions and worse
rules come first.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from pipeline.reporting import svg
from pipeline.reporting.assets import CSS
from pipeline.reporting.common import check_metrics, esc, short_hash
from pipeline.reporting.errors_view import CONSTRAINT_KINDS

RULE_COUNTS = ("tp", "fp", "constraint_tp", "constraint_fp")
STATUS_ORDER = {"regression": 0, "improvement": 1, "new": 2, "gone": 3, "same": 4}
RULE_ORDER = {"worse": 0, "mixed": 1, "better": 2, "same": 3}


def _f1_sources(m: dict) -> List[Tuple[str, str, Optional[dict]]]:
    """(section, name, P/R/F1 dict) for every F1 figure in a metrics document."""
    out = [("headline", "entities (strict)", m["entities"]), ("headline", "entities (overlap)", m["entities"]["overlap"]),
           ("headline", "relations", m["relations"]), ("headline", "constraints (bounds)", m["constraints"]),
           ("headline", "negation", m["negation"])]
    if m["negation"].get("cue"):
        out.append(("headline", "negation cues", m["negation"]["cue"]))
    out += [("entity label", k, v) for k, v in m["entities"].get("per_label", {}).items()]
    out += [("entity label (overlap)", k, v) for k, v in m["entities"]["overlap"].get("per_label", {}).items()]
    out += [("relation type", k, v) for k, v in m["relations"].get("per_label", {}).items()]
    out += [("constraint category", k, v) for k, v in m["constraints"].get("per_category", {}).items()]
    return out


def _meta(m: dict, source: str) -> dict:
    gold = m.get("gold") or {}
    return {"source": source, "date": m.get("date"), "pipeline_version": m.get("pipeline_version"),
            "rules_hash": m.get("rules_hash"), "version": m.get("version"), "documents": m.get("documents"),
            "gold": gold.get("path"), "format": gold.get("format")}


def compare_metrics(before: dict, after: dict, tolerance: float = 0.0, before_name: str = "before",
                    after_name: str = "after") -> dict:
    """The comparison document: run metadata, warnings, F1 rows, rule rows, regression count."""
    check_metrics(before, before_name)
    check_metrics(after, after_name)
    warnings = []
    mb, ma = _meta(before, before_name), _meta(after, after_name)
    if (mb["gold"], mb["format"], mb["documents"]) != (ma["gold"], ma["format"], ma["documents"]):
        warnings.append(f"the two runs scored different gold sets ({mb['gold']}, {mb['documents']} criteria vs "
                        f"{ma['gold']}, {ma['documents']} criteria): differences are not only the pipeline's")
    b_rows = {(s, n): m for s, n, m in _f1_sources(before)}
    a_rows = {(s, n): m for s, n, m in _f1_sources(after)}
    keys = list(b_rows) + [k for k in a_rows if k not in b_rows]
    rows = []
    for key in keys:
        b, a = b_rows.get(key), a_rows.get(key)
        fb = b.get("f1") if b else None
        fa = a.get("f1") if a else None
        if b is None:
            status = "new"
        elif a is None:
            status = "gone"
        elif fa < fb - tolerance:
            status = "regression"
        elif fa > fb + tolerance:
            status = "improvement"
        else:
            status = "same"
        rows.append({"section": key[0], "name": key[1], "status": status, "before": fb, "after": fa,
                     "delta": (fa - fb) if fa is not None and fb is not None else None,
                     "b": {k: (b or {}).get(k) for k in ("precision", "recall", "tp", "fp", "fn")},
                     "a": {k: (a or {}).get(k) for k in ("precision", "recall", "tp", "fp", "fn")}})
    # worst drop first, then the biggest gains
    rows.sort(key=lambda r: (STATUS_ORDER[r["status"]], -abs(r["delta"] or 0) if r["status"] != "regression"
                             else r["delta"]))
    rules = compare_rules(before.get("rules") or {}, after.get("rules") or {})
    kb = before["constraints"].get("errors") or {}
    ka = after["constraints"].get("errors") or {}
    kinds = [{"kind": k, "before": kb.get(k, 0), "after": ka.get(k, 0), "delta": ka.get(k, 0) - kb.get(k, 0)}
             for k in list(CONSTRAINT_KINDS) + sorted((set(kb) | set(ka)) - set(CONSTRAINT_KINDS))]
    return {"before": mb, "after": ma, "tolerance": tolerance, "warnings": warnings, "f1": rows, "rules": rules,
            "constraint_errors": kinds,
            "same_rules": mb["rules_hash"] is not None and mb["rules_hash"] == ma["rules_hash"],
            "regressions": sum(r["status"] == "regression" for r in rows),
            "improvements": sum(r["status"] == "improvement" for r in rows)}


def compare_rules(before: Dict[str, dict], after: Dict[str, dict]) -> List[dict]:
    out = []
    for rule in sorted(set(before) | set(after)):
        b = {k: int((before.get(rule) or {}).get(k, 0)) for k in RULE_COUNTS}
        a = {k: int((after.get(rule) or {}).get(k, 0)) for k in RULE_COUNTS}
        d = {k: a[k] - b[k] for k in RULE_COUNTS}
        worse = d["fp"] > 0 or d["constraint_fp"] > 0 or d["tp"] < 0 or d["constraint_tp"] < 0
        better = d["fp"] < 0 or d["constraint_fp"] < 0 or d["tp"] > 0 or d["constraint_tp"] > 0
        status = "mixed" if worse and better else "worse" if worse else "better" if better else "same"
        harm = max(d["fp"], 0) + max(d["constraint_fp"], 0) - min(d["tp"], 0) - min(d["constraint_tp"], 0)
        note = "new" if rule not in before else "gone" if rule not in after else ""
        out.append({"rule": rule, "status": status, "before": b, "after": a, "delta": d, "harm": harm, "note": note})
    out.sort(key=lambda r: (RULE_ORDER[r["status"]], -r["harm"], r["rule"]))
    return out


def _f(v: Optional[float]) -> str:
    return "–" if v is None else f"{v:.3f}"


def _d(v: Optional[float]) -> str:
    return "" if v is None else f"{v:+.3f}"


def _note(note: str) -> str:
    return f' <span class="muted">{esc(note)}</span>' if note else ""


def _tff(d: dict) -> str:
    return " / ".join("–" if d.get(k) is None else str(d[k]) for k in ("tp", "fp", "fn"))


def compare_lines(cmp: dict, all_rules: bool = False) -> List[str]:
    """The comparison for a terminal: regressions first, then improvements, then the rules."""
    lines = []
    for side in ("before", "after"):
        m = cmp[side]
        lines.append(f"{side + ':':<8}{m['source']}  {m['date'] or '?'}  eligex {m['pipeline_version'] or '?'}  "
                     f"rules {short_hash(m['rules_hash'])}  ({m['documents']} criteria, {m['gold']})")
    lines.append("same rule set" if cmp["same_rules"] else "rule set changed")
    lines += [f"warning: {w}" for w in cmp["warnings"]]
    groups = [("regression", "F1 dropped"), ("improvement", "F1 rose"), ("new", "only in after"),
              ("gone", "only in before")]
    for status, title in groups:
        rows = [r for r in cmp["f1"] if r["status"] == status]
        if status == "regression" or rows:
            lines.append(f"{status.upper() + 'S' if status in ('regression', 'improvement') else status} "
                         f"({title}): {len(rows)}")
        for r in rows:
            lines.append(f"  {r['section'] + ' ' + r['name']:<44} F1 {_f(r['before'])} → {_f(r['after'])}  "
                         f"{_d(r['delta'])}  (P {_f(r['b']['precision'])}→{_f(r['a']['precision'])}, "
                         f"R {_f(r['b']['recall'])}→{_f(r['a']['recall'])})")
    same = sum(r["status"] == "same" for r in cmp["f1"])
    lines.append(f"unchanged: {same} F1 figure(s)")
    kinds = [k for k in cmp["constraint_errors"] if k["delta"]]
    if kinds:
        lines.append("constraint errors: " + ", ".join(f"{k['kind']} {k['before']}→{k['after']}" for k in kinds))
    rules = [r for r in cmp["rules"] if all_rules or r["status"] != "same"]
    lines.append(f"rules changed: {sum(r['status'] != 'same' for r in cmp['rules'])} of {len(cmp['rules'])}")
    for r in rules:
        parts = [f"{k} {r['before'][k]}→{r['after'][k]}" for k in RULE_COUNTS if r["delta"][k]]
        lines.append(f"  {r['status']:<6} {r['rule']:<32} {', '.join(parts) or 'no change'}"
                     + (f"  [{r['note']}]" if r["note"] else ""))
    verdict = (f"{cmp['regressions']} F1 figure(s) dropped" if cmp["regressions"] else "no F1 dropped")
    lines.append(verdict)
    return lines


def render_compare_html(cmp: dict, title: str = "eligex: what changed between two evaluation runs") -> str:
    """A self-contained page (no script needed) of the comparison."""
    from pipeline.reporting.html import CSP

    meta_rows = "".join(
        f"<tr><th>{side}</th><td><code>{esc(m['source'])}</code></td><td>{esc(m['date'])}</td>"
        f"<td>{esc(m['pipeline_version'])}</td><td><code title=\"{esc(m['rules_hash'])}\">"
        f"{esc(short_hash(m['rules_hash']))}</code></td><td><code>{esc(m['gold'])}</code></td>"
        f"<td class=\"num\">{esc(m['documents'])}</td></tr>" for side, m in (("before", cmp["before"]),
                                                                            ("after", cmp["after"])))
    n = cmp["regressions"]
    verdict = (f'<p class="verdict bad" id="verdict"><b>{n} F1 figure(s) dropped.</b></p>' if n else
               '<p class="verdict good" id="verdict"><b>No F1 dropped.</b></p>')
    warnings = "".join(f'<p class="bad">warning: {esc(w)}</p>' for w in cmp["warnings"])
    changed = [r for r in cmp["f1"] if r["delta"]]
    chart = svg.delta_chart([(f"{r['section']}: {r['name']}", r["delta"]) for r in changed],
                            "Change in F1 (after − before)", chart_id="chart-delta") if changed else \
        '<p class="muted">No F1 figure changed.</p>'
    f1_rows = []
    for r in cmp["f1"]:
        cls = r["status"]
        f1_rows.append(
            f'<tr class="{esc(cls)}"><td>{esc(r["status"])}</td><td>{esc(r["section"])}</td><td>{esc(r["name"])}</td>'
            f'<td class="num">{_f(r["before"])}</td><td class="num">{_f(r["after"])}</td>'
            f'<td class="num {"bad" if (r["delta"] or 0) < 0 else "good" if (r["delta"] or 0) > 0 else ""}">'
            f'{_d(r["delta"])}</td><td class="num">{_f(r["b"]["precision"])} → {_f(r["a"]["precision"])}</td>'
            f'<td class="num">{_f(r["b"]["recall"])} → {_f(r["a"]["recall"])}</td>'
            f'<td class="num">{_tff(r["b"])} → {_tff(r["a"])}</td></tr>')
    kind_rows = "".join(
        f'<tr><td>{esc(k["kind"])}</td><td class="num">{k["before"]}</td><td class="num">{k["after"]}</td>'
        f'<td class="num {"bad" if k["delta"] > 0 else "good" if k["delta"] < 0 else ""}">{k["delta"]:+d}</td></tr>'
        for k in cmp["constraint_errors"])
    rule_rows = []
    for r in cmp["rules"]:
        cls = {"worse": "regression", "better": "improvement"}.get(r["status"], "")
        cells = "".join(
            f'<td class="num">{r["before"][k]} → {r["after"][k]}'
            + (f' <span class="{"bad" if (r["delta"][k] > 0) == k.endswith("fp") else "good"}">({r["delta"][k]:+d})</span>'
               if r["delta"][k] else "") + "</td>" for k in RULE_COUNTS)
        rule_rows.append(f'<tr class="{cls}"><td>{esc(r["status"])}</td><td><code>{esc(r["rule"])}</code>'
                         f'{_note(r["note"])}</td>{cells}</tr>')
    changed_rules = sum(r["status"] != "same" for r in cmp["rules"])
    return "".join([
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">',
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>",
        f'<header class="top"><h1>{esc(title)}</h1><div class="sub">'
        f'{"same rule set" if cmp["same_rules"] else "rule set changed"} · {cmp["regressions"]} regression(s) · '
        f'{cmp["improvements"]} improvement(s) · tolerance {cmp["tolerance"]:g}</div></header><main>',
        '<section id="runs"><h2>Runs</h2><table><thead><tr><th></th><th>metrics file</th><th>date</th>'
        '<th>eligex</th><th>rules</th><th>gold</th><th class="num">criteria</th></tr></thead>'
        f"<tbody>{meta_rows}</tbody></table>{verdict}{warnings}</section>",
        f'<section id="delta"><h2>Change in F1</h2>{chart}</section>',
        '<section id="f1"><h2>F1 figures, regressions first</h2><table id="table-f1"><thead><tr><th>status</th>'
        '<th>section</th><th>name</th><th class="num">F1 before</th><th class="num">F1 after</th>'
        '<th class="num">Δ</th><th class="num">P</th><th class="num">R</th><th class="num">tp / fp / fn</th>'
        f'</tr></thead><tbody>{"".join(f1_rows)}</tbody></table></section>',
        '<section id="constraint-errors"><h2>Constraint errors by kind (bounds)</h2><table><thead><tr><th>kind</th>'
        '<th class="num">before</th><th class="num">after</th><th class="num">Δ</th></tr></thead>'
        f"<tbody>{kind_rows}</tbody></table></section>",
        f'<section id="rules"><h2>Rules, worse first ({changed_rules} of {len(cmp["rules"])} changed)</h2>'
        '<table id="table-rules"><thead><tr><th>status</th><th>rule</th><th class="num">tp</th><th class="num">fp</th>'
        '<th class="num">constraint tp</th><th class="num">constraint fp</th></tr></thead>'
        f'<tbody>{"".join(rule_rows)}</tbody></table></section>',
        "</main><footer>Written by <code>eligex report compare --html</code>.</footer></body></html>\n",
    ])
