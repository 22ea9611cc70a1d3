"""Time windows and durations as constraints (issue #13).

"Had received live vaccine within 4 weeks before screening" → a ``temporal`` constraint on the
live vaccine: ``upper`` 4 weeks inclusive, ``anchor`` screening, ``direction`` before;
"diagnosed for at least 1 year" → a ``duration``: ``lower`` 1 year inclusive.

Pure functions over the criterion text; every phrase is data in ``configs/time.json``
(:class:`TimeConfig`, schema ``time_config.json``):

- :func:`find_windows` reads each *time quantity*: an optional comparator phrase ("within the
  last", "at least", "for more than", "<"), a number or a range (digits or number words), a time
  unit, an optional postfix ("or more"), an optional marker ("before", "since", "after", "ago")
  with its anchor ("screening", "the first dose", ...) or the event that follows it ("since prior
  immunotherapy");
- :func:`time_constraints` turns the windows into constraint records: the event (the noun phrase
  before the window, or after "since"/"after", tightened to an entity inside it; coordinated
  events split by :func:`split_events`, one record each), bounds, unit, anchor and direction,
  with the ids of the phrases that fired in ``rules``.

A window with neither comparator, postfix nor marker ("12 weeks of treatment") is no constraint;
one that overlaps a constraint made by the other steps (an age, a life expectancy) is left to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Dict, List, Optional, Sequence, Tuple

import regex

from pipeline.core.numbers import number_out, parse_number
from pipeline.core.spans import overlaps

#: labels that are parts of a quantity, never the event of a window
PART_LABELS = frozenset({"VALUE", "UNIT", "COMPARATOR", "CUE", "TEMPORAL"})
#: the anchor of a window that names none: the time of assessment
NOW = "now"
#: the fixed patterns of the functions below, compiled once (a module-level ``regex.search(str)``
#: looks its pattern up in the cache on every call, some 20 µs)
_WORD = regex.compile(r"\S+")
_LETTER = regex.compile(r"[^\W\d_]")
_TWO_LETTERS = regex.compile(r"[^\W\d_]{2}")
_WORD_CHAR = regex.compile(r"\w")
_LAST_WORD = regex.compile(r"[\w-]+$")
_ASIDE_QUANTITY = regex.compile(r"[<>=≤≥%]|\d\s*[a-z]")
_AND = regex.compile(r"\s*and\s*")
_NAME_NUMBER = regex.compile(r"[-‐]\w")
_SENTENCE_END = regex.compile(r"[;.]\s")


def _phrase(pattern: str) -> str:
    """A config phrase as a regex: ``" ?"`` is optional whitespace, a space any whitespace."""
    return pattern.replace(" ?", r"\s*").replace(" ", r"\s+")


@dataclass
class TimeConfig:
    """The phrase tables of ``configs/time.json``, compiled once."""

    data: dict
    master: regex.Pattern = field(repr=False, default=None)
    candidate: regex.Pattern = field(repr=False, default=None)
    comparators: List[dict] = field(default_factory=list)
    postfix: List[dict] = field(default_factory=list)
    markers: List[dict] = field(default_factory=list)
    anchors: List[dict] = field(default_factory=list)
    units: List[dict] = field(default_factory=list)
    numbers: Dict[str, float] = field(default_factory=dict)
    conjunction: Optional[regex.Pattern] = field(repr=False, default=None)  # where coordinated events split
    conjunction_id: Optional[str] = None
    object_of: Optional[regex.Pattern] = field(repr=False, default=None)  # "X of A or B": the objects are joined
    list_item_words: int = 0  # a cut-off list reaches back over items this short
    own_window: Optional[regex.Pattern] = field(repr=False, default=None)  # "..., or planning to ... within"
    alternative: Optional[regex.Pattern] = field(repr=False, default=None)  # "within 30 days or 5 half-lives"
    master_one: Optional[regex.Pattern] = field(repr=False, default=None)  # "within the past year"
    one_candidate: Optional[regex.Pattern] = field(repr=False, default=None)
    one_comparator: Optional[regex.Pattern] = field(repr=False, default=None)  # a comparator right before
    implied_one_id: Optional[str] = None
    recency: Optional[regex.Pattern] = field(repr=False, default=None)  # "past" in "within the past year"
    alternative_id: Optional[str] = None
    list_goes_on: Optional[regex.Pattern] = field(repr=False, default=None)  # ", lactating" after a window
    shared_head: Optional[regex.Pattern] = field(repr=False, default=None)  # "acute ischemic" or ... stroke
    noun_word: Optional[regex.Pattern] = field(repr=False, default=None)  # "corticosteroids" or ...: no modifier
    bracket_opening: Optional[regex.Pattern] = field(repr=False, default=None)  # "(" before "6 weeks for X"
    bracket_link: Optional[regex.Pattern] = field(repr=False, default=None)  # "for" after it
    bracket_id: Optional[str] = None
    duration_head: Optional[regex.Pattern] = field(repr=False, default=None)  # "life expectancy" ending the event
    not_after_unit: Dict[str, regex.Pattern] = field(default_factory=dict)  # "weeks" + "of amenorrhea"
    range_before: Optional[regex.Pattern] = field(repr=False, default=None)  # "lasting about" 4-72 hours
    range_after: Optional[regex.Pattern] = field(repr=False, default=None)  # 3 to 48 hours "duration"
    range_duration_id: Optional[str] = None
    rate_start: Optional[regex.Pattern] = field(repr=False, default=None)  # "/day" after a leading quantity
    rate_after_word: Optional[regex.Pattern] = field(repr=False, default=None)  # "cigs/day" after it
    rate_units: frozenset = frozenset()  # unit rules holding the rate words ("days per month")
    period_cue: Optional[regex.Pattern] = field(repr=False, default=None)  # "during the study and" for N after
    bare_lower: Optional[regex.Pattern] = field(repr=False, default=None)  # "12 months of *amenorrhea*"
    bare_lower_id: Optional[str] = None
    period_id: Optional[str] = None
    ceased: Optional[regex.Pattern] = field(repr=False, default=None)  # "*discontinue* drug 7 days prior to"
    ceased_id: Optional[str] = None
    after_duration_id: Optional[str] = None  # "for more than 14 days *in the past 6 months*": the same events
    event_after: Optional[regex.Pattern] = field(repr=False, default=None)  # "Within 2 weeks *a blood transfusion*"
    event_after_not: Optional[regex.Pattern] = field(repr=False, default=None)
    event_after_verbs: Optional[regex.Pattern] = field(repr=False, default=None)
    event_after_id: Optional[str] = None
    plan_conjunct: Optional[regex.Pattern] = field(repr=False, default=None)  # "... or *planned* within 6 months"
    plan_conjunct_id: Optional[str] = None

    @classmethod
    def from_dict(cls, data: dict) -> "TimeConfig":
        cfg = cls(data=data)
        cfg.comparators, cfg.postfix = list(data["comparators"]), list(data["postfix"])
        cfg.markers, cfg.anchors, cfg.units = list(data["markers"]), list(data["anchors"]), list(data["units"])
        cfg.numbers = {k.lower(): float(v) for k, v in data["number_words"].items()}
        words = sorted(cfg.numbers, key=len, reverse=True)
        num = r"(?:\d+(?:[.,]\d+)?|(?:%s)(?![\w-]))" % "|".join(regex.escape(w) for w in words)

        def alt(prefix: str, items: List[dict]) -> str:
            return "|".join(f"(?P<{prefix}{i}>{_phrase(it['pattern'])})" for i, it in enumerate(items))

        comparators = alt("c", cfg.comparators)
        # an article may stand between the comparator and a written number ("at least a 6-month
        # history of asthma"); after the unit: a postfix ("or more"), a marker ("before") and its
        # anchor ("screening")
        # (a postfix before "than" is the next quantity's comparator: "within 30 days or fewer than 5
        # half-lives")
        # a verb of elapsing may stand before the marker: "at least 4 weeks must have elapsed since
        # prior chemotherapy" (``elapsed`` of configs/time.json)
        elapsed = r"(?:\s*(?:%s)(?=\s))?" % _phrase(data["elapsed"]) if data.get("elapsed") else ""
        tail = (r"(?:\s*(?P<post>%s)(?![\w])(?!\s+than\b))?" % alt("p", cfg.postfix)
                + elapsed
                + r"(?:\s*(?P<mk>%s)(?![\w])(?:\s*(?P<anc>%s)(?![\w]))?)?" % (alt("m", cfg.markers),
                                                                              alt("a", cfg.anchors)))
        fillers = data.get("unit_fillers")
        between = r"(?:\s+(?:%s))?" % fillers if fillers else ""
        pattern = (
            r"(?<![\w.,])(?:(?P<cmp>%s)\s*(?:an?\s+(?=\d))?)?" % comparators
            # the number repeated in brackets: "within three (3) months", "within 30 (thirty) days"
            + r"(?P<n1>%s)(?:\s*\(\s*%s\s*\))?(?:\s*(?:-|–|—|~|to|and)\s*(?P<n2>%s))?" % (num, num, num)
            # a postfix and a filler may stand between the number and its unit: "2 or more weeks",
            # "for 6 or more consecutive days", "at least 8 consecutive weeks" (unit_fillers)
            + r"(?:\s+(?P<pre>%s)(?![\w]))?" % alt("q", cfg.postfix)
            + between
            + r"[\s-]*(?P<unit>%s)(?![\w])" % alt("u", cfg.units)
            + tail
        )
        cfg.master = regex.compile(pattern, regex.IGNORECASE)
        one = data.get("implied_one")
        if one:
            # "within the past year", "in the last month": a singular unit right after a comparator
            # is one of it (no number, so not in the master pattern)
            singular = one["units"]
            units_one = "|".join(f"(?P<u{i}>{_phrase(singular[u['canonical']])})" if u["canonical"] in singular
                                 else f"(?P<u{i}>(?!))" for i, u in enumerate(cfg.units))
            cfg.master_one = regex.compile(
                r"(?<![\w.,])(?P<cmp>%s)\s*(?P<n1>)(?P<n2>(?!))?(?P<unit>%s)(?![\w])" % (comparators, units_one) + tail,
                regex.IGNORECASE)
            cfg.one_candidate = regex.compile(r"\b(?:%s)\b" % "|".join(_phrase(v) for v in singular.values()), regex.IGNORECASE)
            # and behind such a unit a comparator and whitespace (what master_one needs there; the
            # comparators tried only behind the few units found, not at every position)
            units_any = "|".join(f"(?:{_phrase(singular[u['canonical']])})" for u in cfg.units if u["canonical"] in singular)
            cfg.one_comparator = regex.compile(r"(?:%s)(?<=(?:%s)\s*(?:%s))(?![\w])" % (
                units_any, "|".join(f"(?:{_phrase(c['pattern'])})" for c in cfg.comparators), units_any), regex.IGNORECASE)
            cfg.implied_one_id = one["id"]
            cfg.recency = regex.compile(r"\b(?:%s)\b" % one["recency"], regex.IGNORECASE) if one.get("recency") else None
        # every window holds a number and a time unit next to it: a criterion without that pair is
        # skipped after one scan of this much smaller pattern (the master pattern tries every
        # comparator at every position). It looks for the unit and then behind it for the number:
        # it matches where "number, then the unit" would (any substring of that form ends where
        # the unit starts), but tries the number words only where a unit starts, about 5× faster
        # than trying them at every position
        cfg.candidate = regex.compile(
            r"(?<=(?:\d|(?:%s)(?![\w-]))\)?(?:\s+or\s+\w+)?%s[\s-]*)(?:%s)(?![\w])" % (
                "|".join(regex.escape(w) for w in words), between,
                "|".join(f"(?:{_phrase(u['pattern'])})" for u in cfg.units)),
            regex.IGNORECASE)
        cfg.not_after = regex.compile(r"\s*(?:%s)" % data["not_after"], regex.IGNORECASE)
        cfg.not_after_unit = {unit: regex.compile(r"\s*(?:%s)" % words, regex.IGNORECASE)
                               for unit, words in data.get("not_after_unit", {}).items()}
        cfg.not_before = regex.compile(r"(?:^|\W)(?:%s)\W*$" % data["not_before"], regex.IGNORECASE)
        cfg.duration_cue = regex.compile(r"\b(?:%s)\b" % data["duration_cues"], regex.IGNORECASE)
        # an example list ("medications, e.g. oxycodone", "minor procedures such as biopsies") ends
        # the phrase like a boundary, and the event is the head before it
        cues = data.get("example_cues")
        cfg.example_cue = regex.compile(r"(?:%s)" % cues, regex.IGNORECASE) if cues else None
        cfg.example_head = regex.compile(r"(?:^|\W)(?:%s)$" % data["example_heads"], regex.IGNORECASE) if cues else None
        cfg.measured_categories = frozenset(data.get("event_from_categories", ()))
        mods = data.get("bracket_modifiers")
        cfg.modifier_word = regex.compile(r"(?:%s|%s)" % (mods, data["event_strip"]), regex.IGNORECASE) if mods else None
        cfg.bracket_modifier = regex.compile(r"(?:%s)" % mods, regex.IGNORECASE) if mods else None
        recency = data.get("bracket_recency")
        cfg.bracket_recency = regex.compile(r"(?:%s)" % recency, regex.IGNORECASE) if recency else None
        cfg.boundary = regex.compile(data["event_boundaries"] + (r"|(?<!\w)(?:%s)" % cues if cues else ""),
                                     regex.IGNORECASE)
        cfg.strip = regex.compile(r"^\W*(?:(?:%s)\b\W*)+" % data["event_strip"], regex.IGNORECASE)
        cfg.strip_end = regex.compile(r"(?:\W*\b(?:%s))+\W*$" % data["event_strip"], regex.IGNORECASE)
        cfg.max_words = int(data["event_max_words"])
        cfg.entity_gap = int(data["entity_max_gap"])
        heads = data.get("duration_heads")
        cfg.duration_head = regex.compile(r"\b(%s)(?:\s+(?:of|is|was|are))?\W*$" % heads, regex.IGNORECASE) \
            if heads else None
        cfg.duration_subjects = [(regex.compile(r"(?:%s)" % _phrase(d["pattern"]), regex.IGNORECASE), d["subject"])
                                 for d in data["duration_subjects"]]
        cfg.coordinator = regex.compile(r"\s*(?:%s)\s*" % data["coordinators"], regex.IGNORECASE)
        cfg.coordinator_word = regex.compile(r"\b(?:%s)\b" % "|".join(
            w for w in data["coordinators"].split("|") if regex.match(r"\w", w)), regex.IGNORECASE)
        conj = data.get("event_conjunction")
        if conj:
            cfg.conjunction = regex.compile(_phrase(conj["pattern"]), regex.IGNORECASE)
            cfg.conjunction_id = conj["id"]
            cfg.object_of = regex.compile(r"\s(?:%s)\s" % conj["object_of"], regex.IGNORECASE) \
                if conj.get("object_of") else None
            cfg.list_item_words = int(conj.get("list_item_max_words", 0))
            cfg.own_window = regex.compile(r"(?:%s)\b" % conj["own_window"], regex.IGNORECASE) \
                if conj.get("own_window") else None
            cfg.list_goes_on = regex.compile(_phrase(conj["list_goes_on"]), regex.IGNORECASE) \
                if conj.get("list_goes_on") else None
            cfg.noun_word = regex.compile(r"(?:%s)" % conj["noun_words"], regex.IGNORECASE) \
                if conj.get("noun_words") else None
            head = conj.get("shared_head_adjectives")
            if head:
                cfg.shared_head = regex.compile(r"(?<![\w-])(?!(?:%s)$)(?:%s)$" % (head["not"], head["pattern"]),
                                                regex.IGNORECASE)
        ranged = data.get("range_duration")
        if ranged:
            cfg.range_before = regex.compile(r"\b(?:%s)\s*$" % ranged["before"], regex.IGNORECASE)
            cfg.range_after = regex.compile(r"\s*(?:%s)\b" % ranged["after"], regex.IGNORECASE)
            cfg.range_duration_id = ranged["id"]
        bracketed = data.get("bracketed_exception")
        if bracketed:
            cfg.bracket_opening = regex.compile(bracketed["opening"], regex.IGNORECASE)
            cfg.bracket_link = regex.compile(bracketed["link"], regex.IGNORECASE)
            cfg.bracket_id = bracketed["id"]
        rate = data.get("leading_rate")
        if rate:
            cfg.rate_start = regex.compile(r"(?:%s)" % rate["right_after"], regex.IGNORECASE)
            cfg.rate_after_word = regex.compile(r"\w+\s*(?:%s)" % rate["after_one_word"], regex.IGNORECASE)
            cfg.rate_units = frozenset(rate.get("units", ()))
        bare = data.get("bare_lower_states")
        if bare:
            cfg.bare_lower = regex.compile(r"(?:%s)\b" % _phrase(bare["pattern"]), regex.IGNORECASE)
            cfg.bare_lower_id = bare["id"]
        period = data.get("period_before_after")
        if period:
            cfg.period_cue = regex.compile(r"\b(?:%s)\b" % _phrase(period["pattern"]), regex.IGNORECASE)
            cfg.period_id = period["id"]
        ceased = data.get("ceased_before")
        if ceased:
            # the cue, then at most ``max_words`` words without a boundary up to the window
            cfg.ceased = regex.compile(r"\b(?:%s)\b(?:[^\S\n]*\n?\s*[^\s;:()\[\].,]+){0,%d}\s*$" % (
                _phrase(ceased["pattern"]), int(ceased["max_words"])), regex.IGNORECASE)
            cfg.ceased_id = ceased["id"]
        cfg.after_duration_id = (data.get("after_duration") or {}).get("id")
        plan = data.get("plan_conjunct")
        cfg.plan_conjunct = regex.compile(r"(?:%s)" % _phrase(plan["pattern"]), regex.IGNORECASE) if plan else None
        cfg.plan_conjunct_id = plan["id"] if plan else None
        after = data.get("event_after_window")
        cfg.event_after = regex.compile(r"[\s,:]*(?:(?:%s)\b[\s,:]*)?" % after["skip"], regex.IGNORECASE) if after else None
        cfg.event_after_not = regex.compile(r"(?:%s)\b" % after["not_start"], regex.IGNORECASE) if after else None
        cfg.event_after_verbs = regex.compile(r"(?<![\w-])(?:%s)$" % after["verbs"], regex.IGNORECASE) if after else None
        cfg.event_after_id = after["id"] if after else None
        alt_window = data.get("alternative")
        if alt_window:
            cfg.alternative = regex.compile(r"(?:%s)" % _phrase(alt_window["pattern"]), regex.IGNORECASE)
            cfg.alternative_id = alt_window["id"]
        return cfg

    def to_dict(self) -> dict:
        return self.data


@dataclass
class Window:
    """One time quantity read in the text (character offsets)."""

    start: int
    end: int
    lower: Optional[dict]
    upper: Optional[dict]
    unit: str
    duration: bool            # the comparator says "for …" / "duration of …"
    window: bool              # the comparator is flagged window: "within …" / "in the last …"
    bounded: bool             # a comparator, a postfix or a range gave the bound
    direction: Optional[str] = None
    anchor: Optional[str] = None
    event_span: Optional[Tuple[int, int]] = None   # the event after "since"/"after"
    since: bool = False
    event_before_first: bool = False  # the marker's flag: an event before the window wins over the phrase after
    rules: List[str] = field(default_factory=list)
    alternative: bool = False  # "within 30 days or 5 half-lives": the second bound of the one before
    anchor_end: Optional[int] = None  # where a reference point named as written ends
    marker_of: bool = False  # the marker is "of" / "at" ("5 half-lives of the drug")


#: (prefix, count) → the group names of the alternatives ("u0", "u1", ...)
_GROUP_NAMES: Dict[Tuple[str, int], Tuple[str, ...]] = {}


def _which(m, prefix: str, items: List[dict]) -> Optional[int]:
    """The index of the first alternative ``prefix + i`` whose group matched (one ``group`` call)."""
    names = _GROUP_NAMES.get((prefix, len(items)))
    if names is None:
        names = _GROUP_NAMES[(prefix, len(items))] = tuple(f"{prefix}{i}" for i in range(len(items)))
    if len(names) < 2:
        return 0 if names and m.group(names[0]) is not None else None
    for i, value in enumerate(m.group(*names)):
        if value is not None:
            return i
    return None


def find_windows(text: str, config: TimeConfig) -> List[Window]:
    """Every time quantity of ``text`` that bounds something (see the module docstring)."""
    out: List[Window] = []
    matches = list(config.master.finditer(text)) if config.candidate.search(text) else []
    if config.master_one is not None and config.one_candidate.search(text) and config.one_comparator.search(text):
        # no number in these, so they never overlap a master match
        matches = sorted(matches + [m for m in config.master_one.finditer(text) if m.group("cmp") is not None],
                         key=lambda m: m.start())
    for m in matches:
        start, end = m.span()
        if config.not_after.match(text, m.end("unit")):
            continue  # "18 years old", "2 days a week"
        unit_words = config.not_after_unit.get(config.units[_which(m, "u", config.units)]["canonical"])
        if unit_words is not None and unit_words.match(text, m.end("unit")):
            continue  # "37 weeks of amenorrhea": a gestational age
        if config.not_before.search(text[max(0, start - 12):start]):
            continue  # "aged 18 years", "at 6 months", "twice a week"
        implied = m.group("n1") == ""  # "within the past year": one year
        n1 = 1.0 if implied else parse_number(m.group("n1"), config.numbers)
        n2 = parse_number(m.group("n2"), config.numbers) if m.group("n2") else None
        if n1 is None or (m.group("n2") and n2 is None):
            continue
        unit = config.units[_which(m, "u", config.units)]["canonical"]
        rules: List[str] = []
        lower = upper = None
        ci = _which(m, "c", config.comparators) if m.group("cmp") is not None else None
        cmp = config.comparators[ci] if ci is not None else None
        if cmp is not None and not cmp.get("article") and \
                any(ch.isalpha() for ch in text[m.end("cmp"):m.start("n1")]):
            continue  # "within a 56 day period": an article after this phrase, no bound
        marker = config.markers[_which(m, "m", config.markers)] if m.group("mk") is not None else None
        if cmp and cmp.get("needs_marker") and marker is None:
            continue  # "during the 30-day cohort period": no window without "before ..."
        if implied and config.recency is not None and not config.recency.search(m.group("cmp")) \
                and (marker is None or marker.get("of")):
            continue  # "during the day", "in the day of assessment": no recency, no marker
        duration = bool(cmp and cmp.get("duration"))
        window = bool(cmp and cmp["side"] == "upper" and cmp.get("window"))
        if cmp:
            rules.append(cmp["id"])
        if implied:
            rules.append(config.implied_one_id)
        if n2 is not None:
            if n2 <= n1:
                continue  # "3-1 weeks": not a range
            lower, upper = _bound(n1, True), _bound(n2, True)
            if cmp and cmp["side"] == "upper" and not window:
                lower = None  # "up to 2-4 weeks": the far end
        elif cmp:
            bound = _bound(n1, cmp["inclusive"])
            lower, upper = (bound, None) if cmp["side"] == "lower" else (None, bound)
        pi = _which(m, "p", config.postfix) if m.group("post") is not None else \
            (_which(m, "q", config.postfix) if "pre" in m.re.groupindex and m.group("pre") is not None else None)
        if pi is not None and n2 is None:
            post = config.postfix[pi]
            rules.append(post["id"])
            bound = _bound(n1, post["inclusive"])
            lower, upper = (bound, None) if post["side"] == "lower" else (None, bound)
        w = Window(start, end, lower, upper, unit, duration, window,
                   bounded=bool(cmp or pi is not None), rules=rules)  # a bare range: a procedure
        if n2 is not None and cmp is None and _range_duration(text, start, end, config):
            # "AF of 3 to 48 hours duration", "attacks lasting about 4-72 hours": how long it lasts
            w.bounded = w.duration = True
            w.rules.append(config.range_duration_id)
        if cmp and cmp.get("direction"):
            w.direction = cmp["direction"]  # "in the next 12 weeks": a forward window from now
        if m.group("mk") is not None:
            mk = marker
            w.rules.append(mk["id"])
            w.direction, w.since = mk["direction"], bool(mk.get("since"))
            w.marker_of = bool(mk.get("of"))
            if m.group("anc") is not None:
                ai = _which(m, "a", config.anchors)
                w.anchor = config.anchors[ai]["anchor"]
                w.rules.append(f"time.anchor.{w.anchor.replace(' ', '_')}")
            elif mk.get("of") and not window:
                # "more than 2 years of handball", "12 hours of fasting": how long the thing after lasts
                w.event_span = _phrase_after(text, m.end("mk"), config)
                w.direction, w.duration = None, True
                if w.event_span is None:
                    w.end = m.end("unit") if m.group("post") is None else m.end("post")
                    w.rules.pop()
                elif not w.bounded and n2 is None and config.bare_lower is not None and \
                        config.bare_lower.match(text, w.event_span[0]):
                    # "postmenopausal defined as 12 months of spontaneous amenorrhea": a state
                    # that has lasted so long, at least
                    w.lower, w.bounded = _bound(n1, True), True
                    w.rules.append(config.bare_lower_id)
            elif mk.get("event_follows") or not mk.get("postfix"):
                w.event_span = _phrase_after(text, m.end("mk"), config)
                if w.event_span is None and not mk.get("postfix"):
                    w.end = m.end("unit") if m.group("post") is None else m.end("post")
                    w.rules.pop()
                    w.direction = None
                elif not mk.get("event_follows"):
                    # "within 7 days prior to CPB": CPB is the reference point, named as written
                    w.anchor, w.anchor_end = _written_anchor(text, w.event_span, config)
                    w.event_span = None
                else:
                    w.direction = "before"  # "since/after prior immunotherapy": the event lies before
                    w.event_before_first = bool(mk.get("event_before_first"))
            else:
                w.anchor = NOW
            if w.direction and not w.lower and not w.upper:
                if w.direction == "before" and not w.since and config.ceased is not None and \
                        config.ceased.search(text[max(0, start - 80):start]):
                    # "must discontinue drug 7 days prior to dasatinib": the use ended at least
                    # so long before
                    w.lower = _bound(n1, True)
                    w.rules.append(config.ceased_id)
                else:
                    # "4 weeks before screening" with no comparator reads as a window up to 4 weeks
                    w.upper = _bound(n1, True)
                w.bounded = True
        if out and n2 is None and pi is None and config.alternative is not None and \
                (cmp is None or _same_side(cmp, out[-1])) and config.alternative.fullmatch(text, out[-1].end, start):
            # "within 30 days or 5 half-lives", "within 30 days or fewer than 5 half-lives"
            out.append(_alternative(out[-1], w, n1, config, own_bound=cmp is not None))
            continue
        if out and n2 is None and cmp is None and pi is None and m.group("mk") is None and \
                (exception := _bracketed_exception(text, out[-1], w, n1, config)) is not None:
            out.append(exception)  # "at least 4 weeks since prior chemotherapy (6 weeks for nitrosoureas)"
            continue
        if not w.bounded and not w.direction:
            continue
        if not w.lower and not w.upper:
            continue  # "6 months ago" alone: a date, not a bound
        out.append(w)
    return out


def _range_duration(text: str, start: int, end: int, config: TimeConfig) -> bool:
    """A bare range of time that a word before ("lasting about") or after ("duration") makes a
    duration (``range_duration`` of configs/time.json)."""
    if config.range_before is None:
        return False
    return bool(config.range_before.search(text[max(0, start - 40):start]) or config.range_after.match(text, end))


def _bracketed_exception(text: str, prev: Window, w: Window, n1: float, config: TimeConfig) -> Optional[Window]:
    """A bare time quantity opening a bracket right after the window ``prev`` or its event and
    followed by "for" ("At least 4 weeks since prior chemotherapy (6 weeks for nitrosoureas or
    mitomycin)", "within 4 weeks (6 weeks for nitrosoureas) prior to entering"): the same bound for
    the events after "for", with ``prev``'s direction and anchor; ``None`` otherwise."""
    if config.bracket_opening is None:
        return None
    after = max(prev.end, prev.event_span[1] if prev.event_span else 0, prev.anchor_end or 0)
    link = config.bracket_link.match(text, w.end)
    if link is None or not config.bracket_opening.fullmatch(text, after, w.start):
        return None
    events = _phrase_after(text, link.end(), config)
    if events is None:
        return None
    side_bound = prev.lower or prev.upper or {}
    bound = _bound(n1, side_bound.get("inclusive", True))
    lower, upper = (bound, None) if prev.lower and not prev.upper else (None, bound)
    return replace(prev, start=w.start, end=w.end, lower=lower, upper=upper, unit=w.unit, event_span=events,
                   since=False, event_before_first=False, alternative=False,
                   rules=prev.rules[:1] + [config.bracket_id] + w.rules)


