"""The text the spaCy pipeline reads for a criterion that spans wrapped lines, and the way back.

A criterion of registry text keeps its source slice as ``text``, line breaks and indentation
included (``"… higher than 1000 IU/day within 12\\n             weeks of …"``). The pipeline does
not read that: spaCy keeps every run of whitespace but a single space as a token of its own, which
would cut phrases and token patterns ("creatinine ⏎ clearance") and end a ConText scope at each
line break. :func:`pipeline_text` gives the *reflowed* text instead: every run of whitespace that
contains a line break becomes one space (other whitespace is left alone, so text without line
breaks, such as every LCT and seed criterion, is passed unchanged). :class:`OffsetMap` takes offsets
in the reflowed text back to the criterion's text, and :func:`remap_eligex` rewrites every offset
of a pipeline result (entities, ConText modifiers with scopes and targets, abbreviations,
constraint spans and subject spans) and re-slices the span texts (a constraint's ``subject_text``
and ``unit_text`` become its subject and unit entities' source text), so ``text[start:end]`` is the span text as
everywhere else. Pure functions, no spaCy.
"""

from __future__ import annotations

import copy
import re
from typing import List, Optional

#: a run of whitespace that contains a line break
_WRAP_RE = re.compile(r"[^\S\r\n\u2028\u2029\x0b\x0c\x1c-\x1e\x85]*[\r\n\u2028\u2029\x0b\x0c\x1c-\x1e\x85]\s*")
_BREAKS = frozenset("\r\n\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85")


def has_breaks(text: str) -> bool:
    return not _BREAKS.isdisjoint(text)


def pipeline_text(text: str, lead: str = "") -> str:
    """``text`` with each whitespace run containing a line break replaced by one space, after
    ``lead`` (the subject a heading names, read before the criterion: ``"Age: "`` + ``"15 to 65"``)."""
    return lead + (_WRAP_RE.sub(" ", text) if has_breaks(text) else text)


class OffsetMap:
    """Offsets in :func:`pipeline_text` ``(text, lead)`` → offsets in ``text`` (an offset inside the
    lead maps to 0, the criterion's start)."""

    def __init__(self, text: str, lead: int = 0):
        self.text = text
        self.lead = lead
        #: (reflowed offset, original offset) at the start of each replaced run and after it
        self._starts: List[int] = []
        self._shift: List[int] = []
        shift = 0
        pos = 0  # reflowed offset
        last = 0
        for m in _WRAP_RE.finditer(text):
            pos += m.start() - last
            # the single space of the run sits at reflowed ``pos``; after it the shift grows
            self._starts.append(pos + 1)
            shift += (m.end() - m.start()) - 1
            self._shift.append(shift)
            pos += 1
            last = m.end()

    def start(self, offset: int) -> int:
        """The original offset of a span starting at reflowed ``offset``."""
        offset = max(offset - self.lead, 0)
        return offset + self._shift_at(offset)

    def end(self, offset: int) -> int:
        """The original offset of a span ending (exclusive) at reflowed ``offset``."""
        offset = max(offset - self.lead, 0)
        return offset - 1 + self._shift_at(offset - 1) + 1 if offset > 0 else 0

    def _shift_at(self, offset: int) -> int:
        lo, hi = 0, len(self._starts)
        while lo < hi:  # the last run whose space lies before ``offset``
            mid = (lo + hi) // 2
            if self._starts[mid] <= offset:
                lo = mid + 1
            else:
                hi = mid
        return self._shift[lo - 1] if lo else 0

    def span(self, span: Optional[List[int]]) -> Optional[List[int]]:
        if not span:
            return span
        return [self.start(span[0]), self.end(span[1])]


def _span_pairs(d: dict, omap: OffsetMap, text: str, start_key: str, end_key: str, text_key: Optional[str]):
    if start_key in d and end_key in d:
        d[start_key], d[end_key] = omap.start(d[start_key]), omap.end(d[end_key])
        if text_key and text_key in d:
            d[text_key] = text[d[start_key]:d[end_key]]


#: ``subject_from`` of a constraint whose subject is the heading read before the criterion
FROM_HEADING = "heading"


