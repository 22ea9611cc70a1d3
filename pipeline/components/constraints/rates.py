"""Things counted per time (category ``measurement``): "> 2 alcoholic drinks per day", "no more
than 3 cups of coffee, tea or soft drinks per day", "< 3 bowel movements (BMs) per week". The
number stands before what it counts and the rate words after it; the counted phrase is the subject
and the period the unit (``/d``, ``/wk``): GUIDELINE "Things counted per time are a rate of that
time". :mod:`.counts` leaves such numbers out (a frequency is no count); a rate whose noun is in
the unit itself ("14 drinks per week", ``unit.per_time``) is a quantity with a unit, read by the
other steps. Words are data: ``rates`` of ``configs/constraints.json``."""

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

from pipeline.components.constraints.bounds import bounds_of
from pipeline.components.constraints.phrases import Word, phrase_record, words_after, words_before
from pipeline.components.constraints.quantities import Quantity

CATEGORY = "measurement"


@dataclass(frozen=True)
class RateRules:
    """``rates`` of ``configs/constraints.json``: ``per`` words before a period ("per", "a",
    "each"), the periods and the unit each makes, single words that are a rate ("daily"), the
    words that join a counted phrase ("of", ",", "or"), the words it must not start with (a time
    or a unit is not a counted thing: "12 hours a day"), the words that end it without a rate, and
    how many words it has at most (links not counted); ``not_comparators``: comparator rules that
    alone make no rate bound (the range sign of "1-3 injections per day"); ``left_links`` /
    ``left_stops``: the words stepped over / ending a rate phrase before the comparator ("an
    average weekly intake of > 14 drinks"), ``left_not_counted`` the words after its number that
    count nothing ("daily intake of > 2 g": a unit)."""
    id: str = "rate.counted"
    per: frozenset = frozenset()
    periods: Dict[str, str] = field(default_factory=dict)
    single: Dict[str, str] = field(default_factory=dict)
    links: frozenset = frozenset()
    not_first: frozenset = frozenset()
    stops: frozenset = frozenset()
    max_words: int = 6
    not_comparators: frozenset = frozenset()
    left_stops: frozenset = frozenset()
    left_links: frozenset = frozenset()
    left_not_counted: frozenset = frozenset()
    amount_id: str = "rate.amount"
    amount_units: frozenset = frozenset()
    amount_skip: tuple = ()
    amount_max_words: int = 4

    @classmethod
    def from_dict(cls, data: dict) -> Optional["RateRules"]:
        if not data:
            return None
        low = lambda items: frozenset(w.lower() for w in items)  # noqa: E731
        return cls(id=data.get("id", "rate.counted"), per=low(data.get("per", [])),
                   periods={k.lower(): v for k, v in data.get("periods", {}).items()},
                   single={k.lower(): v for k, v in data.get("single", {}).items()},
                   links=low(data.get("links", [])), not_first=low(data.get("not_first", [])),
                   stops=low(data.get("stops", [])), max_words=int(data.get("max_words", 6)),
                   not_comparators=frozenset(data.get("not_comparators", [])),
                   left_stops=low(data.get("left_stops", [])), left_links=low(data.get("left_links", [])),
                   left_not_counted=low(data.get("left_not_counted", [])),
                   amount_id=data.get("amount_id", "rate.amount"),
                   amount_units=frozenset(data.get("amount_units", [])),
                   amount_skip=tuple(tuple(p.lower().split()) for p in data.get("amount_skip", [])),
                   amount_max_words=int(data.get("amount_max_words", 4)))


def _rate_at(words: Sequence[Word], k: int, rules: RateRules) -> Optional[tuple]:
    """The unit and the last word index of a rate starting at word ``k`` ("per day", "a week",
    "/day", "daily"), else None."""
    w = words[k].lower
    if w in rules.single:
        return rules.single[w], k
    if w.startswith("/") and w[1:] in rules.periods:
        return rules.periods[w[1:]], k
    if w in rules.per and k + 1 < len(words) and words[k + 1].lower in rules.periods:
        return rules.periods[words[k + 1].lower], k + 1
    return None


