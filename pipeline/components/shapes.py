"""Subjects no lexicon knows, found by the shape ``<noun phrase> <comparator> <number> [unit]``.

"Serum ferritin ≥ 500 ng/mL" or "Absolute CD19+ count < 5 cells/µL" name a measurement even when
no rule lists it. When nothing can name it before the comparator, a noun phrase right after the
number and its unit does ("≥140 mmHg systolic", ">10% total body surface area", "(>1.5 cm
diameter)"); such a subject (``attrs.after_quantity``) bounds only the quantity before it.
:func:`find_shape_subjects` is the pure algorithm over tokens and entities, its data a
:class:`ShapeRules`; ``eligex_shapes`` is its component. The data: the words that may link
a subject to its comparator, the comparator ops that bound a value, the characters of a name and
the multiplier words that never start one ("2X", "4 times above"; ``configs/shapes.json``); the words that cannot be part of a name, its length and the endings
that make it a condition (``subject_stop_words``, ``subject_max_tokens``, ``condition_suffixes``
in ``configs/constraints.json``); which entity rules are time units or range signs (their
``flags`` in ``configs/entities``).
"""


from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import srsly
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.components import docview

from pipeline.core import extensions
from pipeline.core.brackets import ASIDE_MAX_TOKENS, words_outside_asides
from pipeline.rules.loading import CONFIG_SCHEMAS, flagged_rules, load_json_config, load_rules

#: the rule ids of the entities this component makes (built-in rules, not a rule file's): the
#: noun phrase before the comparator, and the one after the number and its unit
SHAPE_RULE = "shape.np_comparator_value"
SHAPE_RULE_AFTER = "shape.value_unit_np"
#: how many words a bracketed aside between a known subject and its comparator may leave
#: outside it ("Hemoglobin (...) level of ≥ 9")
ASIDE_LINK_WORDS = 2
#: the keys of shapes.json that name doses, the link to a name after a quantity and the words that
#: name no subject in a bracketed quantity
DOSE_KEYS = ("dose_words", "dose_modifiers", "dose_links", "after_links", "change_words")
#: the keys of shapes.json that name what a name before a comparator may be the complement of
#: ("Axial *deformity of* the lower limbs ≤ 5°")
HEAD_KEYS = ("measure_heads", "head_links", "head_determiners", "head_participles")
#: the words before a range of numbers that label items, not a measure ("cycles 1-3")
RANGE_KEYS = ("range_label_words", "bare_postfix_followers", "instrument_links", "instrument_heads")
WORD_KEYS = DOSE_KEYS + HEAD_KEYS + RANGE_KEYS
#: how many link words may stand between a name and the number of "number unit or more"
#: ("C-peptide level of 0.6 ng/mL or higher"; not "... (cardiac scan) must be 50% or higher", whose
#: subject is further back)
POSTFIX_LINK_WORDS = 2
#: how many dose_links (or adverbs) may stand between a drug's name and its dose phrase ("at a dose")
DOSE_LINK_WORDS = 3


