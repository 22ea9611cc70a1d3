"""How a bound reads, everywhere eligex shows one (terminal table, explain, HTML report, rule stats).

Two shapes of bound reach a person: a constraint's ``lower``/``upper`` pair (``{value, inclusive}``
each), shown by :func:`format_bound` as ``[10, 35]``, ``≥ 60``, ``< 125`` or ``= 2``; and one bound of
an evaluation error line (``{subject_text, side, value, inclusive, unit}``), shown by
:func:`format_bound_view` as ``hemoglobin ≥ 60 g/L``. :func:`format_side` spells out one side.
"""

from __future__ import annotations

from typing import Optional

#: the comparator of a bound by (side, inclusive)
COMPARATORS = {("lower", True): "≥", ("lower", False): ">", ("upper", True): "≤", ("upper", False): "<"}


def comparator(side: Optional[str], inclusive: object) -> str:
    """``≥``, ``>``, ``≤`` or ``<`` for a lower or upper bound; ``?`` for an unknown side."""
    return COMPARATORS.get((side, bool(inclusive)), "?")


def format_bound(lower: Optional[dict], upper: Optional[dict]) -> str:
    """``[10, 35]``, ``≥ 60``, ``< 125``, ``= 2`` (``?`` with no bound)."""
    if lower and upper:
        if lower["value"] == upper["value"] and lower["inclusive"] and upper["inclusive"]:
            return f"= {lower['value']}"
        return f"{'[' if lower['inclusive'] else '('}{lower['value']}, {upper['value']}{']' if upper['inclusive'] else ')'}"
    if lower:
        return f"{comparator('lower', lower['inclusive'])} {lower['value']}"
    if upper:
        return f"{comparator('upper', upper['inclusive'])} {upper['value']}"
    return "?"


def format_side(bound: Optional[dict]) -> str:
    """One side of a constraint: ``3.0 (inclusive)``, or ``-`` when there is none."""
    if not bound:
        return "-"
    return f"{bound['value']} ({'inclusive' if bound['inclusive'] else 'exclusive'})"


def format_bound_view(view: Optional[dict], quote: bool = False) -> str:
    """``hemoglobin ≥ 60 g/L`` from a bound view of an error line (``–`` for none); ``quote`` shows
    the subject text as a Python literal (``'hemoglobin' ≥ 60 g/L``)."""
    if not view:
        return "–"
    value = view.get("value")
    value = f"{value:g}" if isinstance(value, (int, float)) else str(value)
    unit = f" {view['unit']}" if view.get("unit") else ""
    subject = view.get("subject_text") or view.get("subject") or "?"
    subject = repr(subject) if quote else subject
    return f"{subject} {comparator(view.get('side'), view.get('inclusive'))} {value}{unit}"
