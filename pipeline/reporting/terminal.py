"""Readable terminal renderings of extraction results."""

from __future__ import annotations

from typing import Iterable, List, Optional


def format_bound(lower: Optional[dict], upper: Optional[dict]) -> str:
    """``[10, 35]``, ``≥ 60``, ``< 125``, ``= 2``."""
    if lower and upper:
        if lower["value"] == upper["value"] and lower["inclusive"] and upper["inclusive"]:
            return f"= {lower['value']}"
        return f"{'[' if lower['inclusive'] else '('}{lower['value']}, {upper['value']}{']' if upper['inclusive'] else ')'}"
    if lower:
        return f"{'≥' if lower['inclusive'] else '>'} {lower['value']}"
    if upper:
        return f"{'≤' if upper['inclusive'] else '<'} {upper['value']}"
    return "?"


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
