"""Step 1, quantities: comparator/value/unit runs among a criterion's entities.

``≥60 g/L``, ``10-35``, ``between 5 and 10``, ``in the range of 10-35 (including the boundary
value)``, ``18 years or older``, ``125/150`` (a scale fraction), ``0~1``, ``0, 1 or 2`` (a list);
a unit after the second value of a range is carried over to the first. Scale lengths ("10 cm VAS
scale") are found first and their numbers are not quantities; a number that counts things ("at
least 3 abnormalities") is not a bound (:func:`is_count`).
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, List, Optional, Sequence, Set, Tuple

from pipeline.components.constraints.index import SUBJECT_LABELS, EntityIndex
from pipeline.core.brackets import CLOSERS, OPENERS
from pipeline.core.numbers import number_out, parse_number

BOUND_OPS = {">=", ">", "<=", "<", "="}
RANGE_OPS = {"range", "between"}
#: a comparator read from its right side: "18 ≤ age" is age ≥ 18
FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
#: the side a one-sided comparator bounds
SIDE = {">": "lower", ">=": "lower", "<": "upper", "<=": "upper"}
#: the defaults of ``between_words`` / ``list_words`` (configs/constraints.json holds the rules' own)
BETWEEN_WORDS = frozenset({"and", "an", "to", "-", "&"})
LIST_WORDS = frozenset({",", "or", "and", "and/or"})


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
    sex: Optional[str] = None  # the population it is written for ("(men)"; :mod:`.populations`)
    #: the quantity for another population this one continues ("≥ 13 (men) or ≥ 12 (women)"), or
    #: the first half of a range split in two (:func:`split_mixed_ranges`): its subjects are this one's
    group_of: Optional["Quantity"] = field(default=None, repr=False, compare=False)
    #: the second number of a pair ("> 160/100": a VALUE, or the UNIT "/100" read as a fraction);
    #: :mod:`.pairs` makes two bounds of it or drops the quantity
    pair: Optional[int] = None
    #: the number when no VALUE entity holds it (the "/100" of a pair, the 1 of "> ULN")
    number: Optional[float] = None
    #: the subject's component this quantity bounds ("systolic blood pressure" of "blood pressure")
    component: Optional[str] = None
    #: the link word a comparator written after the link starts with ("or" of "... or above 120")
    link_word: Optional[str] = None
    #: a range's (lower, upper) inclusiveness when its ends differ ("4 to < 17": (True, False))
    ends: Optional[Tuple[bool, bool]] = None

    def members(self) -> List[int]:
        out = list(self.values) + list(self.comparators) + list(self.units.values())
        if self.scale_unit is not None:
            out.append(self.scale_unit)
        if self.pair is not None:
            out.append(self.pair)
        return sorted(set(out))


def _gap_ok(words: Sequence[str], a_end: int, b_start: int, allowed: set, max_gap: int = 3) -> bool:
    if b_start < a_end:
        return False
    gap = [w.lower() for w in words[a_end:b_start] if not w.isspace()]
    return len(gap) <= max_gap and all(w in allowed for w in gap)


def _between_tokens(words: Sequence[str], a_end: int, b_start: int) -> List[str]:
    return [w.lower() for w in words[a_end:b_start] if not w.isspace()]


def _op(ent: dict) -> Optional[str]:
    return (ent.get("attrs") or {}).get("op")


class _QuantityReader:
    """Reads quantities left to right; ``used`` holds the entities already part of one."""

    def __init__(self, words: Sequence[str], ents: Sequence[dict], sent_of: Sequence[int], scale_values: set,
                 fillers: frozenset, age_cue_rules: frozenset = frozenset(),
                 range_to_words: frozenset = frozenset(), between_words: frozenset = BETWEEN_WORDS,
                 list_words: frozenset = LIST_WORDS):
        self.words = words
        self.range_to_words = range_to_words
        self.between_words = between_words
        self.list_words = list_words
        self.fillers = fillers
        self.age_cue_rules = age_cue_rules
        self.ents = ents
        self.sent_of = sent_of
        self.scale_values = scale_values
        self.used: Set[int] = set()

    def next_entity(self, i: int, label: str, allowed=None, max_gap: int = 3) -> Optional[int]:
        """Entity ``i + 1`` when it has ``label``, is free, in the same sentence, and only
        ``allowed`` words (the quantity fillers when not given; at most ``max_gap``) stand between."""
        ents = self.ents
        if allowed is None:
            allowed = self.fillers
        j = i + 1
        if j < len(ents) and ents[j]["label"] == label and j not in self.used and j not in self.scale_values \
                and self.sent_of[ents[j]["token_start"]] == self.sent_of[ents[i]["token_start"]] \
                and _gap_ok(self.words, ents[i]["token_end"], ents[j]["token_start"], allowed, max_gap):
            return j
        return None

    def take_unit(self, q: "Quantity", vi: int) -> int:
        """Attach a unit (or scale fraction) right after value ``vi``; return the last index used."""
        ents = self.ents
        u = self.next_entity(vi, "UNIT", {"×", "x", "*", "-", ")"}, 1)  # "(16-24) weeks"
        if u is None:
            return vi
        attrs = ents[u].get("attrs") or {}
        if attrs.get("scale"):
            scale = parse_number(ents[u]["text"].lstrip("/ "))
            q.scale_max = number_out(scale) if scale is not None else None
            q.scale_unit = u
            value = parse_number(ents[vi]["text"])
            if q.scale_max is not None and value is not None and q.scale_max < value:
                # "> 160/100": two numbers (a blood pressure), not a score out of 100
                q.pair, q.number, q.scale_max, q.scale_unit = u, q.scale_max, None, None
            elif q.scale_max is None or value is None:
                q.invalid = True
        else:
            q.units[vi] = u
        self.used.add(u)
        return u

    def take_pair(self, q: "Quantity", last: int) -> int:
        """``90/50 mmHg``: a second number right after the first's "/" (and its unit, shared)."""
        if last != q.values[-1] or q.pair is not None:
            return last
        ents = self.ents
        v2 = self.next_entity(last, "VALUE", {"/"}, 1)
        if v2 is None or _between_tokens(self.words, ents[last]["token_end"], ents[v2]["token_start"]) != ["/"]:
            return last
        q.pair = v2
        self.used.add(v2)
        u = self.take_unit(q, v2)
        if u != v2 and u in q.units.values():
            q.units[last] = u
        return u

    def over_age_cue(self, last: int) -> int:
        """The age word right after entity ``last`` ("years *old*", a rule flagged ``age_cue``),
        which a postfix comparator or a range's second number may follow, else ``last``."""
        ents = self.ents
        if last + 1 < len(ents) and ents[last + 1]["rule"] in self.age_cue_rules and \
                ents[last + 1]["token_start"] - ents[last]["token_end"] <= 1:
            return last + 1
        return last

    def take_range_tail(self, q: "Quantity", last: int) -> int:
        """``- 35``, ``to 35``, ``and 35`` (after between) → second value, also over an age word
        ("25 years old to 60 years old"); returns last index."""
        c = self.next_entity(self.over_age_cue(last), "COMPARATOR", self.fillers, 2)
        if c is not None and _op(self.ents[c]) == "range":
            v2 = self.next_entity(c, "VALUE")
            if v2 is not None:
                q.comparators.append(c)
                q.values.append(v2)
                self.used.update({c, v2})
                q.op = "range"
                return self.take_unit(q, v2)
        if q.op == "between":
            # "between 30 years old and 50 years old": over the age word
            v2 = self.next_entity(self.over_age_cue(last), "VALUE", self.between_words, 1)
            if v2 is not None:
                q.values.append(v2)
                self.used.add(v2)
                return self.take_unit(q, v2)
        return last

    def take_list(self, q: "Quantity", last: int) -> int:
        """``0, 1 or 2`` / ``0.5 or 1``: a list of allowed values → their range."""
        ents = self.ents
        while True:
            v = self.next_entity(last, "VALUE", self.list_words, 2)
            if v is None or not (set(_between_tokens(self.words, ents[last]["token_end"], ents[v]["token_start"]))
                                 & self.list_words):
                break
            q.values.append(v)
            self.used.add(v)
            last = self.take_unit(q, v)
            q.op = "list"
        return last

    def take_postfix(self, q: "Quantity", last: int) -> int:
        """A comparator after the number: "18 years or older", "(inclusive)", "18+ years"."""
        ents = self.ents
        # "18 years old or older": step over the age cue to reach the comparator
        c = self.next_entity(self.over_age_cue(last), "COMPARATOR", self.fillers | {"(", ")"}, 2)
        if c is None:
            return last
        op = _op(ents[c])
        if op in ("inclusive", "exclusive"):
            q.inclusive = op == "inclusive"
            q.comparators.append(c)
            self.used.add(c)
            return c
        if (ents[c].get("attrs") or {}).get("postfix") and (q.bare or q.op == "="):
            # "18 years or older"; "= 5 or higher"
            q.op = op
            q.bare = False
            q.comparators.append(c)
            self.used.add(c)
            if not q.units:  # "18+ years": the unit after the postfix sign
                u = self.next_entity(c, "UNIT", set(), 0)
                if u is not None and not (ents[u].get("attrs") or {}).get("scale"):
                    q.units[q.values[-1]] = u
                    self.used.add(u)
                    return u
            return c
        return last

    def read_after_comparator(self, i: int, op: str) -> Optional[Tuple["Quantity", int]]:
        """The quantity a bound or range comparator starts, and the last entity index it uses."""
        ents = self.ents
        v = self.next_entity(i, "VALUE")
        signs = [i]
        doubled = self.next_entity(i, "COMPARATOR", OPENERS, 1) if v is None else None
        if doubled is not None and _op(ents[doubled]) == op:
            # "greater than or equal to (>=) 0.3": the bracketed sign doubles the words
            v = self.next_entity(doubled, "VALUE", self.fillers | CLOSERS, 2)
            if v is not None:
                signs.append(doubled)
        inner = None
        if v is None and i + 1 < len(ents) and ents[i + 1]["label"] in SUBJECT_LABELS \
                and _gap_ok(self.words, ents[i]["token_end"], ents[i + 1]["token_start"], {"the"}, 1):
            inner = i + 1  # "between the ages of 18 and 65", "Minimum age: 18 years"
            v = self.next_entity(inner, "VALUE", self.fillers | {"=", "is"}, 2)
        if v is None:
            return self.read_implied(i, op) if inner is None else None
        q = Quantity(values=[v], comparators=signs, op=op, subject=inner)
        self.used.update({*signs, v})
        last = self.take_pair(q, self.take_unit(q, v))
        last = self.take_range_tail(q, last)
        if q.op == "between" and len(q.values) == 2:
            q.op = "range"
        elif q.op == "between" and (post := self.next_entity(last, "COMPARATOR", set(), 0)) is not None and \
                (ents[post].get("attrs") or {}).get("postfix"):
            # "suffered from one or more seizures": no range after all; the postfix comparator bounds
            q.op, q.bare, q.comparators = "=", True, []
            self.used.discard(i)
        return q, self.take_postfix(q, last)

    def read_implied(self, i: int, op: str) -> Optional[Tuple["Quantity", int]]:
        """``> ULN``, ``below the lower limit of normal``: a bound comparator right before a unit
        that implies its number (``implied_value`` in the unit rule's attrs: 1 × ULN)."""
        if op not in BOUND_OPS:
            return None
        u = self.next_entity(i, "UNIT")
        implied = (self.ents[u].get("attrs") or {}).get("implied_value") if u is not None else None
        if implied is None:
            return None
        q = Quantity(values=[u], comparators=[i], units={u: u}, op=op, number=float(implied))
        self.used.update({i, u})
        return q, u

    def read_from_value(self, i: int) -> Tuple["Quantity", int]:
        """The quantity a number without a comparator before it starts, and its last entity index."""
        q = Quantity(values=[i], bare=True)
        self.used.add(i)
        last = self.take_pair(q, self.take_unit(q, i))
        unit_op = (self.ents[last].get("attrs") or {}).get("op") if last != i else None
        if unit_op is not None and last in q.units.values():
            q.op, q.bare = unit_op, False  # "6x above the upper limit of normal": > 6 x ULN
            return q, last
        sandwich = self.take_sandwich(q, last)
        if sandwich is not None:
            return q, sandwich
        tail = self.take_range_tail(q, last)
        if tail != last:
            q.bare = False
            last = tail
        elif (upper := self.upper_end(last)) is not None:
            c, v2 = upper  # "4 to < 17 years": a range, its upper end as its comparator says
            q.comparators.append(c)
            q.values.append(v2)
            self.used.update({c, v2})
            q.op, q.bare, q.ends = "range", False, (True, _op(self.ents[c]) == "<=")
            last = self.take_unit(q, v2)
        elif last == i:
            last = self.take_list(q, last)
        return q, self.take_postfix(q, last)

    def upper_end(self, last: int) -> Optional[Tuple[int, int]]:
        """The comparator and value of an upper end joined by a range word ("to", "through";
        ``range_to_words``) to the number ending at entity ``last``: "4 to < 17 years", "11 to no
        older than 17", "1.5 to <10 times the ULN" — a range whose lower end is inclusive and whose
        upper end is as its comparator says; None when there is none."""
        ents = self.ents
        c = self.next_entity(last, "COMPARATOR", self.range_to_words, 1)
        if c is None or _op(ents[c]) not in ("<", "<=") or (ents[c].get("attrs") or {}).get("postfix") \
                or not _between_tokens(self.words, ents[last]["token_end"], ents[c]["token_start"]):
            return None
        v2 = self.next_entity(c, "VALUE")
        return (c, v2) if v2 is not None else None

    def take_sandwich(self, q: "Quantity", last: int) -> Optional[int]:
        """"18 ≤ age ≤ 70", "140 mmHg ≤ SiSBP < 180": a number, a comparator and a subject, and
        the subject's own comparison after it: the number bounds the subject from the other side
        (the comparator read backwards, ``FLIPPED``). Returns the comparator's index, or None."""
        ents = self.ents
        c = self.next_entity(last, "COMPARATOR", set(), 0)
        if c is None or _op(ents[c]) not in FLIPPED or (ents[c].get("attrs") or {}).get("postfix") or \
                _WORDY.search(ents[c]["text"]):
            return None  # signs only ("<or=" too): "1 year above or equal to age" is no such sandwich
        s = c + 1
        if s >= len(ents) or ents[s]["label"] not in SUBJECT_LABELS or \
                not _gap_ok(self.words, ents[c]["token_end"], ents[s]["token_start"], set(), 0):
            return None
        if s + 1 >= len(ents) or ents[s + 1]["label"] != "COMPARATOR" or _op(ents[s + 1]) not in FLIPPED or \
                not _gap_ok(self.words, ents[s]["token_end"], ents[s + 1]["token_start"], set(), 0):
            return None  # only the sandwich: "5 < ALT" alone is too rare to tell from a list
        q.op = FLIPPED[_op(ents[c])]
        q.bare = False
        q.comparators.append(c)
        q.subject = s
        self.used.add(c)
        return c

    def finish(self, q: "Quantity") -> None:
        """Token offsets and the checks that need the whole quantity."""
        ents, words = self.ents, self.words
        members = q.members()
        q.start = min(ents[m]["token_start"] for m in members)
        q.end = max(ents[m]["token_end"] for m in members)
        j = ents[q.values[-1]]["token_end"]
        if q.scale_unit is None and q.pair is None and j + 1 < len(words) and words[j] == "/" and words[j + 1][:1].isdigit():
            q.invalid = True  # "BP >140/90 mmHg", "HDL-C <50/40 mg/dl": two numbers, not one bound
        if q.op == "between":  # "between 5" with no second value: not a bound
            q.op = "="
            q.bare = True