def _same_side(cmp: dict, prev: Window) -> bool:
    """A comparator of a window's own kind and side as the window ``prev`` before it ("within 30
    days or fewer than 5 half-lives": both bound from above); never a duration's ("for ...")."""
    side = "lower" if prev.lower and not prev.upper else "upper"
    return cmp["side"] == side and not cmp.get("duration") and not prev.duration


def _alternative(prev: Window, w: Window, n1: float, config: TimeConfig, own_bound: bool = False) -> Window:
    """A bare time quantity right after a window and "or" ("within 30 days or 5 half-lives,
    whichever is longer"): the same comparison in another unit, its event and anchor the previous
    window's; with ``own_bound`` it has a comparator of its own, on the same side ("or fewer than
    5 half-lives"), which gives its bound."""
    bound = (prev.upper or prev.lower or {}).get("inclusive", True)
    lower, upper = (_bound(n1, bound), None) if prev.lower and not prev.upper else (None, _bound(n1, bound))
    if own_bound:
        lower, upper = w.lower, w.upper
    alt = replace(prev, start=w.start, end=w.end, lower=lower, upper=upper, unit=w.unit,
                  rules=prev.rules[:1] + [config.alternative_id] + w.rules, alternative=True)
    if w.direction and w.anchor and not w.marker_of:
        # "within 2 weeks prior to study entry or within 6 weeks prior to randomization": its own
        # reference point (not "within 5 half-lives of the investigational product")
        alt.direction, alt.anchor = w.direction, w.anchor
    if w.direction and prev.direction is None:
        # "within 5 half-lives or 4 weeks before randomization": the marker after both is both's
        prev.direction = alt.direction = w.direction
        prev.anchor = alt.anchor = w.anchor
        prev.rules.extend(w.rules)
    return alt