@dataclass(frozen=True)
class ShapeRules:
    """What :func:`find_shape_subjects` needs to know, lower-cased and frozen once.

    ``time_unit_rules`` / ``range_sign_rules``: ids of the entity rules flagged ``time_unit`` /
    ``range_sign``. ``max_value_gap``: tokens allowed between a comparator and its value;
    ``known_subject_margin``: how many tokens beyond ``max_tokens`` a known subject before the
    comparator is looked for.
    """

    link_words: frozenset = frozenset()
    after_stop_words: frozenset = frozenset()
    multiplier_words: frozenset = frozenset()
    dose_words: frozenset = frozenset()
    dose_modifiers: frozenset = frozenset()
    dose_links: frozenset = frozenset()
    after_links: frozenset = frozenset()
    change_words: frozenset = frozenset()
    measure_heads: frozenset = frozenset()
    head_links: frozenset = frozenset()
    head_determiners: frozenset = frozenset()
    head_participles: frozenset = frozenset()
    range_label_words: frozenset = frozenset()
    bare_postfix_followers: frozenset = frozenset()
    instrument_links: frozenset = frozenset()
    instrument_heads: frozenset = frozenset()
    comparator_ops: frozenset = frozenset()
    name_characters: str = ""
    stop_words: frozenset = frozenset()
    max_tokens: int = 5
    condition_suffixes: Tuple[str, ...] = ()
    level_suffixes: Tuple[str, ...] = ()
    degree_suffixes: Tuple[str, ...] = ()
    condition_prefixes: Tuple[str, ...] = ()
    time_unit_rules: frozenset = frozenset()
    range_sign_rules: frozenset = frozenset()
    max_value_gap: int = 1
    known_subject_margin: int = 3
    _name_chars: frozenset = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        for name in ("link_words", "stop_words", "after_stop_words", "multiplier_words", *WORD_KEYS):
            object.__setattr__(self, name, frozenset(w.lower() for w in getattr(self, name)))
        for name in ("comparator_ops", "time_unit_rules", "range_sign_rules"):
            object.__setattr__(self, name, frozenset(getattr(self, name)))
        for name in ("condition_suffixes", "level_suffixes", "degree_suffixes", "condition_prefixes"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "_name_chars", frozenset(self.name_characters))

    def is_name_token(self, text: str) -> bool:
        """A word that may be part of a subject's name: a letter, and only letters, digits and
        :attr:`name_characters`."""
        return any(ch.isalpha() for ch in text) and all(ch.isalnum() or ch in self._name_chars for ch in text)

    def to_dict(self) -> dict:
        return {"link_words": sorted(self.link_words), "after_stop_words": sorted(self.after_stop_words),
                "multiplier_words": sorted(self.multiplier_words),
                **{name: sorted(getattr(self, name)) for name in WORD_KEYS},
                "comparator_ops": sorted(self.comparator_ops),
                "name_characters": self.name_characters, "stop_words": sorted(self.stop_words),
                "max_tokens": self.max_tokens, "condition_suffixes": list(self.condition_suffixes),
                "level_suffixes": list(self.level_suffixes), "degree_suffixes": list(self.degree_suffixes),
                "condition_prefixes": list(self.condition_prefixes),
                "time_unit_rules": sorted(self.time_unit_rules), "range_sign_rules": sorted(self.range_sign_rules),
                "max_value_gap": self.max_value_gap, "known_subject_margin": self.known_subject_margin}

    @classmethod
    def from_dict(cls, data: dict) -> "ShapeRules":
        return cls(**data)


def load_shape_rules(config_path: Path | str, shapes_path: Path | str, entity_rules_path: Path | str,
                     **settings) -> ShapeRules:
    """The :class:`ShapeRules` of the rule files (``shapes.json`` checked against its schema), with
    the component ``settings`` (``max_value_gap``, ``known_subject_margin``)."""
    cfg = load_json_config(config_path)
    shapes = load_json_config(shapes_path, CONFIG_SCHEMAS["shapes.json"])
    entity_rules, _ = load_rules(Path(entity_rules_path), "entity", strict=True)
    return ShapeRules(
        link_words=shapes["link_words"], after_stop_words=shapes.get("after_stop_words", []),
        multiplier_words=shapes.get("multiplier_words", []),
        **{name: shapes.get(name, []) for name in WORD_KEYS},
        comparator_ops=shapes["comparator_ops"],
        name_characters=shapes["name_characters"], stop_words=cfg.get("subject_stop_words", []),
        max_tokens=int(cfg.get("subject_max_tokens", 5)), condition_suffixes=cfg.get("condition_suffixes", []),
        level_suffixes=cfg.get("level_suffixes", []), degree_suffixes=cfg.get("degree_suffixes", []),
        condition_prefixes=cfg.get("condition_prefixes", []),
        time_unit_rules=flagged_rules(entity_rules, "time_unit"),
        range_sign_rules=flagged_rules(entity_rules, "range_sign"), **settings)