def find_quantities(words: Sequence[str], ents: Sequence[dict], sent_of: Sequence[int],
                    scale_values: set, fillers: frozenset, age_cue_rules: frozenset = frozenset(),
                    range_to_words: frozenset = frozenset(), between_words: frozenset = BETWEEN_WORDS,
                    list_words: frozenset = LIST_WORDS) -> List["Quantity"]:
    """Comparator/value/unit runs among ``ents`` (sorted entity records), left to right;
    ``scale_values`` are the entities scale lengths use, ``fillers`` the words that may stand
    between the parts of one quantity (``quantity_fillers`` in ``configs/constraints.json``),
    ``age_cue_rules`` the ids of the entity rules flagged ``age_cue`` (an age word a postfix
    comparator may follow: "18 years old or older"), ``range_to_words`` the words that join a
    number to an upper bound with its own comparator ("4 to < 17 years"), ``between_words`` /
    ``list_words`` those between the numbers of "between A and B" / of a list ("0, 1 or 2";
    ``between_words`` / ``list_words`` of ``configs/constraints.json``)."""
    reader = _QuantityReader(words, ents, sent_of, scale_values, fillers, age_cue_rules, range_to_words,
                             between_words, list_words)
    quantities: List[Quantity] = []
    i = 0
    while i < len(ents):
        ent = ents[i]
        read = None
        if i not in reader.used and i not in scale_values:
            op = _op(ent) if ent["label"] == "COMPARATOR" else None
            prefix = (ent.get("attrs") or {}).get("prefix_op") if op is not None else None
            if prefix is not None:  # "below 45 or above 120 kg": a postfix phrase before its number
                op = prefix
            if op in BOUND_OPS or op in RANGE_OPS:
                read = reader.read_after_comparator(i, op)
                if read is not None and prefix is not None:
                    read[0].link_word = ent["text"].split()[0].lower()
            elif ent["label"] == "VALUE":
                read = reader.read_from_value(i)
        if read is None:
            i += 1
            continue
        q, last = read
        reader.finish(q)
        quantities.append(q)
        i = max(last, i) + 1
    return quantities


