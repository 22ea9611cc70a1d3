"""Readable terminal renderings: constraint tables, evaluation and agreement summaries, rule stats."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, List, Optional

from pipeline.reporting.bounds import format_bound


def display_rows(records: Iterable[dict]) -> List[List[str]]:
    """The cells (strings) of :func:`constraint_table`: one row per constraint of ``records``."""
    rows = []
    for rec in records:
        for c in rec["constraints"]:
            rows.append([
                rec["trial_id"], rec["criterion_id"].rsplit("-", 2)[-2] + "-" + rec["criterion_id"].rsplit("-", 1)[-1],
                c["subject"], format_bound(c["lower"], c["upper"]), c["unit"] or "",
                "" if c["scale_max"] is None else str(c["scale_max"]), c["condition"] or "",
                "yes" if c["negated"] else "",
            ])
    return rows


def constraint_table(records: Iterable[dict]) -> str:
    """A plain-text table of every constraint in ``records``."""
    header = ["trial", "criterion", "subject", "bound", "unit", "scale max", "condition", "negated"]
    rows = display_rows(records)
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    out.append(f"{len(rows)} constraints")
    return "\n".join(out)


def metrics_summary_lines(metrics: dict) -> List[str]:
    """``eligex evaluate``: the headline figures of an evaluation run."""
    lines = [f"{metrics['documents']} criteria"]
    for key in ("entities", "relations", "constraints", "negation"):
        m = metrics[key]
        lines.append(f"{key:<12} P {m['precision']:.3f}  R {m['recall']:.3f}  F1 {m['f1']:.3f}  "
                     f"(tp {m['tp']}, fp {m['fp']}, fn {m['fn']})")
    ov = metrics["entities"]["overlap"]
    lines.append(f"{'entities~':<12} P {ov['precision']:.3f}  R {ov['recall']:.3f}  F1 {ov['f1']:.3f}  (overlap)")
    lines.append("per label (strict | overlap F1):")
    for label, m in metrics["entities"]["per_label"].items():
        o = ov["per_label"].get(label, {})
        lines.append(f"  {label:<12} P {m['precision']:.3f} R {m['recall']:.3f} F1 {m['f1']:.3f} | {o.get('f1', 0):.3f}"
                     f"  (tp {m['tp']}, fp {m['fp']}, fn {m['fn']})")
    c = metrics["constraints"]
    lines.append(f"constraints per category (bounds){scored_note(c)}:")
    for cat, m in c.get("per_category", {}).items():
        figures = (f"P {m['precision']:.3f} R {m['recall']:.3f} F1 {m['f1']:.3f}" if m["tp"] + m["fp"] + m["fn"]
                   else "nothing in gold or predicted")
        lines.append(f"  {cat:<12} {figures}  (tp {m['tp']}, fp {m['fp']}, fn {m['fn']})")
    lines.append(anchored_line(c))
    lines.append(f"constraint errors by kind: {json.dumps(c['errors'])}")
    lines.append("constraint parts (bounds): " + "; ".join(
        f"{name} P {m['precision']:.3f} R {m['recall']:.3f}" for name, m in c.get("parts", {}).items()))
    lines.append(f"score thresholds right: {c['score_thresholds']['right']}/{c['score_thresholds']['total']}; "
                 f"condition accuracy {c['condition_accuracy']}; scale_max accuracy {c['scale_max_accuracy']}; "
                 f"unit agreement {(c.get('unit_agreement') or {}).get('accuracy')} "
                 f"({(c.get('unit_agreement') or {}).get('right', 0)}/{(c.get('unit_agreement') or {}).get('total', 0)} "
                 f"matched bounds); sex accuracy {c.get('sex_accuracy')} "
                 f"({(c.get('sex_matches') or {}).get('right', 0)}/{(c.get('sex_matches') or {}).get('total', 0)})")
    cue = metrics["negation"]["cue"]
    lines.append(f"negation cues (overlap) P {cue['precision']:.3f}  R {cue['recall']:.3f}  F1 {cue['f1']:.3f}")
    lines.append(f"negation flag accuracy: {metrics['negation']['accuracy']} over {metrics['negation']['targets']} targets")
    return lines


def anchored_line(constraints: dict) -> str:
    """Category accuracy over matched bounds; anchor and direction accuracy over matched temporal
    bounds whose gold annotates them."""
    counts = constraints.get("anchored") or {}
    parts = []
    for key in ("anchor", "direction"):
        n = counts.get(key) or {"right": 0, "total": 0}
        acc = constraints.get(f"{key}_accuracy")
        parts.append(f"{key} {'n/a' if acc is None else f'{acc:.3f}'} ({n.get('right', 0)}/{n.get('total', 0)})")
    acc = constraints.get("category_accuracy")
    n = constraints.get("category_matches") or {"right": 0, "total": 0}
    return ("category accuracy over matched bounds " + ("n/a" if acc is None else f"{acc:.3f}")
            + f" ({n['right']}/{n['total']})"
            + "; temporal anchor/direction accuracy over matched bounds: " + "; ".join(parts))


def scored_note(constraints: dict) -> str:
    """``"; only the categories ..."`` when ``--categories`` restricted the constraint figures."""
    cats = constraints.get("categories")
    return f"; only the constraint categories {', '.join(cats)} were scored" if cats else ""


def _fmt(x: Optional[float]) -> str:
    return "   n/a" if x is None else f"{x:6.3f}"


def _row(name: str, prf) -> str:
    return f"  {name:<16} F1 {_fmt(prf.f1)}  P {_fmt(prf.precision)}  R {_fmt(prf.recall)}  (A {prf.a}, B {prf.b}, both {prf.both})"


def agreement_lines(report, json_out: Optional[Path] = None) -> List[str]:
    """``eligex agreement``: span and relation F1 and kappa of an :class:`~pipeline.annotation.agreement.Agreement`
    (``json_out``: where the disagreements were written)."""
    out: List[str] = []
    left = report.left_out
    out.append(
        f"{report.criteria} criteria compared ({len(left['only_a'])} only in A, {len(left['only_b'])} only in B, "
        f"{len(left['text_differs'])} with different texts, skipped)"
    )
    out.append("spans (exact offsets and label):")
    out.append(_row("all", report.spans))
    out.append(_row("offsets only", report.spans_unlabelled))
    for label, prf in report.spans_per_label.items():
        out.append(_row(label, prf))
    out.append("relations (type and both spans exact):")
    out.append(_row("all", report.relations))
    for rtype, prf in report.relations_per_type.items():
        out.append(_row(rtype, prf))
    out.append(f"Cohen's kappa over {report.characters} non-blank characters: {_fmt(report.kappa_chars).strip()}")
    for label, k in report.kappa_per_label.items():
        out.append(f"  {label:<16} kappa {_fmt(k)}")
    out.append(
        f"{len(report.disagreements)} criteria with disagreements" + (f" (listed in {json_out})" if json_out else "")
    )
    return out


def rule_stats_lines(table: dict, show: int = 2) -> List[str]:
    """``eligex rules stats``: per rule, worst first, with ``show`` false-positive examples each."""
    rows = table["rules"]
    header = ["rule", "label", "fp", "tp", "prec", "span≠", "c.fp", "c.tp", "out", "source"]
    cells = [[r["rule"], r["label"] or r["kind"], str(r["fp"]), str(r["tp"]),
              "-" if r["precision"] is None else f"{r['precision']:.2f}", str(r["boundary"]), str(r["constraint_fp"]),
              str(r["constraint_tp"]), str(r["output"]), r["source"] or ""] for r in rows]
    widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(header)]
    fmt = lambda cs: "  ".join(c.ljust(w) for c, w in zip(cs, widths)).rstrip()  # noqa: E731
    lines = [f"{table['gold']['criteria']} gold criteria from {table['gold']['path']}" if "gold" in table else "",
             "per rule, most false positives first. fp/tp: entities matched to gold by overlap; span≠: spans "
             "that overlap gold but with other offsets; c.fp/c.tp: constraint bounds the rule took part in; "
             "out: entities in the output",
             fmt(header), fmt(["-" * w for w in widths])]
    for r, c in zip(rows, cells):
        lines.append(fmt(c))
        for ex in r["fp_examples"][:show]:
            lines.append(f"    e.g. {ex}")
    never = table["never_fired"]
    silent = table["matched_never_output"]
    w = max([len(r["rule"]) for r in never + silent] + [4])
    lines.append("")
    lines.append(f"{len(never)} rule(s) never fired on this gold:")
    for r in never:
        lines.append(f"  {r['rule']:<{w}}  {r['label'] or r['kind']:<18} {r['source'] or ''}")
    if silent:
        lines.append("")
        lines.append(f"{len(silent)} entity rule(s) matched but never reached the output "
                     "(lost overlap resolution or dropped as unused):")
        for r in silent:
            lines.append(f"  {r['rule']:<{w}}  {r['label'] or r['kind']:<18} matched {r['matched']}x  {r['source'] or ''}")
    return [x for x in lines if x is not None]
