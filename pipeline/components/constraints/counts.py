"""Counts as constraints: a number that counts things ("at least 2 immunosuppressants", "≥ 2 prior
lines of therapy", "four or five of the following criteria", "at least 5 of 68 tender joints").

A quantity (:mod:`.quantities`) without a unit is a count when a *head* noun of
``configs/counts.json`` follows its number, after at most ``modifier_max`` modifier words
("prior", "tender", "additional Core set"); the head may take one complement ("lines *of
therapy*", "abnormalities *in CSM*"). "N of the following" counts criteria. With a comparator ("at least", "more than", "or more"),
any plural noun phrase counts (``open_head``: "more than 3 previous *concussions*"), except unit
and time words and right after a SCORE or MEASUREMENT name ("ASA 1-3 patients"). The constraint has
category ``count``, the counted phrase as subject, no unit, and the bounds of the quantity;
"N of M heads" and "(66-joint count)" keep M as ``scale_max`` (the count is out of M).

Not counts: an ordinal ("5th grade"), a number written into a name ("3TC"; a bare number after an
acronym: "HIV 1 infection"), a rate word later in the clause ("3 cups of coffee, tea or soft drinks
per day"), a number right after a word that names rather than counts (``exclude_before``:
"grade 3 events", "cycle 1", "n = 20"), a head followed by a rate word ("3 seizures per month":
a frequency), non-integers and numbers above ``max_value``; with no head, :func:`is_count` in
:mod:`.quantities` still drops sample sizes, calendar years and number words as before. A bare
number (no comparator, no list) counts only with a head ("2 prior lines") and is both bounds,
except for a head group marked ``"bare": "lower"`` (methods to use, markers a diagnosis needs:
"use two methods of contraception", "+ one positive antibody" are minimums) and for a comparator
written after the noun (``after_head``: "2 time zones or more", "two organs at maximum", with
which a bare number counts an open head too); a bare number after ``permitted_before`` words is
what is allowed, an upper bound ("may have received one prior chemotherapy regimen"), and after
``definition_before`` words a definition, no count ("ASCT and maintenance are considered 1 line
of therapy"); a modal's
"not" before the comparator flips the bound (``negated_comparator``: "must not have received more
than 2 prior regimens" is at most 2); "one of the
following" alone is not read (it lists alternatives rather than bounding a count).

"N of the X" (``of_the``) with N of at least ``min`` and a comparator counts X ("at least four
of the seven criteria": scale_max 7), and so does a smaller N when X ends in a head of a group
in ``one_heads`` ("at least one of the primary measures", "one or more of the eye examination
or physiotherapy assessments"; not "one or more of the ingredients", "... of the study agents"); "a single X" (:func:`read_singles`, no VALUE entity) is a
count of one when X ends in a listed head or is an acronym; a bare number after a ``repetition``
word ("on two occasions", "an average of 3 measurements") counting one of its heads is how often
something is measured, not a count.
"""

import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from pipeline.components.constraints.bounds import bounds_of
from pipeline.components.constraints.phrases import Word, leading_phrase, phrase_record, words_after, words_before
from pipeline.components.constraints.quantities import Quantity
from pipeline.core.numbers import number_out, parse_number

CATEGORY = "count"


def _phrases(items: Sequence[str]) -> Tuple[Tuple[str, ...], ...]:
    """Word phrases as lower-cased word tuples, longest first."""
    return tuple(sorted({tuple(p.lower().split()) for p in items}, key=len, reverse=True))


