"""Assemble entities into constraints: subject + comparator + value(s) + unit → bounds.

The algorithm is a set of pure functions over plain entity records (see :func:`assemble`):

1. **quantities** — comparator/value/unit runs: ``≥60 g/L``, ``10-35``, ``between 5 and 10``,
   ``in the range of 10-35 (including the boundary value)``, ``18 years or older``, ``125/150``
   (a scale fraction), ``0~1``; a unit after the second value of a range is carried over to the first;
2. **subjects** — the nearest MEASUREMENT/SCORE before the quantity in the same sentence (skipping
   parentheticals such as "(based on MDAAT)"), else the one right after it ("≥18 years old");
   coordinated subjects ("AST and ALT ≤3.0 ULN", "AST, ALT") share the quantity; a long form and
   its parenthesised short form are one subject;
3. **bounds** — from the comparator, merged per subject ("≥5 years and <17 years old");
4. **scope** — conditions the criterion scopes its thresholds to ("for SLE patients");
5. **output** — constraints, relations and the final entity list with ids.

Cue words are data in ``configs/constraints.json``; canonical units come from
:class:`pipeline.components.units.UnitNormalizer`.
"""


import re
from bisect import bisect_left, bisect_right, insort
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import regex
import srsly
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.components import docview

from pipeline.core import extensions
from pipeline.core.numbers import number_out, parse_number
from pipeline.rules.loading import load_json_config
from pipeline.components.units import UnitNormalizer

SUBJECT_LABELS = ("MEASUREMENT", "SCORE")
BOUND_OPS = {">=", ">", "<=", "<", "="}
RANGE_OPS = {"range", "between"}
#: tokens that may stand between parts of one quantity ("≥ of 5", "0 \\~ 1", "(including ...)")
QUANTITY_FILLERS = {"of", "the", ":", "\\", "(", ")", "a", "is", "was", "be", "are", "level", "value", "values", "than"}
SUBJECT_GAP_FILLERS = {"score", "scores", "was", "is", "are", "were", "be", "must", "should", "of",
                       ":", "level", "levels", "value", "values", "count", "at", "the", "a", "an",
                       "index", "(", ")", ",", "baseline", "screening", "test", "result", "results",
                       "class", "status", "grade", "has", "have", "having", "with", "measured", "by"}
AGE_UNITS = {"a", "mo", "wk", "d", "h"}
#: words joining two quantities of one subject: "≥5 years and <17 years" (one range) and
#: "< 18 or > 60" (two constraints)
CHAIN_AND = (("and",), (",",), ("but",), (",", "and"), ("and", "/", "or"), ("and/or",))
CHAIN_OR = (("or",), (",", "or"))
CHAIN_MAX_WORDS = max(len(link) for link in CHAIN_AND + CHAIN_OR)
AGE_CUE_RULE = "meas.age.implicit"
#: subjects that are never bounded in weeks, days or hours (those are time windows)
TIMELESS_CATEGORIES = {"lab", "vital", "score"}
IMPLICIT_AGE_RULE = "implicit.age"
RIGHT_SUBJECT_MAX_GAP = 6
LEFT_SUBJECT_MAX_GAP = 8


@dataclass
class AssemblyConfig:
    coordinators: List[str]
    condition_scope: List[str]
    scale_length: Optional[str]
    value_words: Dict[str, float]
    value_followers: List[str]
    implicit_age_blockers: List[str] = field(default_factory=list)
    negation_non_clinical: List[str] = field(default_factory=list)
    time_units_for_age_only: List[str] = field(default_factory=list)
    implicit_age_cues: List[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict) -> "AssemblyConfig":
        return cls(
            coordinators=list(data.get("coordinators", ["and", "or", ","])),
            condition_scope=list(data.get("condition_scope", [])),
            scale_length=data.get("scale_length"),
            value_words={k.lower(): float(v) for k, v in data.get("value_words", {}).items()},
            value_followers=list(data.get("value_followers", [])),
            implicit_age_blockers=list(data.get("implicit_age_blockers", [])),
            negation_non_clinical=list(data.get("negation_non_clinical_targets", [])),
            time_units_for_age_only=list(data.get("time_units_for_age_only", [])),
            implicit_age_cues=list(data.get("implicit_age_cues", [])),
        )

    @cached_property
    def non_clinical(self) -> frozenset:
        """``negation_non_clinical`` as a set (made once)."""
        return frozenset(self.negation_non_clinical)

    def to_dict(self) -> dict:
        return {"coordinators": self.coordinators, "condition_scope": self.condition_scope,
                "scale_length": self.scale_length, "value_words": self.value_words,
                "value_followers": self.value_followers,
                "implicit_age_blockers": self.implicit_age_blockers,
                "negation_non_clinical_targets": self.negation_non_clinical,
                "time_units_for_age_only": self.time_units_for_age_only,
                "implicit_age_cues": self.implicit_age_cues}


@dataclass
class Quantity:
    values: List[int]
    comparators: List[int] = field(default_factory=list)
    units: Dict[int, int] = field(default_factory=dict)  # value index → unit index
    op: str = "="
    inclusive: Optional[bool] = None
    scale_max: Optional[float] = None
    scale_unit: Optional[int] = None
    bare: bool = False
    disjoint: bool = False  # joined to the previous quantity by "or"
    invalid: bool = False  # read but not a bound (e.g. "140/90")
    subject: Optional[int] = None  # a subject written inside the quantity ("between the ages of 18 and 65")
    start: int = 0  # token offsets
    end: int = 0

    def members(self) -> List[int]:
        out = list(self.values) + list(self.comparators) + list(self.units.values())
        if self.scale_unit is not None:
            out.append(self.scale_unit)
        return sorted(set(out))


class _built_once:
    """A property computed on first use and kept (``functools.cached_property`` without its lock:
    an index belongs to one call)."""

    def __init__(self, method):
        self.method = method
        self.name = method.__name__
        self.__doc__ = method.__doc__

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.method(obj)
        return value