def find_shape_subjects(words: Sequence[str], entities: Sequence[dict], rules: ShapeRules) -> List[dict]:
    """New MEASUREMENT entities (token spans) for comparators with a value but no subject.

    ``words`` are the token texts; ``entities`` the entity records (with ``token_start``,
    ``token_end``, ``label``, ``rule``, ``attrs``), sorted by position. Returns records with
    ``token_start``/``token_end``.
    """
    owner = {}
    for idx, ent in enumerate(entities):
        for i in range(ent["token_start"], ent["token_end"]):
            owner[i] = idx
    values = {idx for idx, ent in enumerate(entities) if ent["label"] == "VALUE"}
    windows = {i for i, idx in owner.items() if entities[idx]["label"] == "TEMPORAL"}
    found: List[dict] = []
    for ci, cmp_ent in enumerate(entities):
        attrs = cmp_ent.get("attrs") or {}
        # a postfix phrase before its number reads as its prefix_op ("or more than ½ teaspoon of
        # hemoptysis"): only a name after the quantity's link word can be its subject
        as_prefix = bool(attrs.get("postfix") and attrs.get("prefix_op") in rules.comparator_ops)
        if cmp_ent["label"] != "COMPARATOR" or attrs.get("op") not in rules.comparator_ops \
                or (attrs.get("postfix") and not as_prefix) or attrs.get("weak"):
            continue
        name_at = cmp_ent["token_start"]
        if cmp_ent["rule"] in rules.range_sign_rules:
            # range signs ("1993 - 1996") make no shape, "between" and "in the range of" do, and so
            # does a range of measures: "lesions of 10-25 mm size", "curves 15°-45°"
            name_at = _measured_range_start(entities, ci, rules)
            if name_at is None:
                name_at = _named_range_start(words, entities, ci, owner, rules)
                if name_at is not None and \
                        _known_subject_before(words, entities, ci - 1, rules.max_tokens + rules.known_subject_margin):
                    continue  # "ASA status 1-2", "Gestational age range 26-34": the subject is known
            if name_at is None:
                continue
        vi = ci + 1
        if vi + 1 < len(entities) and entities[vi]["label"] == "COMPARATOR" and entities[vi + 1]["label"] == "VALUE" \
                and (entities[vi].get("attrs") or {}).get("op") == attrs.get("op"):
            vi += 1  # "greater than or equal to (≥) 38.0": the sign doubles the words
        nxt = entities[vi] if vi < len(entities) else None
        if nxt is None or nxt["token_start"] - entities[vi - 1]["token_end"] > rules.max_value_gap:
            continue
        if nxt["label"] == "UNIT" and (nxt.get("attrs") or {}).get("implied_value") is not None:
            unit = nxt  # "Serum G6PD < LLN": the unit implies its number
        elif nxt["label"] != "VALUE":
            continue
        else:
            unit = entities[vi + 1] if vi + 1 < len(entities) else None
            if unit is not None and (unit["label"] != "UNIT" or unit["token_start"] != nxt["token_end"]):
                unit = None
        if unit is not None and unit["rule"] in rules.time_unit_rules:
            continue  # "> 18 years", "< 2 months": an age or a duration, not a measurement
        if _known_subject_before(words, entities, ci, rules.max_tokens + rules.known_subject_margin):
            continue  # "NYHA heart failure classification of >2": the subject is already known
        if _known_subject_after(entities, unit if unit is not None else nxt, vi):
            continue  # "≥ 33 gestational weeks", "24-28 weeks gestation": it is named right after
        if _definition(words, cmp_ent, owner, values):
            continue
        inside = _name_in_bracket(words, cmp_ent["token_start"], unit, owner, rules, windows) \
            if not as_prefix else None
        if inside is not None:  # "Blast phase disease (>20% blasts in the marrow)": the blasts
            found.append({"token_start": inside[0], "token_end": inside[1], "after_quantity": True})
            continue
        # a condition bounded in percent is its degree ("residual stenosis < 20%"), unless a name
        # after the quantity says what the percent is of ("asthenozoospermia: < 32% motile sperm")
        degree = unit is not None and words[unit["token_start"]:unit["token_end"]] == ["%"] and \
            _name_after(words, unit["token_end"], owner, rules) is None
        instrument = _instrument_after(words, (unit if unit is not None else nxt)["token_end"], owner, rules, entities)
        if instrument is not None:  # "a score of ≥18 on the anxiety scale": the instrument is scored
            found.append(instrument)
            continue
        span = _name_before(words, name_at, owner, values, rules, degree=degree) if not as_prefix else None
        dose = _dose_before(words, name_at, owner, rules) if span is None and not as_prefix else None
        if dose is not None:
            found.append(dose)
        elif span is not None:
            found.append({"token_start": span[0], "token_end": span[1],
                          **({"category": "lab"} if _level_word(words[span[1] - 1], rules) else {})})
        elif unit is not None:  # nothing names it before: "≥140 mmHg systolic", "> 25% of bone marrow"
            span = _name_after(words, unit["token_end"], owner, rules, windows)
            if span is None and not as_prefix:
                span = _name_after(words, unit["token_end"], owner, rules)
            if span is not None:
                found.append({"token_start": span[0], "token_end": span[1], "after_quantity": True})
    found.extend(_postfix_shapes(words, entities, owner, values, windows, rules))
    return found