@dataclass
class CountRules:
    """``configs/counts.json`` as the reader uses it (``data`` is the file's content)."""
    data: dict

    def __post_init__(self):
        d = self.data
        self.heads: Dict[str, str] = {w.lower(): h["id"] for h in d.get("heads", []) for w in h["words"]}
        #: head groups a bare number of which is a minimum ("use two methods of contraception")
        self.bare_lower = frozenset(h["id"] for h in d.get("heads", []) if h.get("bare") == "lower")
        #: head groups that are heads only before "of" ("two types *of* birth control"; not "class C event")
        self.needs_of = frozenset(h["id"] for h in d.get("heads", []) if h.get("needs_of"))
        # a head whose plural is listed too is singular ("admission": "admissions")
        self.singular_heads = frozenset(w for w in self.heads if w + "s" in self.heads or w + "es" in self.heads
                                        or (w.endswith("y") and w[:-1] + "ies" in self.heads))
        self.modifier_max = int(d.get("modifier_max", 3))
        self.modifier_stops = frozenset(w.lower() for w in d.get("modifier_stops", []))
        self.complement_words = frozenset(w.lower() for w in d.get("complement_words", []))
        self.complement_max = int(d.get("complement_max", 3))
        self.complement_stops = frozenset(w.lower() for w in d.get("complement_stops", []))
        following = d.get("following") or {}
        self.following_id = following.get("id")
        self.following_words = _phrases(following.get("words", []))
        self.following_subject = following.get("subject")
        self.following_bare_min = following.get("bare_min")
        self.total_words = _phrases(d.get("total_words", []))
        joint = d.get("joint_count") or {}
        self.joint_count_id = joint.get("id")
        self.joint_count = re.compile(joint["pattern"], re.IGNORECASE) if joint.get("pattern") else None
        self.rate_words = _phrases(d.get("rate_words", []))
        references = d.get("rate_references") or {}
        self.reference_words = frozenset(w.lower() for w in references.get("words", []))
        self.reference_before = frozenset(w.lower() for w in references.get("before", []))
        self.reference_after = frozenset(w.lower() for w in references.get("after", []))
        self.exclude_before = frozenset(w.lower() for w in d.get("exclude_before", []))
        self.max_value = float(d.get("max_value", 1000))
        open_head = d.get("open_head") or {}
        self.open_id = open_head.get("id")
        self.open_min_length = int(open_head.get("min_length", 4))
        self.open_not_plural = tuple(open_head.get("not_plural_endings", []))
        self.open_not_heads = frozenset(w.lower() for w in open_head.get("not_heads", []))
        self.open_not_singular = frozenset(w.lower() for w in open_head.get("not_singular_heads", []))
        self.irregular_plurals = frozenset(w.lower() for w in open_head.get("irregular_plurals", []))
        self.rate_reach = int(d.get("rate_reach", 0))
        self.ordinal_suffixes = frozenset(w.lower() for w in d.get("ordinal_suffixes", []))
        self.near_rate_words = frozenset(w.lower() for w in d.get("near_rate_words", []))
        self.weak_subject_rules = tuple(d.get("weak_subject_rules", []))
        self.weak_subject_links = frozenset(w.lower() for w in d.get("weak_subject_links", []))
        self.weak_subject_not = frozenset(w.lower() for w in d.get("weak_subject_not", []))
        of_the = d.get("of_the") or {}
        self.of_the_id = of_the.get("id")
        self.of_the_words = _phrases(of_the.get("words", []))
        self.of_the_min = of_the.get("min", 2)
        #: head groups a count below ``min`` after "of the" counts ("at least one of the primary measures")
        self.of_the_one_heads = frozenset(of_the.get("one_heads", []))
        unknown = self.of_the_one_heads - {h["id"] for h in d.get("heads", [])}
        if unknown:
            raise ValueError(f"of_the.one_heads names no head group: {sorted(unknown)}")
        single = d.get("single") or {}
        self.single_id = single.get("id")
        self.single_words = _phrases(single.get("words", []))
        self.single_value = single.get("value", 1)
        self.single_not_first = frozenset(w.lower() for w in single.get("not_first", []))
        #: heads that are units in some company ("3 lines of vision"): (words, phrases after, phrases before)
        self.unit_uses = tuple((frozenset(w.lower() for w in u["words"]), _phrases(u.get("after", [])),
                                _phrases(u.get("before", []))) for u in d.get("unit_uses", []))
        negated = d.get("negated_comparator") or {}
        self.negated_id = negated.get("id")
        self.negated_modals = frozenset(w.lower() for w in negated.get("modals", []))
        self.negated_words = frozenset(w.lower() for w in negated.get("not", []))
        self.negated_between = int(negated.get("max_between", 2))
        self.definition_before = _phrases(d.get("definition_before", []))
        permitted = d.get("permitted_before") or {}
        self.permitted_id = permitted.get("id")
        self.permitted_words = _phrases(permitted.get("words", []))
        after_head = d.get("after_head") or {}
        self.after_head_id = after_head.get("id")
        self.after_head_lower = _phrases(after_head.get("lower", []))
        self.after_head_upper = _phrases(after_head.get("upper", []))
        repetition = d.get("repetition") or {}
        self.repetition_before = frozenset(w.lower() for w in repetition.get("before", []))
        self.repetition_heads = frozenset(w.lower() for w in repetition.get("heads", []))

    @classmethod
    def from_dict(cls, data: dict) -> "CountRules":
        return cls(dict(data))

    def to_dict(self) -> dict:
        return dict(self.data)