class EntityIndex:
    """The positional questions assembly asks of one criterion, answered without a pass over
    every entity or token (a long criterion with many numbers stays linear): which subjects end
    before or start after a token, which words stand between two tokens (up to a limit), whether
    a quantity claims any of them, which parenthesis is open at a token.

    ``ents`` must be sorted by position (as every component leaves them); subjects added later
    (implicit ages, :meth:`add`) are indexed for the leftward questions, the only ones that can
    reach them (quantities are assembled left to right, and an implicit age is the unit of the
    quantity being assembled). ``work`` counts the candidates and words examined, per step, so
    tests can check that the work grows linearly with the input."""

    def __init__(self, words: Sequence[str], sent_of: Sequence[int], ents: List[dict],
                 coordinators: Iterable[str] = (), work: Optional[Counter] = None):
        self.words = words
        self.sent_of = sent_of
        self.ents = ents
        self.coordinators = frozenset(coordinators)
        self.work = work if work is not None else Counter()
        self.n_original = len(ents)
        self._claimed: set = set()
        starts = [e["start"] for e in ents]
        if starts != sorted(starts):
            k = next(k for k in range(1, len(starts)) if starts[k] < starts[k - 1])
            raise ValueError(f"entities must be sorted by position: {ents[k]['text']!r} at character "
                             f"{starts[k]} follows {ents[k - 1]['text']!r} at character {starts[k - 1]}")

    def add(self, ent: dict) -> int:
        """Append a subject found later (an implicit age); returns its index."""
        i = len(self.ents)
        self.ents.append(ent)
        built = self.__dict__
        if "_by_end" in built:
            insort(self._by_end, (-ent["token_end"], -ent["token_start"], i))
        if "_subject_ends" in built:
            self._subject_ends.add(ent["token_end"])
        if "_age_at" in built and ent.get("norm") == "age":
            self._age_at.setdefault(ent["start"], i)
        return i

    # ---- words between tokens
    def between(self, a: int, b: int, limit: int, lower: bool = True) -> Optional[List[str]]:
        """The words (not whitespace; lower-cased unless ``lower`` is false) of tokens
        ``a..b-1``, or ``None`` when there are more than ``limit``."""
        out: List[str] = []
        words = self.words
        for k in range(a, min(b, len(words))):
            w = words[k]
            if w.isspace():
                continue
            if len(out) == limit:
                self.work["words"] += len(out) + 1
                return None
            out.append(w.lower() if lower else w)
        self.work["words"] += len(out)
        return out

    def joins(self, a: int, b: int, same: bool = False) -> Optional[str]:
        """What the words of tokens ``a..b-1`` make of the subjects they separate: ``"short"``
        for a long form and its "(short form)" (or, when ``same``, the same subject written
        again around parentheses), ``"list"`` for coordinated subjects ("AST, ALT"), else None."""
        words, coordinators = self.words, self.coordinators
        n = 0
        first = None
        all_parens = True
        any_coordinator = False
        for k in range(a, min(b, len(words))):
            w = words[k]
            if w.isspace():
                continue
            w = w.lower()
            n += 1
            self.work["words"] += 1
            paren = w == "(" or w == ")"
            coordinator = w in coordinators
            if not (paren or coordinator):
                return None  # neither a short form nor a list
            first = first or w
            all_parens = all_parens and paren
            any_coordinator = any_coordinator or coordinator
        if n == 1 and first == "(":
            return "short"
        if same and all_parens:
            return "short"
        if n and any_coordinator:
            return "list"
        return None

    def claim(self, tokens: set) -> None:
        """The tokens quantities claim (no subject is looked for across them)."""
        self._claimed = tokens

    def claimed(self, a: int, b: int) -> bool:
        """Whether a quantity claims any of tokens ``a..b-1`` (asked of short gaps only)."""
        self.work["words"] += max(0, b - a)
        claimed = self._claimed
        return any(t in claimed for t in range(a, b))

    # ---- parentheses
    @_built_once
    def _parens(self) -> Tuple[List[int], List[int]]:
        """The "(" and ")" tokens, and the innermost "(" still open after each (-1 if none)."""
        positions = [k for k, w in enumerate(self.words) if w == "(" or w == ")"]
        open_after: List[int] = []
        stack: List[int] = []
        for k in positions:
            if self.words[k] == "(":
                stack.append(k)
            elif stack:
                stack.pop()
            open_after.append(stack[-1] if stack else -1)
        return positions, open_after

    def open_paren_before(self, token: int) -> int:
        """The innermost "(" still open before ``token`` (-1 if none)."""
        positions, open_after = self._parens
        k = bisect_left(positions, token) - 1
        return open_after[k] if k >= 0 else -1

    def close_paren_in(self, a: int, b: int) -> Optional[int]:
        """The first ")" among tokens ``a..b-1``."""
        positions, _ = self._parens
        k = bisect_left(positions, a)
        while k < len(positions) and positions[k] < b:
            if self.words[positions[k]] == ")":
                return positions[k]
            k += 1
        return None

    # ---- subjects (each table built on first use)
    @_built_once
    def _by_end(self) -> List[Tuple[int, int, int]]:
        """All subjects (added ones too) as ``(-token_end, -token_start, index)``: nearest end first."""
        return sorted([(-e["token_end"], -e["token_start"], i) for i, e in enumerate(self.ents)
                       if e["label"] in SUBJECT_LABELS])

    @_built_once
    def _subject_ends(self) -> set:
        return {e["token_end"] for e in self.ents if e["label"] in SUBJECT_LABELS}

    @_built_once
    def _right(self) -> Tuple[List[int], List[int]]:
        """Original subjects, left to right: their first tokens and their indices."""
        indices = [i for i, e in enumerate(self.ents[:self.n_original]) if e["label"] in SUBJECT_LABELS]
        return [self.ents[i]["token_start"] for i in indices], indices

    @_built_once
    def _scores(self) -> Tuple[List[int], List[int], List[int]]:
        """SCORE entities, left to right: their first tokens, first characters and indices."""
        indices = [i for i, e in enumerate(self.ents[:self.n_original]) if e["label"] == "SCORE"]
        return ([self.ents[i]["token_start"] for i in indices], [self.ents[i]["start"] for i in indices],
                indices)

    @_built_once
    def _previous(self) -> List[int]:
        """The last subject or CONDITION at or before each original entity (-1 if none)."""
        out: List[int] = []
        last = -1
        for i, e in enumerate(self.ents[:self.n_original]):
            if e["label"] in SUBJECT_LABELS or e["label"] == "CONDITION":
                last = i
            out.append(last)
        return out

    @_built_once
    def _age_at(self) -> Dict[int, int]:
        """Character start → the first entity there whose norm is "age"."""
        out: Dict[int, int] = {}
        for i, e in enumerate(self.ents):
            if e.get("norm") == "age":
                out.setdefault(e["start"], i)
        return out

    def subjects_ending_by(self, token: int) -> Iterator[int]:
        """Subjects (added ones too) ending at or before ``token``, nearest first."""
        by_end = self._by_end
        for k in range(bisect_left(by_end, (-token,)), len(by_end)):
            self.work["subjects"] += 1
            yield by_end[k][2]

    def subjects_starting_from(self, token: int) -> Iterator[int]:
        """Original subjects starting at or after ``token``, left to right."""
        starts, indices = self._right
        for k in range(bisect_left(starts, token), len(indices)):
            self.work["subjects"] += 1
            yield indices[k]

    def first_subject_from(self, token: int) -> Optional[int]:
        return next(self.subjects_starting_from(token), None)

    def scores_starting_in(self, lo: int, hi: int) -> Iterator[int]:
        """SCORE entities whose first token is in ``lo..hi`` (both included), left to right."""
        starts, _, indices = self._scores
        for k in range(bisect_left(starts, lo), len(starts)):
            if starts[k] > hi:
                return
            self.work["subjects"] += 1
            yield indices[k]

    def scores_at_chars(self, lo: int, hi: int) -> Iterator[int]:
        """SCORE entities whose first character is in ``lo..hi-1``, left to right."""
        _, starts, indices = self._scores
        for k in range(bisect_left(starts, lo), len(starts)):
            if starts[k] >= hi:
                return
            self.work["subjects"] += 1
            yield indices[k]

    def has_subject_ending_at(self, token: int) -> bool:
        return token in self._subject_ends

    def previous_subject_or_condition(self, i: int) -> int:
        """The last original subject or CONDITION at or before entity ``i`` (-1 if none)."""
        return self._previous[i] if i >= 0 else -1

    def age_cue_end(self, end: int) -> int:
        """Extend an age span over an age word right after it ("... 45 years-old")."""
        age_at = self._age_at
        found = [i for i in (age_at.get(end), age_at.get(end + 1)) if i is not None]
        return self.ents[min(found)]["end"] if found else end

    @_built_once
    def _spans(self) -> Dict[Tuple[str, int, int], List[int]]:
        out: Dict[Tuple[str, int, int], List[int]] = {}
        for i, e in enumerate(self.ents):
            out.setdefault((e["label"], e["start"], e["end"]), []).append(i)
        return out

    def with_span(self, label: str, start: int, end: int) -> List[int]:
        """Entities with this label and exactly these character offsets."""
        return self._spans.get((label, start, end), [])