def _measured_range_start(entities: Sequence[dict], ci: int, rules: ShapeRules) -> Optional[int]:
    """The first token of a range of measures around the range sign ``entities[ci]``: a number
    (and its unit) right before it, a number and a unit that is no time right after it ("10-25
    mm", "15°-45°"), no comparator right before its first number; ``None`` for any other range
    ("1993 - 1996", "2-4 weeks")."""
    sign = entities[ci]
    k = ci - 1
    if k >= 0 and entities[k]["label"] == "UNIT" and entities[k]["token_end"] == sign["token_start"]:
        k -= 1
    if k < 0 or entities[k]["label"] != "VALUE" or \
            entities[ci - 1]["token_end"] != sign["token_start"]:
        return None
    if k > 0 and entities[k - 1]["label"] == "COMPARATOR" and \
            entities[k]["token_start"] - entities[k - 1]["token_end"] <= rules.max_value_gap + 2:
        return None  # "within the range 19-37 kg/m2": the comparator before reads the range
    if ci + 2 >= len(entities):
        return None
    nxt, unit = entities[ci + 1], entities[ci + 2]
    if nxt["label"] != "VALUE" or nxt["token_start"] != sign["token_end"] or unit["label"] != "UNIT" \
            or unit["token_start"] - nxt["token_end"] > 1 or unit["rule"] in rules.time_unit_rules:
        return None
    return entities[k]["token_start"]


def _instrument_after(words: Sequence[str], start: int, owner: dict, rules: ShapeRules,
                      entities: Sequence[dict] = ()) -> Optional[dict]:
    """The instrument named after a quantity ("≥18 *on the anxiety scale*", "≤24 points *on the
    cognitive screen*"): an ``instrument_links`` word, a determiner, and a name of at most
    ``max_tokens`` words that ends in an ``instrument_heads`` word; a shape record (category
    ``score``, after the quantity) or ``None``. A condition's name may be part of it ("on the
    depression questionnaire")."""
    i = start
    if i >= len(words) or i in owner or words[i].lower() not in rules.instrument_links:
        return None
    i += 1
    if i < len(words) and i not in owner and words[i].lower() in rules.head_determiners:
        i += 1
    j = i
    while j < len(words) and j - i < rules.max_tokens and rules.is_name_token(words[j]) and \
            (j not in owner or entities[owner[j]]["label"] == "CONDITION"):
        if words[j].lower() in rules.instrument_heads:
            return {"token_start": i, "token_end": j + 1, "after_quantity": True, "category": "score"}
        if words[j].lower() in rules.stop_words:
            return None
        j += 1
    return None


def _named_range_start(words: Sequence[str], entities: Sequence[dict], ci: int, owner: dict,
                       rules: ShapeRules) -> Optional[int]:
    """The first number of a range with no unit right after a name ("tear osmolarity 290–320",
    "gingival index 1 to 3"): the name's last word right before the first number (no link word,
    no ``range_label_words`` word: "cycles 1-3", "Groups 1-4" label items), no year among the
    numbers ("2010-2015"), and no word, number or unit right after the second one ("2-3
    cigarettes"); ``None`` otherwise."""
    if ci < 1 or ci + 1 >= len(entities):
        return None
    first, sign, second = entities[ci - 1], entities[ci], entities[ci + 1]
    if first["label"] != "VALUE" or second["label"] != "VALUE" or first["token_end"] != sign["token_start"] \
            or second["token_start"] != sign["token_end"]:
        return None
    if any(len(w) == 4 and w[:2] in ("19", "20") for w in (words[first["token_start"]], words[second["token_start"]])):
        return None
    j = first["token_start"] - 1
    if j < 0 or j in owner or not rules.is_name_token(words[j]) or words[j].lower() in rules.stop_words \
            or words[j].lower() in rules.link_words or words[j].lower() in rules.range_label_words:
        return None
    k = second["token_end"]
    if k < len(words) and (k in owner or words[k][:1].isalnum() or words[k] in ("-", "/", "%", "(")):
        return None
    return first["token_start"]