def _starts_with(words: Sequence[Word], k: int, phrases: Sequence[Tuple[str, ...]]) -> int:
    """The number of words of the first of ``phrases`` written at ``words[k:]`` (0 when none)."""
    for p in phrases:
        if tuple(w.lower for w in words[k:k + len(p)]) == p:
            return len(p)
    return 0


@dataclass
class Count:
    """A count read from a quantity: its constraint record and the entities it uses."""
    record: dict
    members: List[int]


def _head(words: Sequence[Word], k: int, rules: CountRules, acronyms: bool = False) -> Optional[Tuple[int, int]]:
    """``(first, last)`` word index of the head phrase found within ``modifier_max`` modifier
    words of ``words[k]`` (consecutive heads make one: "drug regimens"), or ``None``. With
    ``acronyms`` (the count has a comparator) a bracketed acronym after a modifier is passed
    over, counting as no modifier ("up to 2 in-stent restenosis *(ISR)* lesions", "more than two
    oral antidiabetic *(OAD)* agents"); a bare number before one is a name's ("sodium-glucose
    co-transporter 2 (SGLT2) inhibitors")."""
    j, seen = k, 0
    while j < len(words) and seen <= rules.modifier_max:
        w = words[j]
        if acronyms and w.text == "(" and j > k and j + 2 < len(words) and _acronym(words[j + 1].text.rstrip("s")) \
                and words[j + 2].text == ")":
            j += 3
            continue
        if not w.alpha:
            return None
        if w.lower in rules.heads:
            last = j
            while last + 1 < len(words) and words[last + 1].lower in rules.heads:
                last += 1
            return j, last
        if w.lower in rules.modifier_stops:
            return None
        j, seen = j + 1, seen + 1
    return None


def _plural(w: str, rules: CountRules) -> bool:
    """``w`` (lower case) reads as a plural noun: one of ``irregular_plurals`` ("foci", "nuclei"),
    or it ends in "s", none of ``not_plural_endings``, at least ``min_length`` letters."""
    return w in rules.irregular_plurals or (
        len(w) >= rules.open_min_length and w.endswith("s") and not w.endswith(rules.open_not_plural))


def is_counted_plural(w: str, rules: CountRules) -> bool:
    """``w`` (lower case) is a plural noun a count may count: :func:`_plural`, not a unit or time
    word (``open_head.not_heads``) and not a repetition's head ("occasions")."""
    return _plural(w, rules) and w not in rules.open_not_heads and w not in rules.repetition_heads


def _plural_after(words: Sequence[Word], j: int, rules: CountRules) -> Optional[int]:
    """The index of the plural noun a singular head stands before: the next word ("word finding
    *difficulties*"), or across "and" / "or" the plural that ends the coordination within
    ``modifier_max`` words ("antihypertensive and/or diuretic *agents*"); ``None`` when there is none."""
    reach = 1
    if j < len(words) and words[j].lower in ("and", "or", "and/or"):
        j, reach = j + 1, rules.modifier_max
    for i in range(j, min(len(words), j + reach)):
        w = words[i]
        if not w.alpha or w.lower in rules.modifier_stops or w.lower in rules.open_not_heads:
            return None
        if _plural(w.lower, rules):
            return i
    return None


def _open_head(words: Sequence[Word], k: int, rules: CountRules, one: bool = False) -> Optional[Tuple[int, int]]:
    """``(first, last)`` word index of a plural noun phrase at ``words[k]`` that no head lists
    ("more than 3 previous *concussions*", "at least 2 permanent first *molars*"): up to
    ``modifier_max + 1`` words with none of the modifier stops, the last one plural (ends in
    "s", none of ``not_plural_endings``, at least ``min_length`` letters). With ``one`` (the
    count is one: "at least one official *match*", "more than one clinically apparent *stroke*")
    the phrase's last word is its head when it is singular, of ``min_length`` letters and in none
    of ``not_heads`` / ``not_singular_heads``."""
    if rules.open_id is None:
        return None
    phrase = leading_phrase(words[k:], rules.modifier_stops, rules.modifier_max + 1)
    if phrase and phrase[0].lower in rules.open_not_heads:
        return None  # "> 480 msecs using Bazett's": the number's unit comes first
    for j in range(len(phrase) - 1, -1, -1):
        w = phrase[j].lower
        if w in rules.open_not_heads:
            return None
        if _plural(w, rules):
            return k, k + j
    if not one or not phrase or any(w.lower in rules.open_not_singular for w in phrase):
        return None
    last = phrase[-1].lower
    after = words[k + len(phrase)].lower if k + len(phrase) < len(words) else ""
    if (len(last) >= rules.open_min_length or _acronym(phrase[-1].text)) and last.isalpha() \
            and after not in ("and", "or", "and/or"):
        return k, k + len(phrase) - 1  # not "at least one general or respiratory symptom": a coordination
    return None