def _rate_quantity(q: Quantity, ents: Sequence[dict], rules: RateRules) -> bool:
    """A comparison of numbers without unit that can bound a rate."""
    if q.units or q.bare or q.pair is not None or q.scale_max is not None or q.number is not None:
        return False
    if not any(ents[c]["rule"] not in rules.not_comparators for c in q.comparators):
        return False  # "1-3 injections per day": a range sign alone is a regimen, no bound
    return q.op != "="  # "1 pack year = 20 cigarettes per day": a definition


def _counted_after(text: str, end: int, rules: RateRules) -> Optional[Word]:
    """The counted word right after a number ("> 14 *drinks* for males")."""
    words = words_after(text, end, 2)
    if not words or not words[0].alpha or words[0].lower in rules.left_not_counted or words[0].lower in rules.stops:
        return None
    if len(words) > 1 and _rate_at(words, 1, rules) is not None:
        return None  # "> 3 drinks daily": the rate follows
    return words[0]


def read_left_rate(q: Quantity, text: str, ents: Sequence[dict], rules: RateRules, value_words: Dict[str, float],
                   previous: Optional[dict] = None, populations=None) -> Optional[dict]:
    """The rate constraint of ``q`` when a phrase holding a rate word stands right before its
    comparator and a counted word after its number: "an average weekly intake of > 14 drinks" ->
    ``average weekly intake`` lower 14 ``/wk``. ``previous``: the rate constraint read so for the
    quantity before, which a next one of the same counted word continues ("... > 14 drinks for
    males or > 7 drinks for females"); the record keeps the sex a quantity is written for, also
    when "for males" follows the counted word (``populations``: the :class:`PopulationWords`)."""
    if not _rate_quantity(q, ents, rules):
        return None
    word = _counted_after(text, ents[q.values[-1]]["end"], rules)
    if word is None:
        return None
    counted = word.lower
    start = min(ents[i]["start"] for i in q.members())
    before = words_before(text, start, 8)
    k = 0
    while k < len(before) and before[k].lower in rules.left_links:
        k += 1
    phrase: List[Word] = []
    while k < len(before) and len(phrase) < 4 and before[k].alpha and before[k].lower not in rules.left_stops:
        phrase.append(before[k])
        k += 1
    phrase.reverse()
    unit = next((rules.single[w.lower] for w in phrase if w.lower in rules.single), None)
    if unit is not None:
        subject_span = [phrase[0].start, phrase[-1].end]
    elif previous is not None and previous.get("_counted") == counted and \
            not any(ch in text[previous["span"][1]:start] for ch in ".;:") and \
            len(text[previous["span"][1]:start].split()) <= 4:
        unit, subject_span = previous["unit"], previous["subject_span"]
    else:
        return None
    lower, upper = bounds_of(q, ents, value_words)
    if lower is None and upper is None:
        return None
    members = q.members()
    record = phrase_record(
        subject=" ".join(text[slice(*subject_span)].lower().split()), subject_text=text[slice(*subject_span)],
        subject_span=subject_span, category=CATEGORY, lower=lower, upper=upper, unit=unit,
        span=[min(start, subject_span[0]), word.end],
        rules=[rules.id] + [ents[m]["rule"] for m in members])
    _with_sex(record, q, text, word.end, populations)
    record["_counted"] = counted
    return record


def _with_sex(record: dict, q: Quantity, text: str, end: int, populations) -> None:
    """``population`` of a rate written for one sex: the quantity's own (:mod:`.populations`), or
    "for men" or "(females)" right after the rate or its counted word at ``end`` ("5 or more
    drinks per day for men", "greater than 2 units (females)"; ``populations``: the
    :class:`PopulationWords`)."""
    sex = q.sex
    if sex is None and populations is not None:
        after = words_after(text, end, 2)
        if len(after) == 2 and (after[0].lower in populations.prepositions or after[0].text == "("):
            sex = populations.sex_words.get(after[1].lower)  # "for men", "(females)"
    if sex is not None:
        record["population"] = {"sex": sex}