def _cut_name(words: Sequence[str], end: int, rules: ShapeRules) -> bool:
    """Whether a name read after a quantity stops at a stop word inside its noun phrase: "of
    peripheral blood white cells" stops at "blood", which another name word follows."""
    return end + 1 < len(words) and words[end].lower() in rules.stop_words and \
        rules.is_name_token(words[end + 1]) and words[end + 1].lower() not in rules.stop_words


def _postfix_shapes(words: Sequence[str], entities: Sequence[dict], owner: dict, values: set, windows: set,
                    rules: ShapeRules) -> List[dict]:
    """Shapes of *number [unit] postfix-comparator*: "Donation or loss of 400 ml or more of blood" —
    the name after the comparator's link word ("... or more of ampho B": what it is an amount of),
    else the name before the number ("Barthel index of 60 or less"); a time unit makes none ("18
    years or older"), nor does an age comparator ("21 or older")."""
    out: List[dict] = []
    for ci in range(1, len(entities)):
        cmp_ent = entities[ci]
        attrs = cmp_ent.get("attrs") or {}
        if cmp_ent["label"] != "COMPARATOR" or not attrs.get("postfix") or attrs.get("op") not in rules.comparator_ops:
            continue
        vi = ci - 1 if entities[ci - 1]["label"] == "VALUE" else ci - 2
        unit = entities[ci - 1] if vi == ci - 2 else None
        value = entities[vi] if vi >= 0 else None
        if value is None or value["label"] != "VALUE" or (unit is None and attrs.get("age")):
            continue
        if unit is not None and (unit["label"] != "UNIT" or unit["rule"] in rules.time_unit_rules
                                 or unit["token_start"] != value["token_end"]):
            continue
        if cmp_ent["token_start"] != (unit or value)["token_end"]:
            continue
        if vi > 0 and entities[vi - 1]["label"] == "COMPARATOR" and \
                value["token_start"] - entities[vi - 1]["token_end"] <= rules.max_value_gap:
            continue  # "> 5 mg or more": the comparator before reads it
        if _known_subject_before(words, entities, vi, rules.max_tokens + rules.known_subject_margin) or \
                _known_subject_after(entities, cmp_ent, ci):
            continue
        after = cmp_ent["token_end"]
        if unit is None:
            # "10 or more cigarettes", "eight or more years", "3 or higher of any of the following":
            # the number counts or measures what follows; only an end, a punctuation mark or one of
            # bare_postfix_followers may follow ("Barthel index of 60 or less at baseline")
            if after < len(words) and (after in owner or any(ch.isalnum() for ch in words[after])) and \
                    words[after].lower() not in rules.bare_postfix_followers:
                continue
            instrument = _instrument_after(words, after, owner, rules, entities)
            if instrument is not None:  # "a score of 20 or more on the depression questionnaire"
                out.append(instrument)
                continue
            span = _name_before(words, value["token_start"], owner, values, rules, POSTFIX_LINK_WORDS)
            if span is not None:
                out.append({"token_start": span[0], "token_end": span[1]})
            continue
        span = _name_after(words, cmp_ent["token_end"], owner, rules, windows)
        if span is not None and not _cut_name(words, span[1], rules):
            out.append({"token_start": span[0], "token_end": span[1], "after_quantity": True})
            continue
        span = _name_before(words, value["token_start"], owner, values, rules, POSTFIX_LINK_WORDS)
        if span is not None:
            out.append({"token_start": span[0], "token_end": span[1]})
    return out


def _definition(words: Sequence[str], cmp_ent: dict, owner: dict, values: set) -> bool:
    """Whether "=" follows a number and the word it counts: "1 unit = ½ pint", "1 serving = 120 mg
    caffeine" say what one unit is, they bound nothing."""
    i = cmp_ent["token_start"] - 1
    return ((cmp_ent.get("attrs") or {}).get("op") == "=" and i > 0 and i not in owner
            and words[i][:1].isalpha() and i - 1 in owner and owner[i - 1] in values)


def _before_links(words: Sequence[str], cmp_start: int, owner: dict, rules: ShapeRules) -> int:
    """The index of the last token before ``cmp_start`` that is no link word (or is an entity's),
    ``-1`` when there is none: where a name before a comparator must end."""
    i = cmp_start - 1
    while i >= 0 and words[i].lower() in rules.link_words and i not in owner:
        i -= 1
    return i