def _drop_lead(eligex: dict, lead: int, lead_rule: Optional[str]) -> None:
    """Take out what lies wholly in the lead (which is not in the criterion's text): its entities
    (with their relations), ConText modifiers and abbreviations. A constraint whose subject was
    there keeps ``subject_text`` (the heading's word), loses its span and id, and says
    ``subject_from: heading`` and the heading rule's id."""
    ents = eligex.get("entities", [])
    gone = {e["id"] for e in ents if e["end"] <= lead and e.get("id") is not None}
    eligex["entities"] = [e for e in ents if e["end"] > lead]
    mods = eligex.get("context", [])
    kept = [i for i, m in enumerate(mods) if m["end"] > lead]
    if len(kept) < len(mods):
        new_index = {old: new for new, old in enumerate(kept)}
        eligex["context"] = [mods[i] for i in kept]
        for e in eligex["entities"]:
            if e.get("context_ids"):
                e["context_ids"] = [new_index[i] for i in e["context_ids"] if i in new_index]
    eligex["abbreviations"] = [a for a in eligex.get("abbreviations", [])
                               if all(not a.get(k) or a[k][1] > lead for k in ("long", "short"))]
    eligex["relations"] = [r for r in eligex.get("relations", []) if r.get("from") not in gone and r.get("to") not in gone]
    for con in eligex.get("constraints", []):
        if con.get("subject_id") in gone:
            con["subject_id"], con["subject_span"], con["subject_from"] = None, None, FROM_HEADING
            if lead_rule:
                con["rules"] = list(con.get("rules") or ()) + [lead_rule]


def plain_copy(value, memo: Optional[dict] = None):
    """``copy.deepcopy(value)`` for plain data (dicts and lists of strings, numbers, booleans and
    ``None``, as pipeline results are), several times faster: a dict or list met twice is copied
    once and shared as in ``value``, atoms are kept, and anything else goes to ``copy.deepcopy``
    (with the same memo)."""
    if memo is None:
        memo = {}
    kind = type(value)
    if kind is dict or kind is list:
        done = memo.get(id(value))
        if done is not None:
            return done
        if kind is dict:
            out = memo[id(value)] = {}
            for key, item in value.items():
                out[key] = item if type(item) in _ATOMS else plain_copy(item, memo)
        else:
            out = memo[id(value)] = []
            out.extend(item if type(item) in _ATOMS else plain_copy(item, memo) for item in value)
        return out
    if kind in _ATOMS:
        return value
    return copy.deepcopy(value, memo)


#: the types :func:`plain_copy` keeps as they are (immutable, as ``copy.deepcopy`` keeps them)
_ATOMS = frozenset({str, int, float, bool, type(None)})


def remap_eligex(eligex: dict, text: str, lead: int = 0, lead_rule: Optional[str] = None) -> dict:
    """A copy of a pipeline result on ``pipeline_text(text, lead)`` (``lead`` its length) with its
    offsets moved to ``text``; ``eligex`` itself when ``text`` has no line break and no lead."""
    if not eligex or (not lead and not has_breaks(text)):
        return eligex
    eligex = plain_copy(eligex)
    if lead:
        _drop_lead(eligex, lead, lead_rule)
    omap = OffsetMap(text, lead)
    #: an entity's text and span as the pipeline saw them (the constraints name theirs by text)
    seen = [(ent.get("text"), ent.get("start"), ent.get("end"), ent) for ent in eligex.get("entities", [])]
    for ent in eligex.get("entities", []):
        _span_pairs(ent, omap, text, "start", "end", "text")
        if ent.get("target"):  # a NEGATION cue's negated phrase
            ent["target"] = omap.span(ent["target"])
            if "target_text" in ent:
                ent["target_text"] = text[ent["target"][0]:ent["target"][1]]
    for mod in eligex.get("context", []):
        _span_pairs(mod, omap, text, "start", "end", "cue")
        if mod.get("scope"):
            mod["scope"] = omap.span(mod["scope"])
        if mod.get("targets"):
            mod["targets"] = [omap.span(t) for t in mod["targets"]]
    for ab in eligex.get("abbreviations", []):
        for key in ("long", "short"):
            if ab.get(key):
                ab[key] = omap.span(ab[key])
                if f"{key}_text" in ab:
                    ab[f"{key}_text"] = text[ab[key][0]:ab[key][1]]
    by_id = {ent["id"]: ent for ent in eligex.get("entities", []) if "id" in ent}
    for con in eligex.get("constraints", []):
        span = con.get("span")
        for key in ("span", "subject_span"):
            if con.get(key):
                con[key] = omap.span(con[key])
        subject = by_id.get(con.get("subject_id"))
        if subject is not None and con.get("subject_text") is not None:
            con["subject_text"] = subject["text"]
        if con.get("unit_text") and span:  # the unit entity inside the constraint's span
            unit = next((ent for old, start, end, ent in seen if ent.get("label") == "UNIT" and old == con["unit_text"]
                         and start is not None and span[0] <= start and end <= span[1]), None)
            if unit is not None:
                con["unit_text"] = unit["text"]
    return eligex