def split_mixed_ranges(quantities: Sequence[Quantity], ents: Sequence[dict], normalize) -> List[Quantity]:
    """A range whose two numbers write different units ("between 6 months and 17 years") is two
    bounds, each in its own unit: a lower on the first, an upper (disjoint) on the second.
    ``normalize`` maps a unit's text to its canonical unit."""
    out: List[Quantity] = []
    for q in quantities:
        if q.op != "range" or len(q.values) != 2 or not all(v in q.units for v in q.values):
            out.append(q)
            continue
        v1, v2 = q.values
        u1, u2 = q.units[v1], q.units[v2]
        n1, n2 = normalize(ents[u1]["text"]) or "", normalize(ents[u2]["text"]) or ""
        if n1.startswith(n2) or n2.startswith(n1):  # "between 40% and 80% predicted": one unit
            out.append(q)
            continue
        exclusive = q.inclusive is False
        low_in, up_in = q.ends if q.ends is not None else (not exclusive, not exclusive)
        first = Quantity(values=[v1], comparators=list(q.comparators), units={v1: u1},
                         op=">=" if low_in else ">", subject=q.subject, sex=q.sex)
        second = Quantity(values=[v2], units={v2: u2}, op="<=" if up_in else "<", disjoint=True,
                          subject=q.subject, sex=q.sex, group_of=first)  # the first's subjects
        for part in (first, second):
            members = part.members()
            part.start = min(ents[m]["token_start"] for m in members)
            part.end = max(ents[m]["token_end"] for m in members)
        out.extend((first, second))
    return out