def _name_before(words: Sequence[str], cmp_start: int, owner: dict, values: set,
                 rules: ShapeRules, max_links: Optional[int] = None, degree: bool = False) -> Optional[Tuple[int, int]]:
    """The name (token span) right before a comparator, over the link words (at most ``max_links``
    of them when given), or None when a known entity (subject, value, unit...) stands there or no
    word can be a name, or the name is a condition's (unless bounded in percent, ``degree``, and
    ending in one of ``degree_suffixes``: its degree, "residual stenosis < 20%")."""
    i = _before_links(words, cmp_start, owner, rules)
    if max_links is not None and cmp_start - 1 - i > max_links:
        return None
    if i < 0 or i in owner:
        return None
    end = i + 1
    start = end
    while (i >= 0 and end - i <= rules.max_tokens and i not in owner and rules.is_name_token(words[i])
           and words[i].lower() not in rules.stop_words):
        start = i
        i -= 1
    if start < end and start - 1 in owner and owner[start - 1] in values and \
            words[start].lower() in rules.multiplier_words:
        return None  # "less than 2X greater than", "4 times above": a multiplier, not a name
    if start >= end or (_condition_head(words[end - 1], rules) and
                        not (degree and words[end - 1].lower().endswith(rules.degree_suffixes))):
        return None
    return _head_before(words, start, owner, rules), end


def _head_before(words: Sequence[str], start: int, owner: dict, rules: ShapeRules) -> int:
    """Where a name starting at ``start`` starts when it is the complement of a measure before
    it: "Axial deformity of the lower limbs ≤ 5°", "Cervical length on transvaginal examination of
    ≤ 20 mm", "Central corneal thickness in either eye > 600 µm" name the deformity, the length,
    the thickness (``measure_heads`` + ``head_links`` + ``head_determiners`` of shapes.json; a
    ``head_participles`` word may stand after the measure: "curvature measured in the spine")."""
    j = start - 1
    while j >= 0 and words[j].isspace():
        j -= 1
    if j >= 0 and words[j].lower() in rules.head_determiners and j not in owner:
        j -= 1
        while j >= 0 and words[j].isspace():
            j -= 1
    if j < 1 or j in owner or words[j].lower() not in rules.head_links:
        return start
    h = j - 1
    while h >= 0 and words[h].isspace():
        h -= 1
    if h >= 0 and h not in owner and words[h].lower() in rules.head_participles:
        h -= 1  # "the curvature measured in the spine is less than 10 degrees"
        while h >= 0 and words[h].isspace():
            h -= 1
    if h < 0 or h in owner or words[h].lower() not in rules.measure_heads:
        return start
    first = h
    i = h - 1
    while (i >= 0 and h - i < rules.max_tokens and i not in owner and rules.is_name_token(words[i])
           and words[i].lower() not in rules.stop_words):
        first = i
        i -= 1
    return first


def _dose_before(words: Sequence[str], cmp_start: int, owner: dict, rules: ShapeRules) -> Optional[dict]:
    """A dose phrase right before a comparator (over the link words) and the drug named before
    it: "risperidone at a dose ≥ 6 mg/day" → the span "risperidone at a dose", named "risperidone
    dose"; "maximum tolerated dose ≥ 1000 mg/day" (no drug) → that phrase; a dose word alone with
    no drug before it names nothing. The drug's name stops at a stop word, a route or frequency
    (``after_stop_words``), a dose modifier, a participle or an adverb. Returns a record with ``token_start``/``token_end``/``norm``."""
    i = _before_links(words, cmp_start, owner, rules)
    if i < 0 or i in owner or words[i].lower() not in rules.dose_words:
        return None
    end = i + 1
    i -= 1
    while i >= 0 and i not in owner and words[i].lower() in rules.dose_modifiers | rules.dose_words:
        i -= 1
    phrase_start = i + 1
    links = 0
    while i >= 0 and i not in owner and links < DOSE_LINK_WORDS and \
            (words[i].lower() in rules.dose_links or _adverb(words[i])):
        i, links = i - 1, links + 1  # "dexamethasone continuously at a dose"
    drug_end = i + 1
    while (i >= 0 and drug_end - i <= rules.max_tokens and i not in owner and rules.is_name_token(words[i])
           and words[i].lower() not in rules.stop_words and words[i].lower() not in rules.after_stop_words
           and words[i].lower() not in rules.dose_links | rules.dose_modifiers and not _verb_form(words[i])):
        i -= 1
    drug_start = i + 1
    phrase = [w.lower() for w in words[phrase_start:end]]
    if drug_start < drug_end and not _condition_head(words[drug_end - 1], rules):
        return {"token_start": drug_start, "token_end": end,
                "norm": " ".join(w.lower() for w in words[drug_start:drug_end]) + " " + phrase[-1]}
    if len(phrase) > 1 and words[phrase_start].lower() in rules.dose_modifiers:
        return {"token_start": phrase_start, "token_end": end, "norm": " ".join(phrase)}
    return None