def _bound(value: float, inclusive: bool) -> dict:
    return {"value": number_out(value), "inclusive": bool(inclusive)}


def _phrase_after(text: str, pos: int, config: TimeConfig) -> Optional[Tuple[int, int]]:
    """The noun phrase after ``pos`` (the event after "since"/"after"), up to a boundary."""
    rest = text[pos:]
    b = config.boundary.search(rest)
    chunk = rest[:b.start()] if b else rest
    nxt = config.master.search(chunk)  # "of hospitalization in the last 30 days": the next window ends it
    chunk = chunk[:nxt.start()] if nxt else chunk
    return _trim(text, pos, pos + len(chunk), config, from_end=False)


def _phrase_before(text: str, pos: int, config: TimeConfig, floor: int = 0):
    """The noun phrase that ends at ``pos`` (the event before a window), back to a boundary; an
    opening bracket right before the window is stepped over ("disease (< 2 months)")."""
    stop = pos
    while stop > 0 and (text[stop - 1].isspace() or text[stop - 1] in "([{"):
        stop -= 1
    if stop > floor + 1 and text[stop - 1] == "," and text[:stop - 1].rstrip().endswith(")"):
        # "antidiabetic medication (other than insulin), within 1 month": the aside and its comma
        stop = len(text[:stop - 1].rstrip())
    keep_to = None
    if stop > floor and text[stop - 1] in ")]":
        # "the standard therapy (i.e. one or more DMARDs) for at least three months": step over the
        # aside; a short one ("acute GVHD (aGVHD)", "heart rate variability (HRV)", "omalizumab
        # [Xolair]") names the event too
        opening = text.rfind("(" if text[stop - 1] == ")" else "[", floor, stop)
        if opening > floor:
            if len(text[opening + 1:stop - 1].split()) <= 2:
                keep_to = stop
            stop = opening
            while stop > floor and text[stop - 1].isspace():
                stop -= 1
    head = text[:stop]
    last = None
    for last in config.boundary.finditer(head):
        pass
    while last is not None and last.group() in (")", "]") and last.start() >= floor \
            and (inner := _short_aside(text, floor, last.start(), config)) is not None:
        # "myocardial infarction (MI), acute coronary syndrome or cardiac surgery within 30 days",
        # "live (attenuated) vaccine within 4 weeks": a short aside inside the phrase is no boundary
        last = None
        for last in config.boundary.finditer(text, 0, inner):
            pass
    begin = max(last.end() if last else 0, floor)
    if last is not None and last.start() >= floor and config.example_cue is not None \
            and config.example_cue.match(text, last.start()):
        # "systemic pain medications, e.g. oxycodone in the past 2 weeks": the class before the
        # examples ("Significant disease (eg. MI, stroke within 6 months)": the examples)
        head, boundary = _phrase_before(text, last.start(), config, floor)
        if head is not None and config.example_head.search(text, head[0], head[1]):
            return head, boundary
    if begin >= stop:
        return None, None
    span = _trim(text, begin, stop, config, from_end=True)
    if span and keep_to:
        span = (span[0], keep_to)
    return span, last