# ----------------------------------------------------------------------------------------------
# step 1: quantities
# ----------------------------------------------------------------------------------------------

def _gap_ok(words: Sequence[str], a_end: int, b_start: int, allowed: set, max_gap: int = 3) -> bool:
    if b_start < a_end:
        return False
    gap = [w.lower() for w in words[a_end:b_start] if not w.isspace()]
    return len(gap) <= max_gap and all(w in allowed for w in gap)


def _op(ent: dict) -> Optional[str]:
    return (ent.get("attrs") or {}).get("op")


def find_quantities(words: Sequence[str], ents: Sequence[dict], sent_of: Sequence[int],
                    scale_values: set) -> List[Quantity]:
    """Comparator/value/unit runs among ``ents`` (sorted entity records)."""
    n = len(ents)
    used: set = set()
    quantities: List[Quantity] = []

    def nxt(i: int, label: str, allowed=QUANTITY_FILLERS, max_gap: int = 3) -> Optional[int]:
        j = i + 1
        if j < n and ents[j]["label"] == label and j not in used and j not in scale_values \
                and sent_of[ents[j]["token_start"]] == sent_of[ents[i]["token_start"]] \
                and _gap_ok(words, ents[i]["token_end"], ents[j]["token_start"], allowed, max_gap):
            return j
        return None

    def take_unit(q: Quantity, vi: int) -> int:
        """Attach a unit (or scale fraction) right after value ``vi``; return the last index used."""
        u = nxt(vi, "UNIT", {"×", "x", "*", "-", ")"}, 1)  # "(16-24) weeks"
        if u is None:
            return vi
        attrs = ents[u].get("attrs") or {}
        if attrs.get("scale"):
            scale = parse_number(ents[u]["text"].lstrip("/ "))
            q.scale_max = number_out(scale) if scale is not None else None
            q.scale_unit = u
            value = parse_number(ents[vi]["text"])
            if q.scale_max is None or value is None or q.scale_max < value:
                q.invalid = True  # "140/90": two values (blood pressure), not a score out of 90
        else:
            q.units[vi] = u
        used.add(u)
        return u

    def take_range_tail(q: Quantity, last: int) -> int:
        """``- 35``, ``to 35``, ``and 35`` (after between) → second value; returns last index."""
        c = nxt(last, "COMPARATOR", QUANTITY_FILLERS, 2)
        if c is not None and _op(ents[c]) == "range":
            v2 = nxt(c, "VALUE")
            if v2 is not None:
                q.comparators.append(c)
                q.values.append(v2)
                used.update({c, v2})
                q.op = "range"
                return take_unit(q, v2)
        if q.op == "between":
            v2 = nxt(last, "VALUE", {"and", "to", "-", "&"}, 1)
            if v2 is not None:
                q.values.append(v2)
                used.add(v2)
                return take_unit(q, v2)
        return last

    def take_list(q: Quantity, last: int) -> int:
        """``0, 1 or 2`` / ``0.5 or 1``: a list of allowed values → their range."""
        while True:
            v = nxt(last, "VALUE", {",", "or", "and", "and/or"}, 2)
            if v is None or not (set(_between_tokens(words, ents[last]["token_end"], ents[v]["token_start"]))
                                 & {",", "or", "and", "and/or"}):
                break
            q.values.append(v)
            used.add(v)
            last = take_unit(q, v)
            q.op = "list"
        return last

    def take_postfix(q: Quantity, last: int) -> int:
        start = last
        # "18 years old or older": step over the age cue to reach the comparator
        if last + 1 < n and ents[last + 1]["rule"].startswith(AGE_CUE_RULE) and \
                ents[last + 1]["token_start"] - ents[last]["token_end"] <= 1:
            start = last + 1
        c = nxt(start, "COMPARATOR", QUANTITY_FILLERS | {"(", ")"}, 2)
        if c is None:
            return last
        op = _op(ents[c])
        if op in ("inclusive", "exclusive"):
            q.inclusive = op == "inclusive"
            q.comparators.append(c)
            used.add(c)
            return c
        if (ents[c].get("attrs") or {}).get("postfix") and (q.bare or q.op == "="):
            # "18 years or older"; "= 5 or higher"
            q.op = op
            q.bare = False
            q.comparators.append(c)
            used.add(c)
            if not q.units:  # "18+ years": the unit after the postfix sign
                u = nxt(c, "UNIT", set(), 0)
                if u is not None and not (ents[u].get("attrs") or {}).get("scale"):
                    q.units[q.values[-1]] = u
                    used.add(u)
                    return u
            return c
        return last

    i = 0
    while i < n:
        ent = ents[i]
        if i in used or i in scale_values:
            i += 1
            continue
        op = _op(ent) if ent["label"] == "COMPARATOR" else None
        if op in BOUND_OPS or op in RANGE_OPS:
            v = nxt(i, "VALUE")
            inner = None
            if v is None and i + 1 < n and ents[i + 1]["label"] in SUBJECT_LABELS \
                    and _gap_ok(words, ent["token_end"], ents[i + 1]["token_start"], {"the"}, 1):
                inner = i + 1  # "between the ages of 18 and 65", "Minimum age: 18 years"
                v = nxt(inner, "VALUE", QUANTITY_FILLERS | {"=", "is"}, 2)
            if v is None:
                i += 1
                continue
            q = Quantity(values=[v], comparators=[i], op=op, subject=inner)
            used.update({i, v})
            last = take_unit(q, v)
            last = take_range_tail(q, last)
            if q.op == "between" and len(q.values) == 2:
                q.op = "range"
            last = take_postfix(q, last)
        elif ent["label"] == "VALUE":
            q = Quantity(values=[i], bare=True)
            used.add(i)
            last = take_unit(q, i)
            tail = take_range_tail(q, last)
            if tail != last:
                q.bare = False
                last = tail
            elif last == i:
                last = take_list(q, last)
            last = take_postfix(q, last)
        else:
            i += 1
            continue
        members = q.members()
        q.start = min(ents[m]["token_start"] for m in members)
        q.end = max(ents[m]["token_end"] for m in members)
        j = ents[q.values[-1]]["token_end"]
        if q.scale_unit is None and j + 1 < len(words) and words[j] == "/" and words[j + 1][:1].isdigit():
            q.invalid = True  # "BP >140/90 mmHg", "HDL-C <50/40 mg/dl": two numbers, not one bound
        if q.op == "between":  # "between 5" with no second value: not a bound
            q.op = "="
            q.bare = True
        quantities.append(q)
        i = max(last, i) + 1
    return quantities