def read_rate(q: Quantity, text: str, ents: Sequence[dict], rules: RateRules, value_words: Dict[str, float],
              condition: Optional[str] = None, populations=None) -> Optional[dict]:
    """The rate constraint of quantity ``q`` (a comparator or range, numbers without unit) when
    a counted phrase and a rate follow its last number; None otherwise. Its subject is the phrase
    before any bracket in it ("5 cigarettes (or equivalent) per day": ``cigarettes``)."""
    if not _rate_quantity(q, ents, rules):
        return None
    end = ents[q.values[-1]]["end"]
    words = words_after(text, end, 2 * rules.max_words + 12)
    phrase: List[Word] = []
    depth, k, closed = 0, 0, False
    while k < len(words):
        w = words[k]
        if depth:
            depth += {"(": 1, ")": -1}.get(w.text, 0)
            closed = True
            k += 1
            continue
        if w.text == "(" and phrase:
            depth = 1
            k += 1
            continue
        rate = _rate_at(words, k, rules) if phrase else None
        if rate is not None:
            break
        if closed or w.lower in rules.stops or \
                sum(1 for x in phrase if x.lower not in rules.links) == rules.max_words:
            return None
        if w.lower in rules.links and phrase:
            phrase.append(w)
        elif w.alpha and not (not phrase and (w.lower in rules.not_first or w.lower in rules.links)):
            phrase.append(w)
        else:
            return None
        k += 1
    else:
        return None
    unit, last = rate
    named = phrase
    while named and named[-1].lower in rules.links:
        named = named[:-1]
    if not named:
        return None
    lower, upper = bounds_of(q, ents, value_words)
    if lower is None and upper is None:
        return None
    start = min(ents[i]["start"] for i in q.members())
    members = q.members()
    record = phrase_record(
        subject=" ".join(text[named[0].start:named[-1].end].lower().split()),
        subject_text=text[named[0].start:named[-1].end], subject_span=[named[0].start, named[-1].end],
        category=CATEGORY, lower=lower, upper=upper, unit=unit, condition=condition,
        span=[start, words[last].end], rules=[rules.id] + [ents[m]["rule"] for m in members])
    _with_sex(record, q, text, words[last].end, populations)
    return record


def amount_period(text: str, end: int, rules: RateRules) -> Optional[tuple]:
    """``(rate unit, end)`` of the period that follows an amount's substance at character ``end``
    ("20 mg *prednisolone per day*", "25 g *of alcohol per day*", "10 mg prednisone *or
    equivalent per day*", "4 mg methylprednisolone */day*"): at most ``amount_max_words`` words of
    the substance (after one link word such as "of"), an ``amount_skip`` phrase, then the rate
    ("per day", "a week", "/day", "daily"); ``None`` when a stop word ("twice a day": a
    frequency), a number or punctuation comes first."""
    words = words_after(text, end, rules.amount_max_words + 8)
    k = 0
    if words and words[0].lower in rules.links and words[0].alpha:
        k = 1  # "25 g of alcohol per day"
    named = 0
    while k < len(words):
        rate = _rate_at(words, k, rules)
        if rate is not None:
            return rate[0], words[rate[1]].end
        skip = next((p for p in rules.amount_skip if tuple(w.lower for w in words[k:k + len(p)]) == p), None)
        if skip is not None:
            k += len(skip)
            continue
        w = words[k]
        if not w.alpha or w.lower in rules.stops or w.lower in rules.per or w.lower in rules.links \
                or named == rules.amount_max_words:
            return None
        named += 1
        k += 1
    return None