def _acronym(w: str) -> bool:
    """An abbreviation in capitals of two letters or more ("WSL", "ICI"): a noun, however short."""
    return len(w) >= 2 and w.isalpha() and w.isupper()


#: labels whose entity right before a number makes the number its value ("ASA 1-3 patients")
SUBJECT_LABELS = ("SCORE", "MEASUREMENT")


def _bounds_a_subject(text: str, ents: Sequence[dict], start: int, rules: Optional["CountRules"] = None) -> bool:
    """A SCORE or MEASUREMENT entity ends right before ``start`` (a few words, no punctuation
    between): the number is that subject's value, not a count of the noun after it. An entity
    whose rule starts with one of ``weak_subject_rules`` (a shape guess) before a verbal
    comparator does so only across one of ``weak_subject_links`` ("weekly intake *of* more than
    14 drinks"; not "have *experienced* more than 3 previous concussions"), and never when its
    last word is one of ``weak_subject_not`` ("*History* of at least 2 episodes": no measurement)."""
    before = [e for e in ents if e["end"] <= start and e["label"] != "COMPARATOR"]
    if not before:
        return False
    last = max(before, key=lambda e: e["end"])
    gap = text[last["end"]:start]
    if last["label"] not in SUBJECT_LABELS or len(gap) > 12 or any(ch in gap for ch in ",;.()"):
        return False
    weak = rules is not None and str(last.get("rule") or "").startswith(rules.weak_subject_rules or ("\0",))
    named = text[last["start"]:last["end"]].split()
    if weak and named and named[-1].lower() in rules.weak_subject_not:
        return False  # "History of at least 2 sets", "Participation of at least one match": no measurement
    verbal = text[start:start + 1].isalpha()  # "more than 3", not "= 5" or "<50"
    return not (weak and verbal) or any(w in rules.weak_subject_links for w in gap.lower().split())


def _rate_at(words: Sequence[Word], j: int, rules: CountRules) -> bool:
    """A rate word starts at ``words[j]`` that states a rate: not one of ``rate_references``
    written as "according to" ("at least one measurable lesion *per RECIST*", "*as per* the
    investigator", "per the protocol")."""
    n = _starts_with(words, j, rules.rate_words)
    if not n:
        return False
    if words[j].lower in rules.reference_words and (
            (j > 0 and words[j - 1].lower in rules.reference_before)
            or (j + n < len(words) and words[j + n].lower in rules.reference_after)):
        return False
    return True


def _rate_follows(words: Sequence[Word], k: int, rules: CountRules) -> bool:
    """A rate word within ``rate_reach`` words from ``words[k]``, before the clause ends (";"
    or "."): "3 cups of coffee, tea or soft drinks *per day*". A ``near_rate_words`` one ("/")
    counts only at ``words[k]`` ("fractures: basin and */* or femur" is no rate). A rate word
    inside a bracket opened after ``words[k]`` belongs to the bracket's own statement ("at least 2
    methods of contraception *(failure rate less than 1% per year)*"); one after it still counts
    ("5 cigarettes (or equivalent) *per day*"); "per" that refers ("per RECIST") is no rate (:func:`_rate_at`)."""
    depth = 0
    for j in range(k, min(len(words), k + rules.rate_reach)):
        if words[j].text in (";", "."):
            return False
        if words[j].text in "([" and len(words[j].text) == 1:
            depth += 1
        elif words[j].text in ")]" and len(words[j].text) == 1:
            depth = max(0, depth - 1)
        elif depth == 0 and _rate_at(words, j, rules) and (
                j == k or words[j].lower not in rules.near_rate_words):
            return True
    return False


def _list_size(text: str, start: int, rules: CountRules) -> bool:
    """The number at ``start`` is written right after one of the ``following`` words ("the
    following *2* criteria"): it sizes the list (the ``scale_max`` of a count before it)."""
    before = words_before(text, start, max((len(p) for p in rules.following_words), default=0))
    lowered = tuple(w.lower for w in reversed(before))  # in text order
    return any(len(p) <= len(lowered) and lowered[len(lowered) - len(p):] == p for p in rules.following_words)