_WORD_PARTS = re.compile(r"[\s-]+")


#: a Snellen fraction of visual acuity (the ``value.snellen`` rule): its decimal acuity
_SNELLEN = re.compile(r"^20\s?/\s?(\d+(?:\.\d+)?)$")


def read_number(text: str, words: Dict[str, float]) -> Optional[float]:
    """The value of a written number: digits (:func:`parse_number`), a number word of ``words``,
    a tens word and a units word written together ("twenty-one", "forty five"), or a Snellen
    fraction as decimal acuity ("20/50" → 0.4)."""
    value = parse_number(text, words)
    snellen = _SNELLEN.match(text)
    if value is None and snellen:  # "20/50": decimal visual acuity (value.snellen)
        return round(20 / float(snellen.group(1)), 2)
    if value is not None or not words:
        return value
    parts = [p for p in _WORD_PARTS.split(text.strip().lower()) if p]
    if len(parts) == 2 and all(p in words for p in parts):
        tens, ones = words[parts[0]], words[parts[1]]
        if tens >= 20 and tens % 10 == 0 and 0 < ones < 10:
            return tens + ones
    return None


def age_comparator(q: Quantity, ents: Sequence[dict]) -> Optional[int]:
    """The comparator of ``q`` that makes it an age ("older than", "or younger": ``age`` in its
    rule's attrs), or None."""
    return next((c for c in q.comparators if (ents[c].get("attrs") or {}).get("age")), None)