def _name_after(words: Sequence[str], start: int, owner: dict, rules: ShapeRules,
                windows: Optional[set] = None) -> Optional[Tuple[int, int]]:
    """The name (token span) that starts right after a quantity's unit ("mmHg systolic", "%
    luminal stenosis"), or None; given ``windows`` (the tokens of time windows), only one after a
    link word there, which a time window may follow ("> ½ teaspoon of hemoptysis within 6 months").
    A name followed by another known entity or a number is not taken: it starts a phrase of its own."""
    linked = windows is not None
    if linked:
        if start >= len(words) or words[start].lower() not in rules.after_links or start in owner:
            return None
        start += 1
    end = start
    while (end < len(words) and end - start < rules.max_tokens and end not in owner
           and rules.is_name_token(words[end]) and words[end].lower() not in rules.stop_words
           and words[end].lower() not in rules.after_stop_words and not _participle(words[end])):
        end += 1
    if end == start:
        return None  # (a condition's name is a subject here: ">= 50% luminal stenosis" bounds the stenosis)
    if end < len(words) and ((end in owner and not (linked and end in windows)) or words[end][:1].isdigit()
                             or words[end] in ("-", "/")):
        return None  # "≥ 2 cm lesion count 5": the words name what comes next; "non-pedunculated": a word cut
    return start, end


def _name_in_bracket(words: Sequence[str], cmp_start: int, unit: Optional[dict], owner: dict, rules: ShapeRules,
                     windows: set) -> Optional[Tuple[int, int]]:
    """The name after a quantity's unit when the quantity opens a bracket ("Blast phase disease
    (>20% blasts in the marrow)", "burns (>10% total body surface area)", "(> 50% of lung
    involvement)"): what the bracket measures, not the phrase before it; None when no name follows
    the unit inside the bracket ("lesion (>1.5 cm in its largest diameter)") or it ends in a
    ``change_words`` word ("partial response (< 50% improvement)")."""
    if unit is None:
        return None
    i = cmp_start - 1
    while i >= 0 and words[i].isspace():
        i -= 1
    if i < 0 or words[i] not in ("(", "[") or i in owner:
        return None
    span = _name_after(words, unit["token_end"], owner, rules, windows) or \
        _name_after(words, unit["token_end"], owner, rules)
    if span is not None and words[span[1] - 1].lower() in rules.change_words:
        return None  # "partial response (< 50% improvement)": a change of what is named before
    return span


def _participle(word: str) -> bool:
    """A past participle ("measured", "followed"): a verb after the name, never part of it."""
    return len(word) > 4 and word.lower().endswith("ed")


def _adverb(word: str) -> bool:
    """An adverb in -ly ("continuously", "orally")."""
    return len(word) > 4 and word.lower().endswith("ly")


def _verb_form(word: str) -> bool:
    """A participle, a gerund or an adverb ("received", "receiving", "continuously"): never part of
    a drug's name."""
    return _participle(word) or _adverb(word) or (len(word) > 5 and word.lower().endswith("ing"))


def _condition_head(word: str, rules: ShapeRules) -> bool:
    """Whether a name's last word makes it a condition ("... thrombocytopenia"), not a level in
    -emia with no condition prefix ("kalemia", "natremia"; "hyperkalemia" is a condition)."""
    head = word.lower()
    return len(head) > 5 and head.endswith(rules.condition_suffixes) and not _level_word(word, rules)


def _level_word(word: str, rules: ShapeRules) -> bool:
    """A word in -emia with no condition prefix: the blood level of its stem ("kalemia")."""
    head = word.lower()
    return len(head) > 5 and head.endswith(rules.level_suffixes) and not head.startswith(rules.condition_prefixes)