def _short_aside(text: str, floor: int, close: int, config: TimeConfig) -> Optional[int]:
    """The offset of the "(" or "[" opening a short aside (one word with a letter, no comparator, no
    boundary or function word: "(MI)", "(attenuated)", "[MAO]") that ``close`` closes, right
    after a word; ``None`` for another bracket."""
    pair = "()" if text[close] == ")" else "[]"
    opening = text.rfind(pair[0], floor, close)
    if opening <= floor or text.find(pair[1], opening, close) != -1 or not text[opening - 1].isspace():
        return None
    inner = text[opening + 1:close]
    before = text[:opening].rstrip()
    if not before or not before[-1].isalnum() or len(inner.split()) != 1 \
            or not _LETTER.search(inner) or _ASIDE_QUANTITY.search(inner) \
            or config.boundary.search(inner) or config.strip.match(inner):
        return None
    return opening


def _trim(text: str, start: int, end: int, config: TimeConfig, from_end: bool) -> Optional[Tuple[int, int]]:
    """``text[start:end]`` without function words at its edges and at most ``max_words`` words
    (kept nearest the window; a phrase after a window counts them after its leading function
    words); ``None`` when nothing is left."""
    chunk = text[start:end]
    if not from_end and (m := config.strip.match(chunk)) is not None:
        # a phrase after a window loses its leading function words first, so that they take no
        # room of the words kept ("since prior and no concurrent full-dose anticoagulants or
        # thrombolytic agents")
        start += m.end()
        chunk = text[start:end]
    words = list(_WORD.finditer(chunk))
    if len(words) > config.max_words:
        keep = words[-config.max_words:] if from_end else words[:config.max_words]
        start, end = start + keep[0].start(), start + keep[-1].end()
        chunk = text[start:end]
    m = config.strip.match(chunk)
    if m:
        start += m.end()
        chunk = text[start:end]
    m = config.strip_end.search(chunk)
    if m:
        end = start + m.start()
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum() and text[end - 1] not in ")]":
        end -= 1
    if end <= start or not _TWO_LETTERS.search(text[start:end]):
        return None
    return start, end