def is_count(q: Quantity, words: Sequence[str], ents: Sequence[dict], followers: set) -> bool:
    """A number that counts things ("at least 3 abnormalities", "at least one of") rather than
    bounding a subject; a number written as a word without a unit is taken as a count."""
    if q.units or q.scale_max is not None:
        return False
    if any(not any(ch.isdigit() for ch in ents[v]["text"]) for v in q.values):
        return True
    if all(re.fullmatch(r"(?:19|20)\d\d", ents[v]["text"]) for v in q.values):
        return True  # calendar years ("from 2008 to 2015"), not bounds
    before = [w for w in words[max(0, q.start - 2):q.start] if not w.isspace()]
    if before and before[-1] in ("n", "N"):
        return True  # "(n=20)": a sample size
    if not q.comparators or all(_op(ents[c]) in RANGE_OPS for c in q.comparators):
        return False  # "Gleason 6-7 cancer": a range after its subject, not a count
    last = ents[q.values[-1]]
    j = last["token_end"]
    while j < len(words) and words[j].isspace():
        j += 1
    if j >= len(words):
        return False
    word = words[j]
    return word[:1].isalpha() and word.lower() not in followers


# ----------------------------------------------------------------------------------------------
# step 2: subjects
# ----------------------------------------------------------------------------------------------

def _parenthesised_aside(index: EntityIndex, idx: int, q_start: int) -> bool:
    """Whether subject ``idx`` sits inside a parenthetical aside that closes before the quantity:
    "(based on MDAAT) ≥3cm" is an aside; "(LVEF) ≥55%" and "(ASA) ≤ 2" (only the name inside)
    and "(hemoglobin <10 g/dL)" (the quantity inside) are not."""
    ent = index.ents[idx]
    k = index.open_paren_before(ent["token_start"])
    if k < 0:
        return False
    close = index.close_paren_in(ent["token_end"], q_start)
    if close is None:
        return False  # the quantity is inside the same parenthesis
    named = index.between(ent["token_start"], ent["token_end"], len(index.words), lower=False)
    if index.between(k + 1, close, len(named), lower=False) == named:
        return False  # "(LVEF)": the parenthesis holds just the name
    return not index.has_subject_ending_at(k)


def _between_tokens(words: Sequence[str], a_end: int, b_start: int) -> List[str]:
    return [w.lower() for w in words[a_end:b_start] if not w.isspace()]


def find_left_subject(q: Quantity, index: EntityIndex) -> Optional[int]:
    """The nearest subject before the quantity in its sentence, with at most
    ``LEFT_SUBJECT_MAX_GAP`` words and no other quantity between, skipping parenthetical asides."""
    sent_of, ents = index.sent_of, index.ents
    sent = sent_of[q.start]
    for idx in index.subjects_ending_by(q.start):
        e = ents[idx]
        if sent_of[e["token_start"]] != sent:
            return None
        if index.between(e["token_end"], q.start, LEFT_SUBJECT_MAX_GAP) is None:
            return None  # too far, and so is every subject further left
        if _parenthesised_aside(index, idx, q.start):
            continue
        if index.claimed(e["token_end"], q.start):
            return None  # another quantity stands between
        return idx
    return None


def find_right_subject(q: Quantity, index: EntityIndex) -> Optional[int]:
    """The subject right after the quantity ("≥18 years old", "2.0 cm on the 10 cm VAS scale"),
    unless that subject has a quantity of its own right after it."""
    idx = index.first_subject_from(q.end)
    if idx is None:
        return None
    e = index.ents[idx]
    if index.sent_of[e["token_start"]] != index.sent_of[q.start]:
        return None
    if index.between(q.end, e["token_start"], RIGHT_SUBJECT_MAX_GAP) is None or \
            index.claimed(q.end, e["token_start"]):
        return None
    if index.claimed(e["token_end"], e["token_end"] + 3):
        return None
    return idx


def coordinated_subjects(subject: int, index: EntityIndex) -> List[List[int]]:
    """Groups of subject entities sharing the quantity, left to right; each group is one
    subject written as long form + "(" short form ")" (its last member is the one nearest the
    number). Entities are walked from ``subject`` back to the first (other labels are stepped
    over, a CONDITION ends the walk)."""
    ents, sent_of = index.ents, index.sent_of
    groups: List[List[int]] = [[subject]]
    cur = subject
    sent = sent_of[ents[subject]["token_start"]]
    # added subjects (implicit ages) come after the original entities in the list
    idx = subject - 1
    while idx >= 0:
        if idx >= index.n_original:
            step_back = idx - 1
        else:
            idx = index.previous_subject_or_condition(idx)
            if idx < 0 or ents[idx]["label"] == "CONDITION":
                break
            step_back = idx - 1
        index.work["coordination"] += 1
        e = ents[idx]
        if sent_of[e["token_start"]] != sent:
            break
        same = e.get("norm") is not None and e.get("norm") == ents[cur].get("norm")
        join = index.joins(e["token_end"], ents[cur]["token_start"], same)
        if join is None or index.claimed(e["token_end"], ents[cur]["token_start"]):
            break
        if join == "short":
            groups[0].insert(0, idx)  # long form (short form), "ECOG (...) performance status"
        else:
            groups.insert(0, [idx])
        cur = idx
        idx = step_back
    return groups