def unit_of(qs: Sequence["Quantity"]) -> Optional[int]:
    """The unit entity of the last value that has one."""
    for q in qs:
        for v in reversed(q.values):
            if v in q.units:
                return q.units[v]
    return None


def is_count(q: Quantity, words: Sequence[str], ents: Sequence[dict], followers: set) -> bool:
    """A number that counts things ("at least 3 abnormalities", "at least three prior regimens")
    rather than bounding a subject: a word follows it that does not continue a bound. A number
    written as a word without a unit counts unless nothing but punctuation or a postfix
    comparator follows it ("aged twenty-one or older", "a score of nine")."""
    if q.units or q.scale_max is not None or q.pair is not None:
        return False
    if any(_fractional(ents[v]["text"]) for v in q.values):
        return False  # "creatinine <= 1.5 mg/deciliter", "> 2.5 x IULN": things are counted in whole numbers
    if any(not any(ch.isdigit() for ch in ents[v]["text"]) for v in q.values) and \
            not _closes_bound(q, words, ents):
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


def is_enumerator(q: Quantity, text: str, words: Sequence[str], ents: Sequence[dict]) -> bool:
    """A bare whole number in brackets that numbers an item of an inline list: "(2) low mood as
    indicated by ... (GDS) (3) alcoholism" — the criterion also writes the item before or after it
    ("(2)" or "(4)"); an item number is no bound (docs/CONSTRAINTS.md)."""
    if not q.bare or q.units or q.comparators or len(q.values) != 1:
        return False
    ent = ents[q.values[0]]
    if not ent["text"].isdigit():
        return False
    i, j = ent["token_start"] - 1, ent["token_end"]
    if i < 0 or j >= len(words) or words[i] != "(" or words[j] != ")":
        return False
    n = int(ent["text"])
    return re.search(rf"\(\s*(?:{n - 1}|{n + 1})\s*\)", text) is not None


