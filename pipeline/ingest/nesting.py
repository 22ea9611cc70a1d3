"""Which criterion a criterion is a sub-item of (``parent``).

A criterion that ends with ``:`` ("Patients with DM who … meet the following conditions:") opens
a list: the criteria after it whose enumerator style or indentation differs from its own are its
sub-items, until one comes back to the opener's own style (``2. diagnosed with …:`` ``* SLE``
``* SS`` ``3. …``) or continues the opener's numbering. A sub-item may itself open a list.
Pure functions over :class:`Item` views, no spaCy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

_NUM = re.compile(r"^\(?(\d{1,3})")
_ALPHA = re.compile(r"^\(?([a-zA-Z])\W")
_CIRCLED = re.compile(r"^[\u2460-\u2473]")


def marker_style(marker: str) -> str:
    """A coarse style of an enumerator: ``num`` (1. 1) 1\\. 2,), ``(num)``, ``circled``, ``alpha``,
    ``ALPHA``, the bullet character itself, or ``text`` for none."""
    if not marker:
        return "text"
    if marker.startswith("(") and _NUM.match(marker):
        return "(num)"
    if _NUM.match(marker):
        return "num"
    if _CIRCLED.match(marker):
        return "circled"
    m = _ALPHA.match(marker + " ")
    if m:
        return "alpha" if m.group(1).islower() else "ALPHA"
    return marker[:1]


def marker_value(marker: str) -> Optional[int]:
    """The ordinal of an enumerator (``3.`` → 3, ``c)`` → 3, ``③`` → 3), ``None`` for bullets."""
    m = _NUM.match(marker)
    if m:
        return int(m.group(1))
    if _CIRCLED.match(marker):
        return ord(marker[0]) - 0x2460 + 1
    m = _ALPHA.match(marker + " ")
    if m:
        return ord(m.group(1).lower()) - ord("a") + 1
    return None


@dataclass
class Item:
    """What nesting needs of a criterion: its id, enumerator, indentation and whether it opens a list."""

    criterion_id: str
    marker: str
    indent: int
    opens: bool
    parent: Optional[str] = None


@dataclass
class _Open:
    item: Item
    key: Tuple[str, int]
    value: Optional[int]
    child_key: Optional[Tuple[str, int]] = None
    last_child: Optional[int] = field(default=None)


def assign_parents(items: List[Item]) -> None:
    """Set ``parent`` on each item of one run of criteria (one section under one heading)."""
    stack: List[_Open] = []
    for item in items:
        key = (marker_style(item.marker), item.indent)
        value = marker_value(item.marker)
        while stack:
            top = stack[-1]
            if top.child_key is None:
                if key != top.key:
                    top.child_key = key
                    break
            elif key == top.child_key and not (
                    value is not None and top.value is not None and value == top.value + 1
                    and top.last_child is not None and value != top.last_child + 1):
                break
            stack.pop()
        if stack:
            item.parent = stack[-1].item.criterion_id
            stack[-1].last_child = value
        if item.opens:
            stack.append(_Open(item, key, value))