def coordinated_right(subject: int, index: EntityIndex) -> List[List[int]]:
    """Subjects listed after a quantity share it ("1.5 times ULN of serum creatinine, alkaline
    phosphatase and AST"); a long form and its "(short form)" are one subject."""
    ents, sent_of = index.ents, index.sent_of
    groups: List[List[int]] = [[subject]]
    sent = sent_of[ents[subject]["token_start"]]
    cur = subject
    for idx in index.subjects_starting_from(ents[subject]["token_end"]):
        e = ents[idx]
        if sent_of[e["token_start"]] != sent:
            break
        join = index.joins(ents[cur]["token_end"], e["token_start"])
        if join == "short":
            groups[-1].append(idx)
        elif join == "list":
            groups.append([idx])
        else:
            break
        cur = idx
    return groups


# ----------------------------------------------------------------------------------------------
# steps 3-5
# ----------------------------------------------------------------------------------------------

def bounds_of(q: Quantity, ents, value_words) -> Tuple[Optional[dict], Optional[dict]]:
    vals = [parse_number(ents[v]["text"], value_words) for v in q.values]
    if any(v is None for v in vals):
        return None, None
    if q.op == "list" and len(vals) > 1:
        return {"value": number_out(min(vals)), "inclusive": True}, {"value": number_out(max(vals)), "inclusive": True}
    if q.op == "range" and len(vals) == 2:
        lo, hi = sorted(vals)
        inc = True if q.inclusive is None else q.inclusive
        return {"value": number_out(lo), "inclusive": inc}, {"value": number_out(hi), "inclusive": inc}
    v = number_out(vals[0])
    if q.op == ">=":
        return {"value": v, "inclusive": True}, None
    if q.op == ">":
        return {"value": v, "inclusive": False}, None
    if q.op == "<=":
        return None, {"value": v, "inclusive": True}
    if q.op == "<":
        return None, {"value": v, "inclusive": False}
    if q.op == "=":
        return {"value": v, "inclusive": True}, {"value": v, "inclusive": True}
    return None, None


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> "re.Pattern":
    return re.compile(pattern, re.IGNORECASE)


@lru_cache(maxsize=256)
def _scope_parts(pattern: str) -> Optional[Tuple["regex.Pattern", "regex.Pattern"]]:
    """A condition-scope pattern split at its ``{COND}``: what must end right before the
    condition (a lookbehind, so ``\\b`` still sees the whole text) and what must follow it.
    Compiled once per pattern, whatever the condition; ``None`` without exactly one ``{COND}``."""
    if pattern.count("{COND}") != 1:
        return None
    before, after = pattern.split("{COND}")
    flags = regex.IGNORECASE | regex.V0
    return regex.compile(f"(?<=(?:{before}))", flags), regex.compile(after, flags)


@lru_cache(maxsize=8192)
def _scope_regex(pattern: str, condition_text: str) -> "re.Pattern":
    """A condition-scope pattern with ``{COND}`` filled in (only for patterns that
    :func:`_scope_parts` cannot split)."""
    return re.compile(pattern.replace("{COND}", f"(?P<cond>{re.escape(condition_text)})"), re.IGNORECASE)


def scope_conditions(text: str, ents: Sequence[dict], patterns: Sequence[str]) -> List[int]:
    """CONDITION entities the criterion scopes its thresholds to ("for SLE patients"): a
    ``condition_scope`` pattern matches with the entity in its ``{COND}``."""
    out = []
    for idx, e in enumerate(ents):
        if e["label"] != "CONDITION":
            continue
        for pat in patterns:
            parts = _scope_parts(pat)
            if parts is not None:
                if parts[0].match(text, e["start"]) and parts[1].match(text, e["end"]):
                    out.append(idx)
                    break
                continue
            rx = _scope_regex(pat, e["text"])
            if any(m.start("cond") == e["start"] for m in rx.finditer(text)):
                out.append(idx)
                break
    return out


def scale_mentions(text: str, index: EntityIndex, pattern: Optional[str]) -> Tuple[set, Dict[int, float]]:
    """Scale lengths ("10 cm VAS scale"): the VALUE/UNIT indices they use and scale_max per
    subject entity index."""
    if not pattern:
        return set(), {}
    ents = index.ents
    consumed: set = set()
    scale_of: Dict[int, float] = {}
    for m in _compiled(pattern).finditer(text):
        index.work["scales"] += 1
        length = parse_number(m.group("len"))
        if length is None:
            continue  # digits beyond a float's range: not a length
        ls, le = m.span("len")
        us, ue = m.span("unit")
        consumed.update(index.with_span("VALUE", ls, le))
        consumed.update(index.with_span("UNIT", us, ue))
        for idx in index.scores_at_chars(le, m.end() + 1):
            e = ents[idx]
            scale_of[idx] = number_out(length)
            # the short form right after "(" belongs to the same scale
            for jdx in range(idx + 1, min(idx + 3, len(ents))):
                if ents[jdx]["label"] == "SCORE" and ents[jdx].get("norm") == e.get("norm"):
                    scale_of[jdx] = number_out(length)
    return consumed, scale_of