def time_constraints(text: str, windows: Sequence[Window], ents: Sequence[dict],
                     negations: Sequence[dict], taken: Sequence[Tuple[int, int]], config: TimeConfig,
                     condition: Optional[str] = None, measured: Sequence[dict] = ()) -> List[dict]:
    """Constraint records for ``windows`` (those overlapping a ``taken`` span are left out).

    ``measured``: the constraints the other steps made; one that ends the phrase before a window
    ("HDSS score of ≥ 9 within 48 hours") names its event by its subject (:func:`measured_event`)."""
    out: List[dict] = []
    floor = 0
    last: List[Tuple[Tuple[int, int], Optional[dict], bool]] = []  # the previous window's events
    last_duration = False  # the previous window was a duration ("for more than 14 days")
    for w in windows:
        previous_end, floor = floor, w.end
        if any(s < w.end and w.start < e for s, e in taken):
            continue
        if w.alternative:
            for part, ent, duration in last:  # "within 30 days or 5 half-lives": the same events
                out.append(_record(text, w, part, ent, negations, config, condition, duration))
            continue
        same = None  # a window that dates the events of the window before
        if last and last_duration and not w.duration and not w.event_span and config.after_duration_id \
                and not text[previous_end:w.start].strip(" \t\n,"):
            # "oral anti-diabetic monotherapy or insulin for more than 14 days in the past 6 months"
            same = config.after_duration_id
        elif last and config.plan_conjunct is not None and _plan_conjunct(text, w, previous_end, config):
            # "Surgery for scoliosis in the last 6 months or planned within 6 months from screening"
            same = config.plan_conjunct_id
        if same is not None:
            last, last_duration = [(part, ent, False) for part, ent, _ in last], False
            for part, ent, _ in last:
                record = _record(text, w, part, ent, negations, config, condition, False)
                record["rules"].append(same)
                out.append(record)
            continue
        last = []
        boundary = None
        one_event = False  # an event read before its periods is one thing used over them, never split
        recent = False  # "recent (<= 3 months)": a look-back window, never a duration
        after_items: List[Tuple[int, int]] = []  # the items of a list after the window and a colon
        if w.event_span and w.event_before_first:
            w = _event_before_first(text, w, previous_end, config)
        if w.event_span:
            span = w.event_span
        elif (after := _bracketed_after_modifier(text, w, previous_end, config)) is not None:
            span, recent = after
        else:
            span, boundary = _phrase_before(text, w.start, config, previous_end)
            if span is None and boundary is not None and config.coordinator.fullmatch(boundary.group()):
                # "hormone therapy and duration of at least 6 months": the conjunct before
                span, boundary = _phrase_before(text, boundary.start(), config, previous_end)
            if span is not None:
                span = measured_event(text, span, measured, config.measured_categories) or span
            if span is not None and w.direction == "after":
                before = _before_period(text, span, boundary, previous_end, w.start, config)
                if before is not None:
                    span, w, one_event = before, replace(w, rules=w.rules + [config.period_id]), True
            if config.event_after is not None and not w.duration and (w.window or w.direction is not None) and (
                    (span is None and _entity_before(text, ents, w.start, config) is None)
                    or (span is not None and config.event_after_verbs.search(text, span[0], span[1]))):
                # "Within 2 weeks a blood transfusion", "has taken within 6 weeks prior to screening
                # an antidepressant medication": nothing before names the event, the phrase after does
                after = _event_after_window(text, w, measured, config)
                if after is not None:
                    span, w, after_items = after[0], replace(w, rules=w.rules + [config.event_after_id]), after
        cue = config.duration_cue.search(text, max(0, w.start - 60), w.start)
        duration = w.duration or (not w.window and not recent and w.direction is None and cue is not None)
        if span is not None and config.duration_head is not None and \
                (head := config.duration_head.search(text, span[0], span[1])) is not None:
            # "medical condition with life expectancy of less than one year": how long life lasts
            span, duration = head.span(1), True
        ent = _entity_in(ents, span) if span else _entity_before(text, ents, w.start, config)
        if span is None and ent is None:
            continue
        if span is None:
            span = (ent["start"], ent["end"])  # an entity is never split
        parts = [span] if duration or one_event else split_events(text, span, ents, config)
        if len(after_items) > 1:
            parts = [p for item in after_items for p in split_events(text, item, ents, config)]
        parts = [p for p in (_past_leading_quantity(text, p, ents, config) for p in parts) if p is not None]
        if not parts:
            continue  # "≥ 5 cigs/day for last 6 months": a frequency, no event
        if not duration and not one_event and not w.event_span and len(after_items) < 2 and \
                (whole := list_before(text, span, previous_end, ents, config)):
            parts = whole  # "Any chemotherapy, radiotherapy, ... or hormonal therapy within 28 days"
        if len(parts) > 1 and not w.event_span and len(after_items) < 2 and _list_goes_on(text, w, parts, windows, config):
            parts = parts[-1:]  # "pregnant, postpartum up to six months, lactating": the item it follows
        if len(parts) == 1:
            if parts[0] != tuple(span) and not w.event_span:  # "..., or planning to become pregnant within": the plan
                span, ent = parts[0], _entity_in(ents, parts[0])
            out.append(_record(text, w, span, ent, negations, config, condition, duration))
            last, last_duration = [(span, ent, duration)], duration
            continue
        for part in parts:  # "chemotherapy or radiotherapy within 2 weeks": one constraint each
            record = _record(text, w, part, _entity_in(ents, part), negations, config, condition, duration)
            record["rules"].append(config.conjunction_id)
            out.append(record)
            last.append((part, _entity_in(ents, part), duration))
            last_duration = duration
    return out


