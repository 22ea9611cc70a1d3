"""Enumerations inside one criterion: ``1. Celiac disease. 2. Crohn's disease.``,
``(a) … (b) …``, ``① … ② …`` written on one line (or one wrapped paragraph).

:func:`inline_items` finds a run of enumerators of one style whose values follow each other
(1, 2, 3 / a, b, c / ①, ②, ③) and each of which stands where an item can start: at the start of
the text or after ``.`` ``;`` ``:`` ``,`` (or after a space for parenthesised ones). A run starts at
the first value (1, a, ①) with at least two items, or anywhere with at least three. Numbers are
never enumerators when a digit follows (``2. 5 mg``, ``1.5``, dates ``12.3.2020``), nor when they
continue a word or a number (``v2.``, ``1.2.``). A circled number may follow a plain space
("①Age 18-65 ②BMI < 30"); references such as ``criteria ②-④`` or ``meet ① and`` are no
enumerators. Pure functions, no spaCy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

_CIRCLED = "\u2460\u2461\u2462\u2463\u2464\u2465\u2466\u2467\u2468\u2469\u246a\u246b\u246c\u246d\u246e\u246f" \
           "\u2470\u2471\u2472\u2473"
_DINGBAT = "\u2776\u2777\u2778\u2779\u277a\u277b\u277c\u277d\u277e\u277f"

#: (style, regex); group ``v`` is the value. Each regex matches the enumerator and the space after it.
_STYLES: List[Tuple[str, "re.Pattern[str]"]] = [
    ("circled", re.compile(rf"(?P<v>[{_CIRCLED}])\s*(?=[^\W_])(?!(?:and|or|to)\b)")),
    ("dingbat", re.compile(rf"(?P<v>[{_DINGBAT}])\s*(?=[^\W_])(?!(?:and|or|to)\b)")),
    ("num.", re.compile(r"(?<![\w.,/\\-])(?P<v>\d{1,2})\.\s+(?=[^\W\d_])")),
    ("num)", re.compile(r"(?<![\w.,/\\(-])(?P<v>\d{1,2})\)\s+(?=[^\W\d_])")),
    ("(num)", re.compile(r"\((?P<v>\d{1,2})\)\s*(?=[^\W\d_])")),
    ("alpha.", re.compile(r"(?<![\w.,/\\-])(?P<v>[a-z])\.\s+(?=[^\W\d_])")),
    ("alpha)", re.compile(r"(?<![\w.,/\\(-])(?P<v>[a-z])\)\s+(?=[^\W\d_])")),
    ("(alpha)", re.compile(r"\((?P<v>[a-z])\)\s*(?=[^\W\d_])")),
    ("alpha.)", re.compile(r"(?<![\w.,/\\(-])(?P<v>[a-z])\.\)\s*(?=\S)")),
    ("roman.", re.compile(r"(?<![\w.,/\\-])(?P<v>i{1,3}|iv|vi{0,3}|ix|x)\.\s+(?=[^\W\d_])")),
]
_ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"]
#: styles that may follow a plain space (distinctive enough: "(a)", "a.)", "ii.", "①")
_MARKED = {"(num)", "(alpha)", "alpha.)", "roman.", "circled", "dingbat"}
_ITEM_START_PUNCT = ".;:,。；：，"
#: the last item of a list may follow a coordinator ("…, 3) Neurocognitive Disease, and/or 4) Sleep Apnea")
_LAST_ITEM_WORD = re.compile(r"[,;]\s*(?:and/or|and|or)$|\b(?:and/or|and|or)$")


@dataclass
class InlineItem:
    start: int  # where the item's text starts (after the enumerator)
    end: int  # after its last non-space character
    marker: str


def _value(style: str, v: str) -> int:
    if style == "circled":
        return _CIRCLED.index(v) + 1
    if style == "dingbat":
        return _DINGBAT.index(v) + 1
    if style.startswith(("num", "(num")):
        return int(v)
    if style == "roman.":
        return _ROMAN.index(v) + 1
    return ord(v) - ord("a") + 1


def _at_item_start(text: str, pos: int, style: str) -> bool:
    before = text[:pos].rstrip()
    if not before:
        return True
    if before[-1] in _ITEM_START_PUNCT or _LAST_ITEM_WORD.search(before):
        return True
    return style in _MARKED and pos > 0 and text[pos - 1].isspace()


def _best_run(cands: List[Tuple[int, int, int, str]], after: Optional[int] = None
              ) -> List[Tuple[int, int, int, str]]:
    """The longest chain of consecutive values (in text order) among one style's candidates;
    ``after``: the value of the enumerator the text itself follows (``1.`` before "Age. 2. ECOG")."""
    best: List[Tuple[int, int, int, str]] = []
    for i, first in enumerate(cands):
        chain = [first]
        for c in cands[i + 1:]:
            if c[2] == chain[-1][2] + 1:
                chain.append(c)
        continues = after is not None and chain[0][2] == after + 1
        if continues or (len(chain) >= 2 and chain[0][2] == 1) or len(chain) >= 3:
            if len(chain) > len(best) or (len(chain) == len(best) and chain[0][0] < best[0][0]):
                best = chain
    return best


def _marker_style(marker: str) -> Tuple[Optional[str], Optional[int]]:
    """The inline style and value of a line's own enumerator (``2.`` → ``("num.", 2)``)."""
    for style, rx in _STYLES:
        m = rx.match(marker + " a")
        if m and m.end() == len(marker) + 1:
            return style, _value(style, m.group("v"))
    return None, None


@dataclass
class InlineSplit:
    """``head``: ``(start, end)`` of the text before the enumeration (``None`` when it starts the
    text); ``items``: the enumeration's items; ``continues``: the items continue the enumerator
    the text follows (they are the head's siblings, not its sub-items)."""

    head: Optional[Tuple[int, int]]
    items: List[InlineItem]
    continues: bool = False


def inline_items(text: str, marker: str = "") -> InlineSplit:
    """Split ``text`` at an inline enumeration (offsets into ``text``; no items when there is
    none). ``marker``: the enumerator before ``text``, which an inline enumeration of its style may
    continue (``1. Age ≥ 18. 2. ECOG 0-1``)."""
    own_style, own_value = _marker_style(marker)
    runs: Dict[str, List[Tuple[int, int, int, str]]] = {}
    for style, rx in _STYLES:
        cands = [(m.start(), m.end(), _value(style, m.group("v")), m.group().strip())
                 for m in rx.finditer(text) if _at_item_start(text, m.start(), style)]
        run = _best_run(cands, own_value if style == own_style else None)
        if run:
            runs[style] = run
    if not runs:
        return InlineSplit(None, [])
    style, run = min(runs.items(), key=lambda kv: (kv[1][0][0], -len(kv[1])))
    items: List[InlineItem] = []
    for k, (start, text_start, _, marker) in enumerate(run):
        stop = run[k + 1][0] if k + 1 < len(run) else len(text)
        end = len(text[:stop].rstrip())
        if end > text_start:
            items.append(InlineItem(text_start, end, marker))
    head_end = len(text[:run[0][0]].rstrip())
    head = (0, head_end) if head_end > 0 else None
    continues = style == own_style and own_value is not None and run[0][2] == own_value + 1
    if len(items) < (1 if continues else 2):
        return InlineSplit(None, [])
    return InlineSplit(head, items, continues and head is not None)