def assemble(text: str, words: Sequence[str], sent_of: Sequence[int], entities: Sequence[dict],
             modifiers: Sequence[dict], config: AssemblyConfig, units: UnitNormalizer,
             token_starts: Optional[Sequence[int]] = None, work: Optional[Counter] = None) -> dict:
    """Constraints, relations and the final entity list (with ids) for one criterion.

    ``work``, when given, receives the number of candidates examined per step (linear in the
    criterion's length; see :class:`EntityIndex`)."""
    ents = list(entities)
    neg_mods = [m for m in modifiers if m["category"] == "NEGATED_EXISTENCE"]
    if not any(e["label"] == "VALUE" for e in ents):
        # no number, no bound: only the entity list, temporal relations and negation cues remain
        return _finalise(text, ents, modifiers, neg_mods, [], [], set(), sent_of, words, token_starts,
                         config.non_clinical, work)
    index = EntityIndex(words, sent_of, ents, config.coordinators, work)
    consumed_scale, scale_of = scale_mentions(text, index, config.scale_length)
    quantities = find_quantities(words, ents, sent_of, consumed_scale)
    followers = set(config.value_followers)
    quantities = [q for q in quantities if not q.invalid and not is_count(q, words, ents, followers)]

    claimed: set = set()
    for q in quantities:
        if not (q.bare and not q.units):  # a lone number ("Appendix 10") claims nothing
            claimed.update(range(q.start, q.end))
    index.claim(claimed)

    time_only_age = set(config.time_units_for_age_only)
    # subjects: (quantity, [groups]) — chained quantities ("≥5 years and <17 years") share
    assigned: List[Tuple[Quantity, List[List[int]]]] = []
    prev: Optional[Tuple[Quantity, List[List[int]]]] = None
    for q in quantities:
        index.work["quantities"] += 1
        groups = None
        unit_idx = _unit_of([q])
        unit = units.normalize(ents[unit_idx]["text"]) if unit_idx is not None else None
        link = None
        if prev is not None:
            between = index.between(prev[0].end, q.start, CHAIN_MAX_WORDS)
            link = tuple(between) if between is not None else None
        if prev is not None and sent_of[prev[0].start] == sent_of[q.start] and not q.bare and \
                link in CHAIN_AND + CHAIN_OR and _units_chain(prev[0], q, ents, units) \
                and not _subject_between(index, prev[0].end, q.start):
            groups = prev[1]
            q.disjoint = link in CHAIN_OR  # "< 18 or > 60": two constraints, not one range
        if groups is None and q.subject is not None:
            groups = [[q.subject]]
        if groups is None:
            scale = on_scale_subject(q, index)
            if scale is not None:
                groups = [[scale]]
        if groups is None:
            left = find_left_subject(q, index)
            if left is not None:
                groups = coordinated_subjects(left, index)
            else:
                right = find_right_subject(q, index)
                if right is not None:
                    groups = coordinated_right(right, index)
                elif unit in AGE_UNITS and later_age_subject(q, index) is not None:
                    groups = [[later_age_subject(q, index)]]
                else:
                    age = implicit_age_subject(q, words, ents, units, config.implicit_age_blockers,
                                               config.implicit_age_cues)
                    if age is not None:
                        groups = [[index.add(age)]]
        if groups is None or (q.bare and not _bare_allowed(q, groups, index)):
            prev = None
            continue
        if unit is not None and unit not in AGE_UNITS and any(ents[g[-1]].get("category") == "age" for g in groups):
            prev = None
            continue  # "age appropriate (≥2.3 ng/ml)": an age is never in ng/ml
        if q.op == "range" and q.end <= ents[groups[-1][-1]]["token_start"] and \
                ents[groups[-1][-1]]["label"] == "SCORE" and parse_number(ents[q.values[0]]["text"]) == 0:
            prev = None
            continue  # "a 0-10 pain intensity numeric scale": the scale's range, not a bound
        if unit in time_only_age and any(ents[g[-1]].get("category") in TIMELESS_CATEGORIES for g in groups):
            prev = None
            continue  # "HbA1c ... less than 12 weeks prior to": a time window, not a bound
        assigned.append((q, groups))
        prev = (q, groups)

    scoped = scope_conditions(text, ents, config.condition_scope) if assigned else []

    # merge quantities per subject group (one constraint per subject per bound set)
    per_subject: Dict[Tuple[int, ...], List[Quantity]] = {}
    order: List[Tuple[int, ...]] = []
    for q, groups in assigned:
        for group in groups:
            key = tuple(group)
            if key not in per_subject:
                per_subject[key] = []
                order.append(key)
            per_subject[key].append(q)

    used_entities: set = set()
    constraints: List[dict] = []
    rel_pairs: List[Tuple[int, int, str]] = []
    for key in order:
        qs = per_subject[key]
        subj_idx = key[-1]
        subj = ents[subj_idx]
        merged = _merge_bounds(qs, ents, config.value_words)
        for lower, upper, qgroup in merged:
            if lower is None and upper is None:
                continue
            unit_idx = _unit_of(qgroup)
            unit_text = ents[unit_idx]["text"] if unit_idx is not None else None
            scale_max = next((q.scale_max for q in qgroup if q.scale_max is not None), None)
            if scale_max is None:
                scale_max = next((scale_of[i] for i in key if i in scale_of), None)
            members = sorted({m for q in qgroup for m in q.members()})
            if subj["rule"] == IMPLICIT_AGE_RULE or (subj.get("category") == "age" and len(qgroup) > 1):
                # an age written with each bound ("≥18 years-old and ≤45 years-old") or with none
                ends = [ents[m]["end"] for m in members] + [subj["end"]]
                subject_span = [min([ents[m]["start"] for m in members] + [subj["start"]]),
                                index.age_cue_end(max(ends))]
            else:  # a long form and its short form are one subject
                subject_span = [min(ents[i]["start"] for i in key), max(ents[i]["end"] for i in key)]
            span_start = min([subj["start"]] + [ents[m]["start"] for m in members])
            span_end = max([subj["end"]] + [ents[m]["end"] for m in members])
            condition = None
            if scoped and subj.get("category") != "age":
                condition = ents[scoped[0]].get("norm", ents[scoped[0]]["text"])
            category = subj.get("category") or "measurement"
            unit = units.normalize(unit_text)
            constraints.append({
                "subject": subj.get("norm") or subj["text"].lower(),
                "subject_text": subj["text"],
                "category": category,
                "lower": lower,
                "upper": upper,
                "unit": unit,
                "unit_text": unit_text,
                "scale_max": scale_max,
                "negated": bool(subj.get("negated")),
                "condition": condition,
                "span": [span_start, span_end],
                "subject_span": subject_span,
                "rules": [subj["rule"]] + [ents[m]["rule"] for m in members],
                "context": {k: subj.get(k) for k in ("historical", "hypothetical", "exception", "uncertain") if subj.get(k)},
                "_subject": subj_idx,
                "_members": members,
            })
            used_entities.update(key)  # the subject with its long/short form partner
            used_entities.update(members)
            for q in qgroup:
                for v in q.values:
                    rel_pairs.append((subj_idx, v, "has_value"))
                    for c in q.comparators:
                        rel_pairs.append((v, c, "has_comparator"))
                    u = q.units.get(v, _unit_of([q]))
                    if u is not None:
                        rel_pairs.append((v, u, "has_unit"))
                    if q.scale_unit is not None:
                        rel_pairs.append((v, q.scale_unit, "has_unit"))
            if condition is not None:
                rel_pairs.append((subj_idx, scoped[0], "for_condition"))

    return _finalise(text, ents, modifiers, neg_mods, constraints, rel_pairs, used_entities, sent_of,
                     words, token_starts, config.non_clinical, work)


def on_scale_subject(q: Quantity, index: EntityIndex) -> Optional[int]:
    """"no less than 2.0 cm on the 10 cm VAS scale": the score after "on the" is what is measured."""
    words, sent_of = index.words, index.sent_of
    j = q.end
    while j < len(words) and words[j].isspace():
        j += 1
    if j >= len(words) or words[j].lower() != "on":
        return None
    for idx in index.scores_starting_in(q.end + 1, j + 6):
        if sent_of[index.ents[idx]["token_start"]] == sent_of[q.start]:
            return idx
    return None