def _list_goes_on(text: str, w: Window, parts: Sequence[Tuple[int, int]], windows: Sequence[Window],
                  config: TimeConfig) -> bool:
    """A list of events goes on after the window ("Hypertension, diabetes, myocardial infarction
    within 6 months of study, chronic renal disease, or active infections"), so that the window
    dates only the item it follows (``parts``: the conjuncts before it); not when the list before
    it was closed by "or"/"and" ("surgery, open biopsy, or injury within 28 days prior to Day 0, or
    anticipation of ...": a new conjunct follows) or the next item has a window of its own
    ("chemotherapy or radiotherapy within 4 weeks, nitrosoureas within 6 weeks")."""
    if config.list_goes_on is None or config.coordinator_word.search(text, parts[-2][1], parts[-1][0]):
        return False
    end = max(w.end, w.anchor_end or 0)
    m = config.list_goes_on.match(text, end)
    if m is None:
        return False
    stop = config.boundary.search(text, m.end())
    stop = stop.start() if stop else len(text)
    nxt = config.conjunction.search(text, m.end(), stop) if config.conjunction is not None else None
    stop = nxt.start() if nxt else stop
    return not any(m.end() <= o.start < stop for o in windows)


def _plan_conjunct(text: str, w: Window, floor: int, config: TimeConfig) -> bool:
    """Whether all that stands between the previous window (ending at ``floor``) and ``w`` is a
    coordinator and a word of planning ("... within 3 months prior to randomization or
    anticipated within the next 3 months", ``plan_conjunct`` of configs/time.json)."""
    between = text[floor:w.start]
    m = config.coordinator_word.search(between)
    return bool(m and not between[:m.start()].strip(" \t\n,")
                and config.plan_conjunct.fullmatch(between[m.end():].strip(" \t\n,")))


def _event_after_window(text: str, w: Window, measured: Sequence[dict], config: TimeConfig
                        ) -> Optional[List[Tuple[int, int]]]:
    """The events written after a window and its reference point when nothing before names one
    (``event_after_window`` of configs/time.json): "Within 12 months before the first treatment
    occurs artery/venous thromboembolic events", "History within 6 months of Screening of acute
    cardiac condition", "Within 4 weeks prior to registration, serum creatinine ≤ 1.5 mg/dL" (the
    subject of a measurement that opens the phrase); after a colon, each item of a list that
    semicolons separate ("the following cardiovascular conditions within the past 6 months:
    Cardiac angioplasty or stenting; myocardial infarction; unstable angina"). ``None`` when
    nothing follows or what follows opens with a coordinator, a marker or a number ("Within 6
    months prior to Screening and after ...")."""
    if text.rfind("(", 0, w.start) > text.rfind(")", 0, w.start):
        return None  # "Recent (within 6 months prior to study drug administration) history": inside a bracket
    pos = max(w.end, w.anchor_end or 0)
    m = config.event_after.match(text, pos)
    start = m.end() if m else pos
    if start >= len(text) or config.event_after_not.match(text, start) or not text[start].isalpha():
        return None
    span = _phrase_after(text, start, config)
    if span is None:
        return None
    for c in measured:
        sub = c.get("subject_span")
        if sub and c.get("category") in config.measured_categories and span[0] <= sub[0] < span[0] + 3:
            return [tuple(sub)]
    if regex.search(r"[\d<>=≤≥]", text[span[0]:span[1]]):
        return None  # "the subject experiences ≤ 14 headache days": a quantity, no event
    items = [span]
    if ":" in text[pos:start]:
        # a list announced by the colon: its items up to the sentence's end
        for item in regex.finditer(r";\s*([^;]+?)(?=;|\.(?:\s|$)|$)", text, pos=span[1]):
            if len(items) >= LIST_ITEMS_AFTER or SENTENCE_END.search(text, span[1], item.start()):
                break
            nxt = _phrase_after(text, item.start(1), config)
            if nxt is not None and not regex.search(r"[\d<>=≤≥]", text[nxt[0]:nxt[1]]):
                items.append(nxt)
    return items


#: at most so many items of a list after a window and a colon
LIST_ITEMS_AFTER = 12
SENTENCE_END = regex.compile(r"\.(?:\s|$)")


def _bracketed_after_modifier(text: str, w: Window, floor: int, config: TimeConfig
                              ) -> Optional[Tuple[Tuple[int, int], bool]]:
    """The event of a bracketed window after a modifier, and whether the modifier is one of
    recency (``bracket_recency``: the window is then a look-back, never a duration): "recent (< 6
    months) change in body mass", "Current or recent (within 3 months) gastrointestinal disease"
    date the first conjunct after the bracket; so does a window whose bracket goes on with an
    alternative ("Current, or recent (within 30 days, or 5 half-lives of investigational product)
    participation"), and one after a phrase whose last word is a modifier ("patients must not
    have suffered recent (< 6 months) myocardial infarction", "a serious condition or a recent
    (within 6 months) myocardial infarction"). ``None`` when the window is not so placed or the
    word before the bracket is no modifier ("Acute disease (< 2 months)": the disease)."""
    if config.modifier_word is None:
        return None
    opening = len(text[floor:w.start].rstrip()) + floor - 1
    if opening < floor or text[opening] != "(":
        return None
    close = w.end + len(text[w.end:]) - len(text[w.end:].lstrip())
    if close >= len(text) or text[close] != ")":
        # an alternative inside the same bracket, "(within 30 days, or 5 half-lives of ...)", or the
        # rest of its reference point, "(within 6 months prior to study drug administration)"
        shut = text.find(")", w.end)
        rest = text[w.end:shut] if shut != -1 else ""
        if shut == -1 or "(" in rest or not ((config.alternative and config.alternative.match(text, w.end))
                                             or (not regex.search(r"\d", rest) and len(rest.split()) <= 3)):
            return None
        close = shut
    last = None
    for last in config.boundary.finditer(text, floor, opening):
        pass
    words = regex.findall(r"\w[\w-]*", text[last.end() if last else floor:opening])
    if not words:
        return None
    if not (config.bracket_modifier.fullmatch(words[-1]) or all(config.modifier_word.fullmatch(word) for word in words)):
        return None
    span = _phrase_after(text, close + 1, config)
    if span and config.conjunction is not None:
        cut = config.conjunction.search(text, span[0], span[1])
        first = _trim(text, span[0], cut.start(), config, from_end=False) if cut else span
        if first is not None and len(text[first[0]:first[1]].split()) == 1 and cut is not None:
            # "of upper or lower gastrointestinal bleed", "of drug or alcohol abuse": a one-word
            # conjunct shares the next head, the whole phrase is the event
            first = span
        span = first
    if span is None:
        return None
    recent = bool(config.bracket_recency is not None and config.bracket_recency.fullmatch(words[-1]))
    return span, recent


def measured_event(text: str, span: Tuple[int, int], measured: Sequence[dict],
                   categories: frozenset) -> Optional[Tuple[int, int]]:
    """The subject span of the constraint in ``measured`` that ends the phrase at ``span`` ("a
    sub-scale (HDSS) score of ≥ 9 within 24-48 hours", "cervical length of ≤ 20 mm within 10
    days": the window dates the measurement, whose subject is the event; only of ``categories``:
    a count's subject is the counted thing, "UTI of > 3 episodes within 12 months" dates the UTI), or
    ``None``."""
    found = None
    for c in measured:
        start, end = c["span"]
        sub = c.get("subject_span")
        if sub and c.get("category") in categories and start < span[1] and span[0] < end and not _WORD_CHAR.search(text[end:span[1]]):
            found = tuple(sub)
    return found


