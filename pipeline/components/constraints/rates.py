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
from pipeline.components.constraints.phrases import Word, phrase_record, words_after
from pipeline.components.constraints.quantities import Quantity

CATEGORY = "measurement"


@dataclass(frozen=True)
class RateRules:
    """``rates`` of ``configs/constraints.json``: ``per`` words before a period ("per", "a",
    "each"), the periods and the unit each makes, single words that are a rate ("daily"), the
    words that join a counted phrase ("of", ",", "or"), the words it must not start with (a time
    or a unit is not a counted thing: "12 hours a day"), the words that end it without a rate, and
    how many words it has at most (links not counted); ``not_comparators``: comparator rules that
    alone make no rate bound (the range sign of "1-3 injections per day")."""
    id: str = "rate.counted"
    per: frozenset = frozenset()
    periods: Dict[str, str] = field(default_factory=dict)
    single: Dict[str, str] = field(default_factory=dict)
    links: frozenset = frozenset()
    not_first: frozenset = frozenset()
    stops: frozenset = frozenset()
    max_words: int = 6
    not_comparators: frozenset = frozenset()

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
                   not_comparators=frozenset(data.get("not_comparators", [])))


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


def read_rate(q: Quantity, text: str, ents: Sequence[dict], rules: RateRules, value_words: Dict[str, float],
              condition: Optional[str] = None) -> Optional[dict]:
    """The rate constraint of quantity ``q`` (a comparator or range, numbers without unit) when
    a counted phrase and a rate follow its last number; None otherwise. Its subject is the phrase
    before any bracket in it ("5 cigarettes (or equivalent) per day": ``cigarettes``)."""
    if q.units or q.bare or q.pair is not None or q.scale_max is not None or q.number is not None:
        return None
    if not any(ents[c]["rule"] not in rules.not_comparators for c in q.comparators):
        return None  # "1-3 injections per day": a range sign alone is a regimen, no bound
    if q.op == "=":
        return None  # "1 pack year = 20 cigarettes per day": a definition
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
    return phrase_record(
        subject=" ".join(text[named[0].start:named[-1].end].lower().split()),
        subject_text=text[named[0].start:named[-1].end], subject_span=[named[0].start, named[-1].end],
        category=CATEGORY, lower=lower, upper=upper, unit=unit, condition=condition,
        span=[start, words[last].end], rules=[rules.id] + [ents[m]["rule"] for m in members])