def later_age_subject(q: Quantity, index: EntityIndex) -> Optional[int]:
    """An age word a little later in the sentence, with only quantities before it ("older than
    14 years and younger than 25 years old")."""
    idx = index.first_subject_from(q.end)
    if idx is None:
        return None
    e = index.ents[idx]
    return idx if e.get("norm") == "age" and e["token_start"] - q.end <= 12 else None


def implicit_age_subject(q: Quantity, words, ents, units: UnitNormalizer, blockers, cues=()) -> Optional[dict]:
    """A subject for "≥ 65 years" / "18-50 years" with no subject word: an age, unless temporal
    words before it ("for", "within", "history") say it is a duration. The subject entity is the
    unit span ("years"), as in LCT."""
    u = _unit_of([q])
    if u is None or q.bare or units.normalize(ents[u]["text"]) != "a":
        return None
    before = {w.lower() for w in words[max(0, q.start - 4):q.start]}
    if before & set(blockers):
        return None
    window = [w.lower() for w in words[max(0, q.start - 6):q.start] if not w.isspace()]
    if not (set(window) & set(cues) or all(not any(ch.isalnum() for ch in w) for w in window)):
        return None  # "Epileptic seizure < 2 years": a duration, not an age
    unit = ents[u]
    return {"label": "MEASUREMENT", "start": unit["start"], "end": unit["end"],
            "token_start": unit["token_start"], "token_end": unit["token_end"], "text": unit["text"],
            "rule": IMPLICIT_AGE_RULE, "norm": "age", "category": "age"}


def _subject_between(index: EntityIndex, start: int, end: int) -> bool:
    """Whether a subject starts at a token in ``start..end-1``."""
    first = index.first_subject_from(start)
    return first is not None and index.ents[first]["token_start"] < end


def _units_chain(prev: Quantity, q: Quantity, ents, units: UnitNormalizer) -> bool:
    """Two quantities can share a subject when their units agree, or when only the later one
    writes the unit ("≥18, and <80 years"), not "50 years and ≥ 4"."""
    a, b = _unit_of([prev]), _unit_of([q])
    ua = units.normalize(ents[a]["text"]) if a is not None else None
    ub = units.normalize(ents[b]["text"]) if b is not None else None
    return ua == ub or ua is None


def _bare_allowed(q: Quantity, groups, index: EntityIndex) -> bool:
    """A list of numbers with no comparator bounds a subject only when written right after it
    ("ECOG 0, 1 or 2"); a single number with no comparator ("ASA 1 corresponding to a patient in
    perfect health", "three times the ULN") is a description, not a bound."""
    ents, words = index.ents, index.words
    subj = ents[groups[-1][-1]]
    if q.op == "=":
        # "ASA 5)", "Clinical Dementia Rating of 0 and ...": a score's single value, closed by
        # punctuation or a conjunction, is its value
        j = ents[q.values[-1]]["token_end"]
        follower = words[j] if j < len(words) else ""
        if subj["label"] != "SCORE" or not (follower == "" or follower in ",;.)" or follower in ("and", "or")):
            return False
    if subj["token_end"] > q.start:
        return False
    between = index.between(subj["token_end"], q.start, 2)
    return between is not None and all(w in (":", "of", "score", "is", "=", "(", ")") for w in between) \
        and (subj["label"] == "SCORE" or bool(q.units))


def _unit_of(qs: Sequence[Quantity]) -> Optional[int]:
    for q in qs:
        for v in reversed(q.values):
            if v in q.units:
                return q.units[v]
    return None


def _merge_bounds(qs: Sequence[Quantity], ents, value_words):
    """Combine one-sided quantities of the same subject into two-sided bounds."""
    out = []
    pending = None  # (lower, upper, [q])
    for q in qs:
        lower, upper = bounds_of(q, ents, value_words)
        if pending is not None and not q.disjoint:
            pl, pu, pq = pending
            if pl is not None and pu is None and lower is None and upper is not None:
                pending = (pl, upper, pq + [q])
                continue
            if pu is not None and pl is None and upper is None and lower is not None:
                pending = (lower, pu, pq + [q])
                continue
        if pending is not None:
            out.append(pending)
        pending = (lower, upper, [q])
    if pending is not None:
        out.append(pending)
    return out


NEGATED_PHRASE_STOPS = {",", ";", ".", ":", "(", ")", "[", "]", "and", "or", "but", "which", "that", "who",
                        "whose", "because", "due", "as", "if", "unless", "when", "while", "for", "in", "at",
                        "within", "during", "since", "after", "before", "by", "with", "on", "to", "from", "/"}
NEGATED_PHRASE_SKIP = {"a", "an", "the", "any", "other", "to", "be", "have", "has", "had", "been", "having",
                       "of", "known", "evidence", "history", "prior", "previous", "current", "currently",
                       "do", "does", "did", "is", "are", "was", "were", "-", "able", "willing", "use"}
NEGATED_PHRASE_MAX = 5


NEGATED_PHRASE_SKIP_BACK = {"will", "be", "is", "are", "was", "were", "should", "may", "must", "being",
                            "can", "shall", "would", "also", "been"}


def negated_phrase(words: Sequence[str], token_starts: Sequence[int], cue_start_char: int,
                   cue_end_char: int, backward: bool = False) -> Optional[Tuple[int, int]]:
    """The phrase a negation cue negates when no entity is in its scope: the words after a
    forward cue (skipping "a", "any", "history of" ...), or before a backward one ("... will be
    excluded"), up to punctuation or a conjunction."""
    if backward:
        j = bisect_left(token_starts, cue_start_char) - 1  # the last token before the cue
        while j >= 0 and (words[j].isspace() or words[j].lower() in NEGATED_PHRASE_SKIP_BACK):
            j -= 1
        if j < 0:
            return None
        end = j
        while j >= 0 and end - j < NEGATED_PHRASE_MAX and not words[j].isspace() \
                and words[j].lower() not in NEGATED_PHRASE_STOPS:
            j -= 1
        if j == end:
            return None
        return token_starts[j + 1], token_starts[end] + len(words[end])
    i = bisect_left(token_starts, cue_end_char)  # the first token after the cue
    if i == len(token_starts):
        return None
    while i < len(words) and (words[i].isspace() or words[i].lower() in NEGATED_PHRASE_SKIP):
        i += 1
    start = i
    while i < len(words) and i - start < NEGATED_PHRASE_MAX and not words[i].isspace() \
            and words[i].lower() not in NEGATED_PHRASE_STOPS:
        i += 1
    if i == start:
        return None
    return token_starts[start], token_starts[i - 1] + len(words[i - 1])