def is_formula_term(q: Quantity, words: Sequence[str], ents: Sequence[dict], operators: frozenset) -> bool:
    """ "= N" with no unit, followed by a multiplication sign: a coefficient of a formula
    ("eGFR = 141 × (Scr/0.9)", "FEV1 predicted = 4.30 x height"), not a bound."""
    if q.op != "=" or q.units or not q.values or not q.comparators:
        return False
    j = ents[q.values[-1]]["token_end"]
    while j < len(words) and words[j].isspace():
        j += 1
    return j < len(words) and words[j] in operators


def _fractional(text: str) -> bool:
    """Whether a value is written with a fractional part ("1.5", "2.0", "2,5"), not "1,500"."""
    if _DECIMAL_POINT.search(text):
        return True
    value = parse_number(text)
    return value is not None and value != int(value)


_DECIMAL_POINT = re.compile(r"\d\.\d")
_WORDY = re.compile(r"[^\W\d_]{3,}")


def _closes_bound(q: Quantity, words: Sequence[str], ents: Sequence[dict]) -> bool:
    """Whether the quantity ends its phrase: a postfix comparator closes it, or only punctuation
    (or the end of the text) follows its last value."""
    if any((ents[c].get("attrs") or {}).get("postfix") for c in q.comparators):
        return True
    j = ents[q.values[-1]]["token_end"]
    while j < len(words) and words[j].isspace():
        j += 1
    return j >= len(words) or not any(ch.isalnum() for ch in words[j])


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> "re.Pattern":
    return re.compile(pattern, re.IGNORECASE)


def scale_mentions(text: str, index: EntityIndex, pattern: Optional[str],
                   range_pattern: Optional[str] = None) -> Tuple[set, Dict[int, float]]:
    """Scale lengths ("10 cm VAS scale") and a scale's range in brackets after its score
    ("symptom score (range 0–30)", ``range_pattern``): the VALUE/UNIT indices they use and
    scale_max per subject entity index."""
    ents = index.ents
    consumed: set = set()
    scale_of: Dict[int, float] = {}
    if range_pattern:
        for m in _compiled(range_pattern).finditer(text):
            length = parse_number(m.group("len"))
            for idx, e in enumerate(ents):
                if e["label"] in ("VALUE", "COMPARATOR") and m.start() <= e["start"] and e["end"] <= m.end():
                    consumed.add(idx)
                elif e["label"] == "SCORE" and length is not None and 0 <= m.start() - e["end"] <= 1:
                    scale_of[idx] = number_out(length)
    if not pattern:
        return consumed, scale_of
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