def _known_subject_after(entities: Sequence[dict], last: dict, vi: int) -> bool:
    """Whether a MEASUREMENT/SCORE starts right after a quantity's value or its unit (``last``),
    or after the second value of a range that follows it."""
    for ent in entities[vi + 1:vi + 5]:
        if ent["token_start"] > last["token_end"]:
            return False
        if ent["label"] in ("MEASUREMENT", "SCORE"):
            return True
        if ent["label"] in ("VALUE", "UNIT", "COMPARATOR") and ent["token_start"] >= last["token_end"]:
            last = ent  # "24 - 28 weeks gestation": over the range to its last word
    return False


def _known_subject_before(words: Sequence[str], entities: Sequence[dict], ci: int, window: int) -> bool:
    """Whether a MEASUREMENT/SCORE stands within ``window`` tokens before comparator ``ci``, or
    only bracketed asides and a link word or two do ("Hemoglobin (measured by the central
    laboratory) ≥ 9"), with no value between them."""
    start = entities[ci]["token_start"]
    for j in range(ci - 1, -1, -1):  # not a reversed slice: that copies every entity before ci
        ent = entities[j]
        if ent["token_end"] <= start - window - ASIDE_MAX_TOKENS or ent["label"] == "VALUE":
            return False
        if ent["label"] in ("MEASUREMENT", "SCORE"):
            return ent["token_end"] > start - window or \
                words_outside_asides(words, ent["token_end"], start, ASIDE_LINK_WORDS) is not None
    return False


class ShapeSubjectFinder:
    def __init__(self, nlp: Language, name: str = "eligex_shapes", max_value_gap: int = 1,
                 known_subject_margin: int = 3):
        self.name = name
        self.settings = {"max_value_gap": max_value_gap, "known_subject_margin": known_subject_margin}
        self.rules = ShapeRules(**self.settings)
        extensions.register()

    def initialize(self, get_examples=None, *, nlp=None, config_path: str = "configs/constraints.json",
                   shapes_path: str = "configs/shapes.json", entity_rules_path: str = "configs/entities"):
        self.rules = load_shape_rules(config_path, shapes_path, entity_rules_path, **self.settings)

    def __call__(self, doc: Doc) -> Doc:
        data = extensions.state(doc)
        entities = data["entities"]
        if not any(e["label"] == "COMPARATOR" for e in entities):
            return doc
        words = docview.view(doc).words
        new = find_shape_subjects(words, entities, self.rules)
        for rec in new:
            span = doc[rec["token_start"]:rec["token_end"]]
            ent = {"label": "MEASUREMENT", "start": span.start_char, "end": span.end_char,
                   "token_start": span.start, "token_end": span.end, "text": span.text,
                   "rule": SHAPE_RULE, "norm": span.text.lower(), "category": "measurement"}
            if rec.get("norm"):
                ent["norm"] = rec["norm"]
            if rec.get("category"):
                ent["category"] = rec["category"]  # "kalemia": a blood level
            if rec.get("after_quantity"):
                ent["rule"] = SHAPE_RULE_AFTER
                ent["attrs"] = {"after_quantity": True}
            entities.append(ent)
        if new:
            entities.sort(key=lambda e: (e["start"], e["end"]))
        return doc

    def to_disk(self, path, *, exclude=()):
        Path(path).mkdir(parents=True, exist_ok=True)
        srsly.write_json(Path(path) / "cfg.json", self.rules.to_dict())

    def from_disk(self, path, *, exclude=()):
        self.rules = ShapeRules.from_dict({**srsly.read_json(Path(path) / "cfg.json"), **self.settings})
        return self


@Language.factory("eligex_shapes", assigns=["doc._.eligex"],
                  default_config={"max_value_gap": 1, "known_subject_margin": 3})
def make_shape_finder(nlp: Language, name: str, max_value_gap: int, known_subject_margin: int) -> ShapeSubjectFinder:
    """Factory: subjects found by the shape noun phrase + comparator + number. ``max_value_gap``:
    tokens allowed between the comparator and its value; ``known_subject_margin``: how far beyond
    ``subject_max_tokens`` a known subject before the comparator stops a shape."""
    return ShapeSubjectFinder(nlp, name, max_value_gap, known_subject_margin)