def _event_before_first(text: str, w: Window, floor: int, config: TimeConfig) -> Window:
    """``w`` read with the event before it when there is one: "contraception for 4 weeks after
    study participation", "lamivudine until at least 3 months post-transplant", "Stroke occurred
    more than 30 days after the transfer" name the event before the window and the reference point
    after it (the anchor, named as written; direction ``after``); with nothing before ("at least 6
    months after stroke", "Patients must be 100-180 days after transplantation") or only a
    coordinator between ("pregnant or within 2 weeks post-partum") the phrase after stays the event."""
    span, _ = _phrase_before(text, w.start, config, floor)
    between = text[span[1]:w.start] if span is not None else ""
    if span is None or (not w.duration and config.coordinator.fullmatch(between)
                        and not _AND.fullmatch(between)):
        # "pregnant, <6 months post-partum", "pregnant or within 2 weeks post-partum": the window
        # opens a conjunct of its own (a duration goes on: "contraception during the study and for
        # 4 weeks after the last dose", and so does a window after "and": "contraception during
        # treatment and during the 30 days after treatment end")
        return w
    anchor, anchor_end = _written_anchor(text, w.event_span, config)
    return replace(w, event_span=None, anchor=anchor, anchor_end=anchor_end, direction="after",
                   event_before_first=False)


def _before_period(text: str, span: Tuple[int, int], boundary, floor: int, end: int,
                   config: TimeConfig) -> Optional[Tuple[int, int]]:
    """The event before the periods that a window "for N after X" continues: in "use an
    effective method of contraception before entry into the study, during the study and for 6
    months after its end" the phrase before the window is only when the method is used; the event
    is the phrase before the first period cue (``period_before_after`` of ``configs/time.json``:
    "during", "throughout", "while", "before" ...) since the phrase's boundary. ``None`` when no
    cue opens a period there or nothing names an event before it."""
    if config.period_cue is None:
        return None
    begin = max(boundary.end() if boundary is not None else 0, floor)
    cue = config.period_cue.search(text, begin, end)
    if cue is None or cue.start() >= span[1]:
        return None
    return _trim(text, begin, cue.start(), config, from_end=True)


def _written_anchor(text: str, span: Tuple[int, int], config: TimeConfig) -> Tuple[str, int]:
    """The reference point named as written after a marker, and where it ends: its first conjunct
    ("myocardial infarction within 6 months of study, chronic renal disease, or ...": ``study``)."""
    cut = config.conjunction.search(text, span[0], span[1]) if config.conjunction is not None else None
    if cut is not None and cut.start() > span[0]:
        span = (span[0], cut.start())
    return " ".join(text[slice(*span)].lower().split()), span[1]


def split_events(text: str, span: Tuple[int, int], ents: Sequence[dict], config: TimeConfig) -> List[Tuple[int, int]]:
    """The coordinated events of the phrase at ``span`` ("abdominal fistula, GI perforation, or
    abdominal abscess" → three spans), split where ``config.conjunction`` matches outside brackets
    and outside an entity ("basal cell or squamous cell carcinoma" as one entity stays whole);
    ``[span]`` when there is nothing to split or a part would hold no word. A last conjunct opened by an ``own_window`` word ("pregnant, nursing, or planning to become
    pregnant within 12 months", "active malignancy or history of malignancy within 5 years"), when
    no other conjunct opens so, is the only event."""
    if config.conjunction is None:
        return [span]
    start, end = span
    cuts = _conjunction_cuts(text, span, ents, config)
    if not cuts:
        return [span]
    parts, prev = [], start
    for a, b in cuts:
        parts.append((prev, a))
        prev = b
    parts.append((prev, end))
    trimmed = [_trim(text, s, e, config, from_end=False) for s, e in parts]
    if len(trimmed) < 2 or any(t is None for t in trimmed):
        return [span]
    if config.own_window is not None:
        opens = [_opened_by_own_window(text, p[0], t[0], config) for t, p in zip(trimmed, parts)]
        if opens[-1] and not any(opens[:-1]):
            # "Congenital heart disease or history of acute MI within 6 months": the window is the
            # history's; not when every conjunct opens so ("a history of drug abuse or a history of
            # alcohol abuse within 2 years")
            return [trimmed[-1]]
    written, written_trimmed = parts, trimmed
    if config.shared_head is not None:
        # the one-word conjuncts as written, before adjectives were joined to their heads
        # ("oral, inhaled or topical corticosteroids": "inhaled")
        raw, prev = [], start
        for a, b in _conjunction_cuts(text, span, ents, config, shared_heads=False):
            raw.append((prev, a))
            prev = b
        raw.append((prev, end))
        raw_trimmed = [_trim(text, s, e, config, from_end=False) for s, e in raw]
        if all(t is not None for t in raw_trimmed):
            written, written_trimmed = raw, raw_trimmed
    bare = [_bare_word(text, t, ents) for t in written_trimmed]
    # a plural or a therapy written as one word is a noun of its own, no modifier (``noun_words``)
    modifier = [b and not (config.noun_word is not None and config.noun_word.fullmatch(text[t[0]:t[1]]))
                for b, t in zip(bare, written_trimmed)]
    if any(modifier) and not (all(bare) and all(len(text[a:b].split()) == 1 for a, b in written)):
        # "alcohol or substance abuse", "active or uncontrollable infection", "investigational drug
        # or device", "oral, inhaled or topical corticosteroids": a one-word conjunct no entity
        # names shares a head with its neighbour; one-word conjuncts only, as written, are nouns of
        # their own ("steroids or anticonvulsants", "peramivir, zanamivir, or amantadine"; not
        # "any ingredient, active or a history of the drug")
        return [span]
    return trimmed


#: how far before a conjunct an own_window phrase may start ("a history of ")
OWN_WINDOW_LOOKBACK = 24


def _opened_by_own_window(text: str, start: int, trimmed_start: int, config: TimeConfig) -> bool:
    """Whether the conjunct written from ``start`` (its words from ``trimmed_start``) opens with an
    ``own_window`` word, also when the phrase search left it just before ("Has a history of drug
    abuse": the event starts at "drug")."""
    while start < len(text) and text[start].isspace():
        start += 1
    if config.own_window.match(text, trimmed_start) or config.own_window.match(text, start):
        return True
    base = max(0, start - OWN_WINDOW_LOOKBACK)
    for w in _WORD.finditer(text, pos=base, endpos=start):
        m = config.own_window.match(text, w.start())
        if m and m.end() >= start - 1:
            return True
    return False


def list_before(text: str, span: Tuple[int, int], floor: int, ents: Sequence[dict], config: TimeConfig
                ) -> Optional[List[Tuple[int, int]]]:
    """The coordinated events of a list that ``event_max_words`` cut off at ``span`` (the phrase
    before a window): back from ``span`` over the item it starts in and the items before it of at
    most ``list_item_words`` words, to the boundary before the phrase; ``None`` when ``span`` was
    not cut inside a list or the whole does not split."""
    if not config.list_item_words or config.conjunction is None:
        return None
    last = None
    for last in config.boundary.finditer(text, floor, span[0]):
        pass
    begin = max(last.end() if last else 0, floor)
    if not _conjunction_cuts(text, span, ents, config):
        return None  # "20 years old, with a history of training": no list in the phrase
    cuts = _conjunction_cuts(text, (begin, span[1]), ents, config)
    ends = [b for a, b in cuts if b <= span[0]]
    if not ends:
        first = _strip_start(text, begin, cuts[0][0], config) if cuts else None
        if first is not None and first[0] < span[0] and len(text[slice(*first)].split()) <= config.list_item_words:
            # "Major surgical procedure, open biopsy, or significant traumatic injury within 28
            # days", "health functional foods, lactic acid bacteria, and red ginseng extracts for the
            # past year": the cut fell inside the first, short item, which gets its words back
            parts = split_events(text, (first[0], span[1]), ents, config)
            return parts if len(parts) > 1 else None
        # "drug abuse of depressants, hallucinogens, ...": the list is the objects of a word before
        if not _object_of(text, begin, span[0], config):
            return None
        parts = split_events(text, span, ents, config)
        short = all(len(text[a:b].split()) <= config.list_item_words for a, b in parts)
        return [span] if short else None
    # the item ``span`` starts in, then the short items before it
    starts = [begin] + [b for a, b in cuts]
    i = max(k for k, st in enumerate(starts) if st <= span[0])
    while i > 0:
        item = _strip_start(text, starts[i - 1], cuts[i - 1][0], config)
        if item is None or len(text[slice(*item)].split()) > config.list_item_words:
            break
        i -= 1
    if starts[i] >= span[0]:
        return None
    whole = _strip_start(text, starts[i], span[1], config)
    if whole is None:
        return None
    parts = split_events(text, whole, ents, config)
    return parts if len(parts) > 1 else None