def _following_total(words: Sequence[Word], k: int, ents: Sequence[dict], value_words: Dict[str, float],
                     least: float) -> Optional[Tuple[str, int]]:
    """``(total, VALUE entity index)`` when a number written right after "the following" at
    ``words[k]`` is the size of the list ("at least three of the following *four* criteria"):
    a VALUE entity there, not below ``least``; else ``None``."""
    if k >= len(words):
        return None
    at = next((i for i, e in enumerate(ents) if e["label"] == "VALUE" and e["start"] == words[k].start), None)
    total = parse_number(words[k].text, value_words) if at is not None else None
    if total is None or total < least:
        return None
    return number_out(total), at


def _of_the_head(words: Sequence[Word], k: int, rules: CountRules,
                 head: Optional[Tuple[int, int]]) -> Optional[Tuple[int, int]]:
    """The counted phrase after "of the" at ``words[k]`` ("at least one of the *primary measures*",
    "one or more of the *eye examination or physiotherapy assessments*"): a listed head, else a
    plural noun phrase, else a singular phrase coordinated with "and" / "or" to a plural; ``None``
    when there is none."""
    phrase = leading_phrase(words[k:], rules.modifier_stops, rules.modifier_max + 1)
    if not phrase or any(w.lower in rules.open_not_heads for w in phrase):
        return None
    last = k + len(phrase) - 1
    plural = _plural_after(words, last + 1, rules)
    if plural is not None and words[last + 1].lower in ("and", "or", "and/or"):
        return k, plural
    if head is not None:
        return head
    if _plural(words[last].lower, rules):
        return k, last
    return None


def _single_head(words: Sequence[Word], rules: CountRules) -> Optional[Tuple[int, int]]:
    """The noun phrase after "a single" when no head lists it: an acronym ending the phrase ("a
    single *ICI* or a combination", "a single *NSAID*"); other nouns are not read ("a single
    radiation port", "a single diameter")."""
    phrase = leading_phrase(words, rules.modifier_stops, rules.modifier_max + 1)
    if phrase and _acronym(phrase[-1].text) and not any(w.lower in rules.open_not_singular for w in phrase):
        return 0, len(phrase) - 1
    return None


def read_singles(text: str, ents: Sequence[dict], rules: CountRules, lookahead: int,
                 condition: Optional[str] = None) -> List[Count]:
    """Counts of one written "a single X" ("a single defect", "a single ICI", "a single
    chemotherapy regimen" → lower and upper ``single.value``; see ``single`` in
    ``configs/counts.json``). No entity is used: "single" is no VALUE."""
    if not rules.single_id or not rules.single_words or "ngle" not in text.lower():
        # (no character matches "n", "g", "l" or "e" case-insensitively but one that lower-cases
        # to it, so a text without "ngle" lower-cased has no "a single")
        return []
    out: List[Count] = []
    taken = [(e["start"], e["end"]) for e in ents if e["label"] in ("VALUE", "COMPARATOR")]
    for m in re.finditer(r"\b(?:an?)\s+single\b(?![-‐])", text, re.IGNORECASE):
        words = words_after(text, m.end(), lookahead)
        if not words or not words[0].alpha or words[0].lower in rules.single_not_first or \
                any(a < m.end() and m.start() < b for a, b in taken):
            continue
        head = _head(words, 0, rules) or _single_head(words, rules)
        if head is None or words[head[1]].lower in rules.repetition_heads:
            continue  # "a single FSH measurement": how often it is measured
        h_last = head[1]
        if _rate_follows(words, h_last + 1, rules):
            continue
        subj_start, subj_end = words[0].start, words[h_last].end
        value = {"value": number_out(rules.single_value), "inclusive": True}
        rule = next((rules.heads[words[i].lower] for i in range(h_last, -1, -1) if words[i].lower in rules.heads),
                    rules.open_id)
        out.append(Count(phrase_record(
            subject=text[subj_start:subj_end].lower(), subject_text=text[subj_start:subj_end],
            subject_span=[subj_start, subj_end], category=CATEGORY, lower=value, upper=dict(value),
            condition=condition, span=[m.start(), subj_end], rules=[rules.single_id, rule]), []))
    return out


def _after_head(words: Sequence[Word], j: int, rules: CountRules, value_words: Dict[str, float]) -> Optional[str]:
    """``"lower"`` or ``"upper"`` when a comparator phrase of ``after_head`` is written at
    ``words[j]``, after the counted noun ("2 time zones *or more*", "two organs *at maximum*",
    "six cycles *or less*"); else ``None``, also when a number stands right before it ("two
    treatments of *three or more* drugs": that number's comparator)."""
    if not rules.after_head_id or j < 1 or j > len(words) or parse_number(words[j - 1].text, value_words) is not None:
        return None
    for side, phrases in (("lower", rules.after_head_lower), ("upper", rules.after_head_upper)):
        n = _starts_with(words, j, phrases)
        if n and not (j + n < len(words) and words[j + n].lower == "than"):  # "or more than 5 mm": the next bound's
            return side
    return None