def _finalise(text, ents, modifiers, neg_mods, constraints, rel_pairs, used_entities, sent_of,
              words=(), token_starts=None, non_clinical=frozenset(), work=None) -> dict:
    keep: List[int] = []
    for idx, e in enumerate(ents):
        label = e["label"]
        if label in ("VALUE", "UNIT", "COMPARATOR", "CUE"):
            if idx in used_entities:
                keep.append(idx)
        elif label == "MEASUREMENT":
            if idx in used_entities or e.get("negated") or e.get("result"):
                keep.append(idx)
        else:
            keep.append(idx)
    # NEGATION cue entities from ConText modifiers that negate a kept entity
    neg_entities = []
    kept_spans = {(ents[i]["start"], ents[i]["end"]): i for i in keep}
    for m in neg_mods:
        targets = [kept_spans[tuple(t)] for t in m["targets"] if tuple(t) in kept_spans]
        cue = {"label": "NEGATION", "start": m["start"], "end": m["end"], "text": text[m["start"]:m["end"]],
               "rule": m["rule"]}
        if not targets:
            # no entity in scope: the cue negates the phrase after it, if that is clinical
            phrase = None
            if token_starts is not None:
                phrase = negated_phrase(words, token_starts, m["start"], m["end"],
                                        backward=m.get("direction") == "BACKWARD")
            if phrase is None:
                continue
            first = text[phrase[0]:phrase[1]].split()[0].lower()
            if first in non_clinical:
                continue
            cue["target"] = list(phrase)
            cue["target_text"] = text[phrase[0]:phrase[1]]
        neg_entities.append((cue, targets))
    rel_pairs.extend(temporal_relations(ents, keep, sent_of, work))

    records: List[dict] = []
    new_id: Dict[int, int] = {}
    items = [(ents[i]["start"], ents[i]["end"], "e", i) for i in keep] + \
            [(n[0]["start"], n[0]["end"], "n", k) for k, n in enumerate(neg_entities)]
    neg_ids: Dict[int, int] = {}
    for start, end, kind, ref in sorted(items):
        eid = len(records) + 1
        if kind == "e":
            e = ents[ref]
            rec = {"id": eid, **e}
            rec.pop("token_start", None)
            rec.pop("token_end", None)
            new_id[ref] = eid
        else:
            rec = {"id": eid, **neg_entities[ref][0], "negated": False}
            neg_ids[ref] = eid
        records.append(rec)
    relations = []
    seen = set()
    for a, b, kind in rel_pairs:
        if a in new_id and b in new_id and (a, b, kind) not in seen:
            seen.add((a, b, kind))
            relations.append({"id": len(relations) + 1, "from": new_id[a], "to": new_id[b], "type": kind})
    for k, (_, targets) in enumerate(neg_entities):
        for t in targets:
            relations.append({"id": len(relations) + 1, "from": neg_ids[k], "to": new_id[t], "type": "negates"})
    for c in constraints:
        c["subject_id"] = new_id.get(c.pop("_subject"))
        c.pop("_members")
    return {"entities": records, "relations": relations, "constraints": constraints}


#: labels that end the search for what a TEMPORAL span belongs to
TEMPORAL_STOPS = ("TEMPORAL", "MEASUREMENT", "SCORE", "CONDITION")
TEMPORAL_MAX_GAP = 8


def temporal_relations(ents: Sequence[dict], keep: Sequence[int], sent_of: Sequence[int],
                       work: Optional[Counter] = None) -> List[Tuple[int, int, str]]:
    """has_temporal: a TEMPORAL span belongs to the subject or condition before it, within
    ``TEMPORAL_MAX_GAP`` tokens in its sentence, unless another TEMPORAL span comes between.
    Of the kept entities ending before the span, the last in list order that is a subject, a
    condition or a TEMPORAL span decides (an implicit age, added last, comes first)."""
    temporal = [k for k in keep if ents[k]["label"] == "TEMPORAL"]
    if not temporal:
        return []
    stops = sorted((ents[k]["end"], k) for k in keep if ents[k]["label"] in TEMPORAL_STOPS)
    ends = [end for end, _ in stops]
    latest: List[int] = []  # the highest entity index among stops[:i+1]
    for _, k in stops:
        latest.append(max(k, latest[-1]) if latest else k)
    pairs = []
    for idx in temporal:
        e = ents[idx]
        if work is not None:
            work["temporal"] += 1
        n = bisect_right(ends, e["start"])
        if n == 0:
            continue
        jdx = latest[n - 1]
        o = ents[jdx]
        if o["label"] != "TEMPORAL" and sent_of[o["token_start"]] == sent_of[e["token_start"]] and \
                e["token_start"] - o["token_end"] <= TEMPORAL_MAX_GAP:
            pairs.append((jdx, idx, "has_temporal"))
    return pairs


class ConstraintAssembler:
    """spaCy component: assembles constraints and writes the final ``doc._.eligex`` record."""

    def __init__(self, nlp: Language, name: str = "eligex_constraints"):
        self.name = name
        self.config = AssemblyConfig.from_dict({})
        self.units: Optional[UnitNormalizer] = None
        extensions.register()

    def initialize(self, get_examples=None, *, nlp=None, config_path: str = "configs/constraints.json",
                   units_path: str = "configs/units.json"):
        self.config = AssemblyConfig.from_dict(load_json_config(config_path))
        self.units = UnitNormalizer.from_config(units_path)

    def __call__(self, doc: Doc) -> Doc:
        if self.units is None:
            raise ValueError(f"{self.name}: not initialised; call nlp.initialize() or load a built model")
        data = extensions.state(doc)
        view = docview.view(doc)
        result = assemble(view.text, view.words, view.sent_of(doc), data["entities"],
                          data.get("context", []), self.config, self.units, view.starts)
        data.update(result)
        docview.release(doc)  # the last component: finished Docs carry only doc._.eligex
        return doc

    def to_disk(self, path, *, exclude=()):
        Path(path).mkdir(parents=True, exist_ok=True)
        srsly.write_json(Path(path) / "cfg.json", {"config": self.config.to_dict(),
                                                   "units": self.units.to_dict() if self.units else None})

    def from_disk(self, path, *, exclude=()):
        data = srsly.read_json(Path(path) / "cfg.json")
        self.config = AssemblyConfig.from_dict(data["config"])
        self.units = UnitNormalizer.from_dict(data["units"]) if data["units"] else None
        return self


@Language.factory("eligex_constraints", assigns=["doc._.eligex"], default_config={})
def make_constraints(nlp: Language, name: str) -> ConstraintAssembler:
    """Factory: constraints from entities, context and unit rules."""
    return ConstraintAssembler(nlp, name)
