"""The terminal view of an explanation (``eligex explain``)."""

from __future__ import annotations

from typing import List, Optional, Sequence

from pipeline.reporting.bounds import format_bound_view, format_side
from pipeline.rules.sources import NO_SOURCE


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "  ") -> List[str]:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    fmt = lambda cells: indent + "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return [fmt(header), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows]


def _short(s: Optional[str], n: int = 40) -> str:
    s = (s or "").replace("\n", "⏎")
    return s if len(s) <= n else s[: n - 1] + "…"


def token_range(t: Optional[Sequence[int]]) -> str:
    if not t:
        return "-"
    return str(t[0]) if t[1] - t[0] == 1 else f"{t[0]}-{t[1] - 1}"


def norm_category(e: dict) -> str:
    parts = [p for p in (e.get("norm"), e.get("category")) if p]
    return " / ".join(parts)


def _entity_rows(ents: Sequence[dict], extra: Optional[str] = None) -> List[List[str]]:
    rows = []
    for e in ents:
        row = [token_range(e["tokens"]), f"{e['start']}-{e['end']}", e["label"], _short(e["text"]), e["rule"] or "",
               norm_category(e), e["source"] or NO_SOURCE]
        if extra:
            row.append(e.get(extra) or "")
        rows.append(row)
    return rows


def render_text(expl: dict, width: int = 100) -> str:
    """A readable terminal view of an explanation."""
    out: List[str] = []
    head = " ".join(x for x in (expl.get("criterion_id"), f"({expl['section']})" if expl.get("section") else None) if x)
    if head:
        out.append(f"criterion {head}")
    out.append(f"text: {expl['text']}")
    for note in expl.get("notes", []):
        out.append(f"note: {note}")

    out += ["", f"tokens ({len(expl['tokens'])})"]
    line = " "
    for t in expl["tokens"]:
        cell = f" {'|' if t['sent_start'] and t['i'] else ''}{t['i']}:{t['text'].replace(chr(10), '⏎')}"
        if len(line) + len(cell) > width and line.strip():
            out.append(line)
            line = " "
        line += cell
    if line.strip():
        out.append(line)
    if any(t["sent_start"] and t["i"] for t in expl["tokens"]):
        out.append("  (| marks a sentence start)")

    header = ["tokens", "chars", "label", "text", "rule", "norm / category", "source"]
    out += ["", f"entities ({len(expl['entities'])}): which rule matched which span"]
    if expl["entities"]:
        out += _table(header, _entity_rows(expl["entities"]))
        flagged = [e for e in expl["entities"] if e["flags"] or e.get("attrs") or e.get("target")]
        for e in flagged:
            bits = [f"{k}={v}" if v is not True else k for k, v in e["flags"].items()]
            bits += [f"{k}={v}" for k, v in (e.get("attrs") or {}).items()]
            if e.get("target"):
                bits.append(f"negates the phrase {e['target']['text']!r} [{e['target']['start']}:{e['target']['end']}]")
            out.append(f"  · {e['text']!r} ({e['rule']}): {', '.join(bits)}")
    else:
        out.append("  none")
    if expl.get("dropped"):
        out += ["", f"matched but dropped from the output ({len(expl['dropped'])}): not used in a constraint"]
        out += _table(header, _entity_rows(expl["dropped"]))
    if expl.get("overridden"):
        out += ["", f"matched but lost overlap resolution ({len(expl['overridden'])})"]
        out += _table(header + ["lost to"], _entity_rows(expl["overridden"], extra="lost_to"))

    out += ["", f"ConText modifiers ({len(expl['modifiers'])})"]
    if expl["modifiers"]:
        for m in expl["modifiers"]:
            out.append(f"  {m['category']:<18} cue {m['cue']!r} [{m['start']}:{m['end']}] tokens {token_range(m['tokens'])}"
                       + (f" {m['direction']}" if m.get("direction") else "")
                       + f"  rule {m['rule']} ({m['source'] or NO_SOURCE})")
            scope = f"{m['scope_text']!r} [{m['scope'][0]}:{m['scope'][1]}]" if m["scope"] else "-"
            out.append(f"      scope: {_short(scope, width - 14)}")
            targets = ", ".join(f"{t['text']!r} [{t['start']}:{t['end']}]" for t in m["targets"]) or "none"
            out.append(f"      targets: {targets}")
    else:
        out.append("  none")

    out += ["", f"abbreviations ({len(expl['abbreviations'])})"]
    if expl["abbreviations"]:
        for a in expl["abbreviations"]:
            out.append(f"  {a['short_text']} = {a['long_text']}  [{a['short'][0]}:{a['short'][1]}] ← "
                       f"[{a['long'][0]}:{a['long'][1]}]")
    else:
        out.append("  none")

    if expl.get("relations"):
        out += ["", f"relations ({len(expl['relations'])})"]
        for r in expl["relations"]:
            out.append(f"  {r['from']!r} -{r['type']}-> {r['to']!r}")

    out += ["", f"constraints ({len(expl['constraints'])})"]
    if expl["constraints"]:
        for n, c in enumerate(expl["constraints"], start=1):
            out.append(f"  {n}. {c['subject']}  {c['bound']}" + (f" {c['unit']}" if c["unit"] else ""))
            out.append(f"     subject {c['subject_text']!r}" + (f" [{c['subject_span'][0]}:{c['subject_span'][1]}]"
                                                            if c["subject_span"] else "")
                       + f", category {c['category']}, unit text {c['unit_text']!r}")
            out.append(f"     lower {format_side(c['lower'])}, upper {format_side(c['upper'])}, scale_max {c['scale_max']}, "
                       f"condition {c['condition']}, negated {'yes' if c['negated'] else 'no'}"
                       + (f", context {', '.join(c['context'])}" if c["context"] else ""))
            if c["span_text"] is not None:
                out.append(f"     span {c['span_text']!r} [{c['span'][0]}:{c['span'][1]}]")
            out.append("     rules:")
            for r in c["rules"]:
                out.append(f"       {r['id']}  ({r['source'] or NO_SOURCE})")
    else:
        out.append("  none")

    ev = expl.get("evaluation")
    if ev is not None:
        out += ["", f"against gold ({ev.get('gold', 'gold')}): {len(ev['errors'])} difference(s)"]
        for e in ev["errors"]:
            out.append("  " + describe_error(e))
    return "\n".join(out)


def describe_error(e: dict) -> str:
    """One line for one error record of :func:`pipeline.evaluation.metrics.evaluate_records`."""
    kind = e.get("kind", "")
    rule = e.get("rule")
    rule_s = f"  rule {', '.join(rule) if isinstance(rule, list) else rule}" if rule else ""
    if kind.startswith("entity_"):
        what = "missed (in gold, not predicted)" if kind == "entity_fn" else "spurious or wrong boundary"
        return f"{kind}: {e['label']} {e['span_text']!r} [{e['span'][0]}:{e['span'][1]}] {what}{rule_s}"
    if kind.startswith("relation_"):
        return f"{kind}: {e['from']!r} -{e['type']}-> {e['to']!r}{rule_s}"
    if kind.startswith("negation_"):
        return f"{kind}: cue {e['cue']!r} → {e['target']!r}{rule_s}"
    if kind.startswith("constraint_"):
        parts = []
        if e.get("gold"):
            parts.append(f"gold {format_bound_view(e['gold'], quote=True)}")
        if e.get("pred"):
            parts.append(f"predicted {format_bound_view(e['pred'], quote=True)}")
        return f"{kind}: {'; '.join(parts)}{rule_s}"
    return f"{kind}: {e}"