def _ends_with(words: Sequence[Word], phrases: Sequence[Tuple[str, ...]]) -> bool:
    """``words`` (in text order) end with one of ``phrases``."""
    lowered = tuple(w.lower for w in words)
    return any(len(p) <= len(lowered) and lowered[len(lowered) - len(p):] == p for p in phrases)


def _unit_use(text: str, start: int, words: Sequence[Word], h_last: int, rules: CountRules) -> bool:
    """The head at ``words[h_last]`` is a unit here, as ``unit_uses`` lists it: followed or
    preceded by its phrases ("3 or more lines *of vision*", "decreasing *visual acuity by* 3
    lines or more": lines of an eye chart measure acuity, they count nothing)."""
    for heads, after, before in rules.unit_uses:
        if words[h_last].lower not in heads:
            continue
        if _starts_with(words, h_last + 1, after):
            return True
        n = max((len(p) for p in before), default=0)
        if n and _ends_with(list(reversed(words_before(text, start, n))), before):
            return True
    return False


def _negated_comparator(text: str, start: int, rules: CountRules) -> bool:
    """A modal's "not" stands before the comparator at ``start``, at most ``max_between`` verbs
    apart ("Patients *must not* have received more than 3 prior regimens", "*may not* involve more
    than 3 metastatic sites", "*cannot* have had more than 2"): the comparison is denied."""
    if not rules.negated_id:
        return False
    before = words_before(text, start, rules.negated_between + 2)  # nearest first
    for i, w in enumerate(before[:rules.negated_between + 1]):
        if w.lower in rules.negated_words and (w.lower != "not" or (
                i + 1 < len(before) and before[i + 1].lower in rules.negated_modals)):
            return all(x.alpha and x.lower not in rules.modifier_stops or x.lower in ("have", "had", "be", "been")
                       for x in before[:i])
    return False


def _permitted(text: str, start: int, rules: CountRules) -> bool:
    """One of ``permitted_before`` is written right before the number at ``start`` ("patients
    *may have received* one prior chemotherapy"): the number is what is allowed, at most."""
    if not rules.permitted_id or not rules.permitted_words:
        return False
    before = words_before(text, start, max(len(p) for p in rules.permitted_words))
    return _ends_with(list(reversed(before)), rules.permitted_words)


def _complement(words: Sequence[Word], k: int, rules: CountRules) -> int:
    """The index of the last word of the complement starting at ``words[k]`` ("of therapy"),
    or ``k - 1`` when there is none."""
    if k >= len(words) or words[k].lower not in rules.complement_words:
        return k - 1
    phrase = leading_phrase(words[k + 1:], rules.complement_stops, rules.complement_max)
    return k + len(phrase) if phrase else k - 1


def out_of_total(q: Quantity, ents: Sequence[dict], value_words: Dict[str, float]) -> Optional[float]:
    """The total a pair's second number is when the first is out of it ("at least 6/68 tender
    joints": 6 out of 68), not a second bound ("> 160/100"): one number before it and a larger
    VALUE after, of at least 3 ("HIV 1/2 antibody" names two types); else ``None``."""
    if q.pair is None or len(q.values) != 1 or ents[q.pair]["label"] != "VALUE":
        return None
    first = parse_number(ents[q.values[0]]["text"], value_words)
    total = parse_number(ents[q.pair]["text"], value_words)
    if first is None or total is None or first >= total or total < 3:
        return None
    return total