def _strip_start(text: str, start: int, end: int, config: TimeConfig) -> Optional[Tuple[int, int]]:
    """``text[start:end]`` without the function words at its start (no word limit)."""
    m = config.strip.match(text[start:end])  # anchored at the string's start: slice
    start = start + m.end() if m else start
    while start < end and not text[start].isalnum():
        start += 1
    return (start, end) if start < end else None


def _object_of(text: str, start: int, end: int, config: TimeConfig) -> bool:
    """An ``object_of`` word in ``text[start:end]`` after its leading function words ("history of",
    "use of" open the phrase and join nothing), with a short object up to ``end`` ("surgery of the
    target knee"; not "evidence of undiagnosed thyroid disease")."""
    if config.object_of is None:
        return False
    m = config.strip.match(text[start:end])  # anchored at the string's start: slice
    found = None
    for found in config.object_of.finditer(text, start + m.end() if m else start, end):
        pass
    return found is not None and len(text[found.end():end].split()) <= max(config.list_item_words, 1)


def _conjunction_cuts(text: str, span: Tuple[int, int], ents: Sequence[dict], config: TimeConfig,
                      shared_heads: bool = True) -> List[Tuple[int, int]]:
    """Where the phrase at ``span`` splits into coordinated events: ``config.conjunction`` outside
    brackets and entities, and none after an ``object_of`` word ("surgery of the target knee or
    contralateral knee", "abuse of depressants, opioids, or cocaine": the objects are coordinated,
    not the events); with ``shared_heads``, none after a conjunct ending in an adjective
    (``shared_head_adjectives``: "acute ischemic or hemorrhagic stroke")."""
    start, end = span
    depth, depths = 0, []
    for ch in text[start:end]:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        depths.append(depth)
    found = []
    for m in config.conjunction.finditer(text, start, end):
        a, b = m.start(), m.end()
        if a <= start or b >= end or depths[a - start] or depths[b - 1 - start]:
            continue
        if any(e["label"] not in PART_LABELS and overlaps((e["start"], e["end"]), (a, b)) for e in ents):
            continue
        if any(e["label"] == "COMPARATOR" and e["end"] <= a and not text[e["end"]:a].strip() for e in ents) and \
                any(e["label"] == "COMPARATOR" and e["start"] >= b and not text[b:e["start"]].strip() for e in ents):
            continue  # "equal to or exceeding 450 mL": comparators joined, not events
        found.append((a, b))
    cuts, left = [], start
    for k, (a, b) in enumerate(found):
        after = text[b:found[k + 1][0] if k + 1 < len(found) else end]
        if _object_of(text, left, a, config) and len(after.split()) <= config.list_item_words:
            break  # "drug abuse of depressants, hallucinogens, or cocaine": the rest are its objects
        if shared_heads and config.shared_head is not None and (word := _LAST_WORD.search(text[left:a])) is not None \
                and config.shared_head.search(word.group()):
            continue  # "acute ischemic or hemorrhagic stroke": the adjective shares the next head
        left = b
        cuts.append((a, b))
    return cuts


def _bare_word(text: str, span: Tuple[int, int], ents: Sequence[dict]) -> bool:
    """A one-word conjunct that no entity names."""
    if len(text[span[0]:span[1]].split()) > 1:
        return False
    return not any(e["label"] not in PART_LABELS and e["start"] <= span[0] and span[1] <= e["end"] for e in ents)


#: entity labels of a quantity written at the start of an event phrase
QUANTITY_LABELS = ("VALUE", "UNIT", "COMPARATOR")


def _past_leading_quantity(text: str, span: Tuple[int, int], ents: Sequence[dict], config: TimeConfig
                           ) -> Optional[Tuple[int, int]]:
    """``span`` without the quantity it starts with ("3 vaso-occlusive pain episodes in the year
    prior", "4.2 Transdermal estrogen within 30 days"): a number is no event. ``None`` when no event
    is left, or a rate follows the quantity ("≥ 5 cigs/day for last 6 months", "a failure rate of
    < 1% per year during the treatment period") or is its unit ("2 days per month cigarette use for
    last 6 months": ``leading_rate.units``); ``span`` itself when it starts with no quantity."""
    start, end = span
    moved = rate_unit = False
    for e in ents:
        if e["start"] < start or e["label"] not in QUANTITY_LABELS:
            continue
        if e["start"] > start or e["end"] > end or _NAME_NUMBER.match(text[e["end"]:e["end"] + 2]):
            break  # "5-alpha reductase inhibitor": a name's number
        rate_unit = rate_unit or e.get("rule") in config.rate_units
        start = e["end"]
        while start < end and text[start].isspace():
            start += 1
        moved = True
    if not moved:
        return span
    if rate_unit or config.rate_start and (config.rate_start.match(text, start)
                                           or config.rate_after_word.match(text[start:end])):
        return None
    return _trim(text, start, end, config, from_end=False)


def _record(text: str, w: Window, span: Tuple[int, int], ent: Optional[dict], negations: Sequence[dict],
            config: TimeConfig, condition: Optional[str], duration: bool) -> dict:
    """One constraint record of window ``w`` on the event at ``span`` (named by ``ent`` if any)."""
    # the event is the phrase (one conjunct of coordinated events); an entity that is the whole
    # phrase names it by its normalised name
    subj_span = span
    subject = " ".join(text[slice(*span)].lower().split())
    if ent and (ent["start"], ent["end"]) == tuple(span):
        subject = ent.get("norm") or ent["text"].lower()
    if duration and not ent:
        subject = next((name for pat, name in config.duration_subjects if pat.fullmatch(subject)), subject)
    negated = bool(ent.get("negated")) if ent else _negated(subj_span, negations)
    record = {
        "subject": subject,
        "subject_text": text[subj_span[0]:subj_span[1]],
        "category": "duration" if duration else "temporal",
        "lower": w.lower,
        "upper": w.upper,
        "unit": w.unit,
        "unit_text": None,
        "scale_max": None,
        "negated": negated,
        "condition": condition if duration else None,
        "span": [min(subj_span[0], w.start), max(subj_span[1], w.end)],
        "subject_span": list(subj_span),
        "rules": ([ent["rule"]] if ent and ent.get("rule") else []) + list(w.rules),
        "context": {},
        "subject_id": None,
    }
    if not duration:
        record["anchor"] = w.anchor or NOW
        record["direction"] = w.direction or "before"
    return record


def _entity_in(ents: Sequence[dict], span: Tuple[int, int]) -> Optional[dict]:
    """The last non-part entity inside ``span`` (the event's name, negation and rule)."""
    found = None
    for e in ents:
        if e["label"] not in PART_LABELS and span[0] <= e["start"] and e["end"] <= span[1]:
            found = e
    return found


def _entity_before(text: str, ents: Sequence[dict], pos: int, config: TimeConfig) -> Optional[dict]:
    """The nearest non-part entity ending before ``pos`` in the same clause, at most
    ``entity_max_gap`` words away ("GVHD of grade 2 or above was present within 2 weeks")."""
    found = None
    for e in ents:
        if e["label"] not in PART_LABELS and e["end"] <= pos:
            found = e
    if found is None:
        return None
    between = text[found["end"]:pos]
    if _SENTENCE_END.search(between) or len(between.split()) > config.entity_gap:
        return None
    return found


def _negated(span: Tuple[int, int], negations: Sequence[dict]) -> bool:
    """A NEGATED_EXISTENCE modifier whose scope covers the event."""
    for m in negations:
        scope = m.get("scope")
        if scope and scope[0] <= span[0] and span[1] <= scope[1]:
            return True
    return False