def read_count(q: Quantity, text: str, ents: Sequence[dict], rules: CountRules,
               value_words: Dict[str, float], lookahead: int, condition: Optional[str] = None) -> Optional[Count]:
    """The count ``q`` states, or ``None`` when it is not one (see the module docstring).
    ``lookahead``: the words read after its number (modifiers, head, complement and their links;
    the factory setting ``count_lookahead``). ``condition`` is the criterion's scoped condition
    (its norm), carried as for other bounds."""
    if q.invalid or q.units or q.scale_max is not None:
        return None
    values = [parse_number(ents[v]["text"], value_words) for v in q.values]
    if any(v is None or not float(v).is_integer() or not 0 <= v <= rules.max_value for v in values):
        return None
    members = q.members()
    start = min(ents[m]["start"] for m in members)
    end = max(ents[m]["end"] for m in members)
    before = words_before(text, start, 1)
    if before and before[0].lower.rstrip(".") in rules.exclude_before:
        return None
    if _list_size(text, start, rules):
        return None  # "1 of the following 2 criteria": the size of the list, not a count
    if q.bare and rules.definition_before and _ends_with(
            list(reversed(words_before(text, start, max(len(p) for p in rules.definition_before)))),
            rules.definition_before):
        return None  # "maintenance were considered 1 line of therapy": a definition, not a bound
    if start >= 2 and text[start - 1] in "-‐" and (text[start - 2].isalpha() or text[start - 2] in ")]"):
        return None  # "PDE-5 inhibitors", "(Phosphodiesterase)-5 inhibitors", "IL-6": a name's number
    if end < len(text) and text[end].isalpha() and text[end:end + 2].lower() not in rules.ordinal_suffixes:
        return None  # "3TC", "5q": part of a name
    if q.bare and before and before[0].text.isupper() and before[0].alpha and before[0].end + 1 >= start:
        return None  # "HIV 1 infection", "DSM 5 criteria", "OTA 42 fractures": a name's number
    words = words_after(text, end, lookahead)
    k = 0
    if len(values) == 1 and len(words) >= 3 and words[0].text == "(" and words[2].text == ")" \
            and parse_number(words[1].text, value_words) == values[0]:
        k = 3  # "at least two (2) prior episodes": the number written twice
        members = members + [i for i, e in enumerate(ents) if e["label"] == "VALUE" and e["start"] == words[1].start]
    scale_max = None
    if q.pair is not None:  # "at least 6/68 tender joints": out of 68
        total = out_of_total(q, ents, value_words)
        if total is None:
            return None
        scale_max = number_out(total)
    rule_ids: List[str] = []
    n = _starts_with(words, k, rules.total_words) if scale_max is None else 0
    if n and k + n < len(words) and words[k + n].text.isdigit():  # "5 of 68 tender joints"
        total = parse_number(words[k + n].text)
        if total is None or total < max(values):
            return None
        scale_max = number_out(total)
        members = members + [i for i, e in enumerate(ents)
                             if e["label"] == "VALUE" and e["start"] == words[k + n].start]
        k += n + 1
    following = 0
    follow_at = k + n  # the first word of "the following"
    if scale_max is None and n:
        following = _starts_with(words, k + n, rules.following_words)
        if following:  # "four or five of the following (criteria)"
            k += n + following
            total = _following_total(words, k, ents, value_words, max(values))
            if total is not None:  # "three of the following four criteria": out of four
                scale_max, value_index = total
                members = members + [value_index]
                k += 1
    of_the = 0
    if scale_max is None and not following and not q.bare and rules.of_the_id and (
            min(values) >= rules.of_the_min or rules.of_the_one_heads):
        of_the = _starts_with(words, k, rules.of_the_words)
        if of_the:  # "at least two of the primary measures"
            k += of_the
            total = _following_total(words, k, ents, value_words, max(values))
            if total is not None:  # "at least four of the seven criteria": out of seven
                scale_max, value_index = total
                members = members + [value_index]
                k += 1
    if words and words[0].lower in rules.ordinal_suffixes and words[0].start == end:
        return None  # "5th grade": an ordinal, not a count
    head = _head(words, k, rules, acronyms=not q.bare)
    if head is not None and rules.heads[words[head[1]].lower] in rules.needs_of and not (
            head[1] + 1 < len(words) and words[head[1] + 1].lower == "of"):
        head = None  # "1 CDC class C event": a name's class, not kinds of something
    open_head = False
    if of_the:
        head = _of_the_head(words, k, rules, head)
        if head is None:
            return None
        if min(values) < rules.of_the_min and rules.heads.get(words[head[1]].lower) not in rules.of_the_one_heads:
            return None  # "one or more of the ingredients", "... of the study agents": alternatives, not a count
    if head is None and not following and scale_max is None and not _bounds_a_subject(text, ents, start, rules):
        head = _open_head(words, k, rules, one=max(values) <= 1)  # a comparator, a whole number, a noun: a count
        if head is not None and q.bare and not (len(q.values) == 1 and _after_head(words, head[1] + 1, rules, value_words)):
            head = None  # a bare number counts an open head only with a comparator after it ("2 time zones or more")
        open_head = head is not None
    if head is None and not following:
        return None
    if head is not None and not open_head and max(values) > 1 and words[head[1]].lower in rules.singular_heads:
        plural = _plural_after(words, head[1] + 1, rules)
        if plural is None:
            return None  # "NovoMix 30 treatment", "score above 7 prior admission": a name or a value, not a count
        head = (head[0], plural)  # "13 word finding difficulties", "5 antihypertensive and/or diuretic agents"
    if q.bare and len(q.values) == 1 and (head is None or following) and not (
            following and rules.following_bare_min is not None and values[0] >= rules.following_bare_min):
        return None  # "one of the following": alternatives, not a bound
    if head is None:
        if not rules.following_subject:
            return None
        subject = rules.following_subject
        subj_start, subj_end = words[follow_at].start, words[k - 1].end  # "the following"
        rule_ids.append(rules.following_id)
        span_end = subj_end
    else:
        h_last = head[1]
        if _unit_use(text, start, words, h_last, rules):
            return None  # "3 or more lines of vision": a unit of acuity
        c_last = _complement(words, h_last + 1, rules)
        if _rate_at(words, max(h_last, c_last) + 1, rules) or \
                _rate_at(words, h_last + 1, rules) or _rate_follows(words, h_last + 1, rules):
            return None  # "3 seizures per month", "5 cigarettes (or equivalent) per day": a frequency
        subj_start, subj_end = words[k].start, words[max(h_last, c_last)].end
        subject = text[subj_start:subj_end].lower()
        if following:  # "≥ 2 of the following risk factors": the span holds "the following" too
            subj_start = words[follow_at].start
        rule_ids.append(rules.open_id if open_head else next(
            (rules.heads[words[i].lower] for i in range(h_last, head[0] - 1, -1) if words[i].lower in rules.heads),
            rules.open_id))
        if of_the:
            rule_ids.append(rules.of_the_id)
        if following:
            rule_ids.append(rules.following_id)
        span_end = subj_end
        jc = rules.joint_count.match(text, words[h_last].end) if rules.joint_count and scale_max is None else None
        if jc and parse_number(jc.group("total")) >= max(values):  # "≥ 4 swollen joints (66-joint count)"
            scale_max = number_out(parse_number(jc.group("total")))
            rule_ids.append(rules.joint_count_id)
            span_end = max(span_end, jc.end())
    if q.bare and head is not None and before and before[0].lower in rules.repetition_before \
            and words[head[1]].lower in rules.repetition_heads:
        return None  # "on two occasions", "an average of 3 measurements": how often it is measured
    lower, upper = bounds_of(q, ents, value_words)
    side = _after_head(words, max(h_last, c_last) + 1, rules, value_words) if head is not None and q.bare and len(q.values) == 1 \
        else None
    if side is None and head is not None and q.bare and len(q.values) == 1:
        side = _after_head(words, h_last + 1, rules, value_words)
    if side == "lower":
        upper = None  # "2 time zones or more", "three medicines or more": at least
        rule_ids.append(rules.after_head_id)
    elif side == "upper":
        lower = None  # "two organs at maximum", "six cycles or less": at most
        rule_ids.append(rules.after_head_id)
    elif not q.bare and (lower is None) != (upper is None) and _negated_comparator(text, start, rules):
        bound = lower or upper  # "must not have received more than 3 prior regimens": at most 3
        flipped = {"value": bound["value"], "inclusive": not bound["inclusive"]}
        lower, upper = (None, flipped) if lower is not None else (flipped, None)
        rule_ids.append(rules.negated_id)
    elif head is not None and q.bare and len(q.values) == 1 and _permitted(text, start, rules):
        lower = None  # "Patient may have had one previous chemotherapy line": at most one
        rule_ids.append(rules.permitted_id)
    elif q.bare and len(q.values) == 1 and (following or rule_ids[0] in rules.bare_lower):
        upper = None  # "four of the following criteria", "use two methods of contraception": at least
    if lower is None and upper is None:
        return None
    record = phrase_record(
        subject=subject, subject_text=text[subj_start:subj_end], subject_span=[subj_start, subj_end],
        category=CATEGORY, lower=lower, upper=upper, scale_max=scale_max, condition=condition,
        span=[start, max(end, span_end)], rules=rule_ids + [ents[m]["rule"] for m in sorted(members)])
    return Count(record, sorted(members))


def count_relations(members: Sequence[int], q: Quantity) -> List[Tuple[int, int, str]]:
    """has_comparator pairs of a count (it has no subject entity to hang has_value on)."""
    return [(v, c, "has_comparator") for v in q.values for c in q.comparators if c in members]
