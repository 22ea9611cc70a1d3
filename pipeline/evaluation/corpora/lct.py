"""Mapping the Leaf Clinical Trials (LCT) corpus to eligex gold records.

LCT (``annotations/external/lct``) is BRAT standoff with its own schema (``annotation.conf``).
:func:`load_lct` turns it into records of our gold format (``annotations/GUIDELINE.md``), one per
non-empty line of each ``.txt`` (the enumerator is kept: it is part of the line), and a report of
what could not be mapped, per reason. Nothing is dropped silently: every annotation in scope that
is not mapped is counted under a reason and listed as a ``Problem`` of kind ``"unmapped"``.

In scope:

- ``Observation`` and ``Age`` events with a ``Numeric-Filter`` (an ``Eq-Comparison`` event) give
  one constraint per filter (a lower-only and an upper-only filter of one subject that LCT links
  with ``And`` make one two-sided constraint, as the guideline writes "≥18 and <65 years"); the
  comparison's ``Operator`` / ``Value`` / ``Unit`` / ``Per`` / ``Temporal-Unit`` spans give
  COMPARATOR / VALUE / UNIT entities and has_value / has_comparator / has_unit relations.
- ``Observation`` / ``Age`` triggers give MEASUREMENT (SCORE for a clinical score), ``Condition``
  triggers CONDITION, ``Negation`` triggers NEGATION (with ``negates`` relations), and time
  windows (``Eq-Temporal-Period`` / ``Eq-Temporal-Recency`` spans, ``Eq-Comparison`` spans linked
  by ``Temporality``) TEMPORAL (with ``has_temporal`` from the event that has the window).

- Time windows, durations, counts and stages (issue #13): an event's ``Temporality``,
  ``Duration``, ``Minimum-Count`` or ``Stage`` comparison with a value, and the ``Min-Value`` /
  ``Max-Value`` of a ``Criteria-Count`` ("two of the following"), give a ``temporal``,
  ``duration``, ``count`` or ``grade`` constraint on the event's trigger (:meth:`_DocumentMapper.
  map_role_constraints`, the tables of ``configs/lct.json`` "constraints"). A temporal window's
  ``direction`` comes from a ``Before`` / ``After`` relation of its comparison to an event, else
  from its ``Eq-Temporal-Period`` (past: before, future: after), else null (not annotated); its
  ``anchor`` is that event when its text is a known anchor ("prior to screening"), else null (not
  annotated). A window written without an operator bounds the elapsed time from above when LCT
  gives it a past / future period or a Before / After relation ("in the 6 months prior to the
  study" → upper 6, as "within"); with neither, its side is not written and it is not mapped. They
  add no entities. A measurement comparison whose value is a Roman numeral
  ("NYHA Class IV", "ASA physical status > II") is a ``grade`` constraint too (``grade_numerals``),
  with no entities. Class letters of a system that has them in ``configs/grades.json`` (Child-Pugh
  A/B/C → 1/2/3) are read when that system is named by the subject or between it and the
  comparison (:meth:`_DocumentMapper.grade_letters`); a ``Criteria-Count``'s bare ``Max-Value``
  written after its span ("at least three of the following four criteria") is the list size, the
  ``scale_max`` of the ``Min-Value`` constraint (:meth:`_DocumentMapper.list_size`).
  A ``Temporality`` without a value ("history of", "current") is no bound: a note, not a loss.

Section headings ("Inclusion Criteria:", "Subjects will be excluded if:") are recognised by the
patterns of ``configs/lct.json`` (:func:`load_headings`), not by ``configs/sections.jsonl``: they
describe how this corpus writes its headings, and the gold must not change when the pipeline's
section rules do.

The constraint's ``unit`` is left ``None``: the evaluator normalises ``unit_text`` with our unit
normaliser.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from functools import cached_property, lru_cache
from typing import Optional, Sequence, Tuple, Union

from pipeline.evaluation.corpora.brat import (BratDocument, Event, Span, TextBound, read_annotation_conf,
                           read_brat_dir)
from pipeline.core.numbers import parse_number
from pipeline.core.problems import Problem
from pipeline.rules.loading import CONFIG_SCHEMAS, RuleError, load_json_config

PathLike = Union[str, Path]

# Observation-Type-Value -> constraint category; anything else is "measurement".
OBSERVATION_CATEGORIES = {"lab": "lab", "vital": "vital", "measurement": "measurement",
                          "clinical-score": "score"}

# Eq-Operator-Value -> (side, inclusive); side "both" is an equality.
ONE_SIDED = {"EQ": ("both", True), "LT": ("upper", False), "LTEQ": ("upper", True),
             "GT": ("lower", False), "GTEQ": ("lower", True)}

# An operator and an equality sign together ("= <1") make the inclusive operator.
_INCLUSIVE = {"LT": "LTEQ", "GT": "GTEQ", "LTEQ": "LTEQ", "GTEQ": "GTEQ"}

# What may separate the parts of a compound unit for them to be one UNIT span ("mg/dL",
# "mg / dL", "cells per mm3", "kg∙m-2").
_UNIT_JOINER_RE = re.compile(r"^\s*(?:/|per|·|∙)?\s*$", re.I)
# What may stand between a value and a unit that is a denominator ("200/μL", "50 per ul").
_LEADING_SLASH_RE = re.compile(r"^\s*(?:/|per\s)\s*$", re.I)
_ROLE_SUFFIX_RE = re.compile(r"\d+$")

# Unmapped reasons (stable strings: they are keys of the report).
R_MULTILINE = "span crosses a line break"
R_DISCONTINUOUS = "discontinuous span"
R_OTHER_LINE = "comparison parts on another line than the subject"
R_NOT_EQ_COMPARISON = "numeric filter is not an Eq-Comparison event"
R_NOT_SUBJECT = "numeric filter on an event other than Observation/Age"
R_NEGATED_COMPARISON = "negated comparison"
R_NO_VALUE = "comparison without a value"
R_NON_NUMERIC_ARG = "value is not an Eq-Value (e.g. Severity)"
R_TOO_MANY_VALUES = "more than two values"
R_NOT_A_NUMBER = "value is not a number"
R_NO_OPERATOR_VALUE = "operator without Eq-Operator-Value"
R_PLUS_MINUS = "operator PLUS-MINUS"
R_BETWEEN_ONE_VALUE = "BETWEEN with one value"
R_UNLINKED_OPERATOR = "unlinked operator inside the comparison"
R_CONFLICTING_OPERATORS = "conflicting operators"
R_TWO_VALUES_ONE_SIDED = "two values with a one-sided operator"
R_UNIT_NOT_EQ_UNIT = "unit is not an Eq-Unit"
R_UNIT_AND_TEMPORAL = "both Unit and Temporal-Unit"
R_SEVERAL_UNITS = "more than one unit"
R_NEGATION_TARGET = "negated annotation outside our labels"
R_RELATION_LINES = "relation across lines"

# Unmapped reasons of the temporal / duration / count / grade mapping (prefixed by the category).
R_TIME_WITHOUT_UNIT = "no time unit (a date, a rate)"
R_TIME_WITHOUT_SIDE = "a time span without an operator, a period or a Before/After relation"
R_COUNT_WITH_UNIT = "a count with a unit (an amount or a rate)"
R_RATE = "a rate (Per)"

# Notes: interpretations that are not losses (counted in the report under "notes").
N_DESCENDING_RANGE = "range with Value > Value2 (ordered)"
N_DUPLICATE_ARGUMENT = "argument repeated under another role (ignored)"
N_DUPLICATE_CONSTRAINT = "identical constraint on one line (kept once)"
N_JOINED_BOUNDS = "lower and upper comparisons joined by And (one constraint)"
N_IMPLIED_ONE = "a window without a number on a singular time unit (within the past year): one of it"
N_PERIOD_ONLY = "temporality without a value (history of, current, prior): no bound"
N_COUNTED_UNIT = "a Minimum-Count whose unit is a counted noun (at least 4 sites): that noun is the subject"
N_WINDOW_RELATION = "a window related to its event by During (read as its Temporality)"
N_SNELLEN = "a Snellen fraction of visual acuity (20/400): decimal acuity, as the pipeline reads it"
N_LIST_SIZE = "list size of 'N of the following M' (Max-Value after the list): scale_max, no bound"

_Key = tuple[int, str, int, int]  # (line index, label, start, end) of an entity


@dataclass(frozen=True)
class Criterion:
    """One non-empty line: its 1-based line number, where its stripped text starts, the text."""

    number: int
    offset: int
    text: str

    @property
    def end(self) -> int:
        """Offset just after the stripped text."""
        return self.offset + len(self.text)


class Unmapped(Exception):
    """Raised inside the mapping of one constraint: ``reason`` is a report key."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def split_criteria(text: str) -> list[Criterion]:
    """The non-empty lines of ``text`` with their line number and stripped-text offset."""
    criteria, start = [], 0
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if stripped:
            criteria.append(Criterion(number, start + len(line) - len(line.lstrip()), stripped))
        start += len(line) + 1
    return criteria


#: (section, compiled pattern) per heading, in the order they are tried
Headings = Tuple[Tuple[str, re.Pattern], ...]


@lru_cache(maxsize=4)
def load_headings(path: Optional[str] = None) -> Headings:
    """The heading patterns of ``configs/lct.json`` (or ``path``), checked against its schema;
    a bad regex is a :class:`~pipeline.rules.loading.RuleError` naming the file and the heading."""
    from pipeline.core.paths import configs_dir

    file = Path(path) if path else configs_dir() / "lct.json"
    data = load_json_config(file, CONFIG_SCHEMAS["lct.json"])
    headings = []
    for i, heading in enumerate(data["headings"]):
        try:
            headings.append((heading["section"], re.compile(data["heading_prefix"] + heading["regex"], re.I)))
        except re.error as exc:
            raise RuleError([Problem(str(file), None, f"headings/{i}: bad regex: {exc}",
                                     record=heading["section"])]) from None
    return tuple(headings)


@dataclass(frozen=True)
class ConstraintTables:
    """The ``constraints`` tables of ``configs/lct.json``."""

    roles: dict
    criteria_count: dict
    criteria_subject: str
    periods: dict
    relations: dict
    anchors: dict
    number_words: dict
    grade_numerals: dict
    #: singular time units that stand for one of them in a window written without a number
    #: ("within the past year": upper 1 year), lower case
    implied_one_units: tuple = ()
    #: relation type from an event to a comparison that no event's role holds -> the role it
    #: stands for ("antidepressants during the last 6 months": ``During`` -> ``Temporality``)
    window_relations: dict = field(default_factory=dict)
    #: ``(system names, {letter: number})`` of the grading systems of ``configs/grades.json`` that
    #: have class letters (Child-Pugh A/B/C), names as :func:`_name_key` writes them
    grade_letters: tuple = ()
    #: ``word -> bool``: a unit word that is a counted noun ("sites"), as ``configs/counts.json`` reads one
    counted_noun: Optional[object] = None
    #: ``(keyword words, sub-stage letters)`` of the ``configs/grades.json`` keywords that have
    #: ``substages`` (stage A/B/C), lower case: "stage IIIB" is read as 3 as the pipeline reads it
    grade_substages: tuple = ()

    def substages_in(self, text: str) -> dict:
        """Sub-stage numerals (lower case: ``"iiib"`` -> 3, ``"1a"`` -> 1, ``"ivc1"`` -> 4) when
        ``text`` names a keyword that has sub-stages, else ``{}``."""
        words = set(re.findall(r"[a-z]+", text.lower()))
        out: dict = {}
        for keywords, numerals in self._substage_numerals:
            if words & keywords:
                out.update(numerals)
        return out

    @cached_property
    def _substage_numerals(self) -> tuple:
        """``(keyword words, {sub-stage numeral: value})`` of :attr:`grade_substages`, made once."""
        numerals = {**self.grade_numerals, **{str(d): d for d in range(10)}}
        return tuple((frozenset(keywords), {f"{numeral}{letter}{digit}": value
                                            for numeral, value in numerals.items() for letter in letters
                                            for digit in ("", *map(str, range(1, 10)))})
                     for keywords, letters in self.grade_substages)

    def letters_in(self, text: str) -> dict:
        """The class letters (lower case) of the lettered system named in ``text``, else ``{}``."""
        key = f" {_name_key(text)} "
        for names, letters in self.grade_letters:
            if any(f" {name} " in key for name in names):
                return letters
        return {}


def _name_key(text: str) -> str:
    """A system name for matching: lower case, words only, punctuation and spaces as one space
    ("Child-Pugh", "child pugh", "Child–Pugh", "Child's-Pugh", "(Child-Pugh" are one name)."""
    return " ".join(re.sub(r"['’`]s\b|\W+", " ", text.lower()).split())


@lru_cache(maxsize=2)
def _grades_config() -> dict:
    """``configs/grades.json``, read once for the grade tables below."""
    from pipeline.core.paths import configs_dir

    return load_json_config(configs_dir() / "grades.json", CONFIG_SCHEMAS["grades.json"])


def load_grade_letters() -> tuple:
    """The class letters of ``configs/grades.json`` systems that have them (``letters``), for
    :attr:`ConstraintTables.grade_letters`: the gold reads "Child-Pugh C" as the pipeline does."""
    return tuple((tuple(_name_key(n) for n in system["names"]),
                  {letter.lower(): value for letter, value in system["letters"].items()})
                 for system in _grades_config()["systems"] if system.get("letters"))


def load_grade_substages() -> tuple:
    """The sub-stage letters of ``configs/grades.json`` keywords that have them (``substages``),
    for :attr:`ConstraintTables.grade_substages`: the gold reads "stage IIIB" as the pipeline does."""
    return tuple((tuple(w.lower() for w in k["words"]), tuple(x.lower() for x in k["substages"]))
                 for k in _grades_config()["keywords"] if k.get("substages"))


#: the entity rule whose match makes a value a Snellen fraction (configs/entities/value.jsonl)
SNELLEN_RULE = "value.snellen"


@lru_cache(maxsize=2)
def load_snellen_pattern():
    """The compiled regex of :data:`SNELLEN_RULE` (``None`` when no rule has that id), so that the
    gold reads a visual acuity where the pipeline does."""
    from pipeline.components.entities import compile_rule_regex
    from pipeline.core.paths import configs_dir
    from pipeline.rules.loading import load_rules

    rules, _ = load_rules(configs_dir() / "entities", "entity")
    rule = next((r for r in rules if r["id"] == SNELLEN_RULE and r.get("regex")), None)
    return compile_rule_regex(rule) if rule is not None else None


@lru_cache(maxsize=2)
def load_counted_noun():
    """``word -> bool`` for :attr:`ConstraintTables.counted_noun`: ``word`` (lower case) reads as a
    counted plural noun by ``configs/counts.json`` (a plural, not a unit or time word of
    ``open_head.not_heads``, not a repetition's head: "occasions"), so that the gold counts what
    the pipeline counts."""
    from pipeline.components.constraints.counts import CountRules, is_counted_plural
    from pipeline.core.paths import configs_dir

    rules = CountRules.from_dict(load_json_config(configs_dir() / "counts.json", CONFIG_SCHEMAS["counts.json"]))
    return lambda word: is_counted_plural(word, rules)


@lru_cache(maxsize=4)
def load_constraint_tables(path: Optional[str] = None) -> ConstraintTables:
    """The temporal / duration / count / grade tables of ``configs/lct.json`` (or ``path``)."""
    from pipeline.core.paths import configs_dir

    file = Path(path) if path else configs_dir() / "lct.json"
    data = load_json_config(file, CONFIG_SCHEMAS["lct.json"])
    if "constraints" not in data:
        raise RuleError([Problem(str(file), None, "no \"constraints\" tables")])
    tables = {k: v for k, v in data["constraints"].items() if k != "comment"}
    tables["implied_one_units"] = tuple(w.lower() for w in tables.get("implied_one_units", ()))
    return ConstraintTables(**tables, grade_letters=load_grade_letters(), counted_noun=load_counted_noun(),
                            grade_substages=load_grade_substages())


def heading_section(line: str, headings: Optional[Sequence[Tuple[str, re.Pattern]]] = None) -> Optional[str]:
    """``"exclusion"`` / ``"inclusion"`` when ``line`` is a section heading (the first of
    ``headings``, default :func:`load_headings`, that matches), else ``None``."""
    for section, pattern in (load_headings() if headings is None else headings):
        if pattern.match(line):
            return section
    return None


def _base_role(role: str) -> str:
    """``Value2`` -> ``Value``."""
    return _ROLE_SUFFIX_RE.sub("", role)


def _same_unit(texts: list[str]) -> bool:
    """True when the texts are one unit written again ("years" / "Years" / "year")."""
    return len({t.lower().rstrip(".").rstrip("s") for t in texts}) == 1


class _DocumentMapper:
    """Maps one LCT document to records; collects unmapped reasons, notes and problems."""

    def __init__(self, doc: BratDocument, source: str, ann_source: str, headings: Headings,
                 tables: Optional[ConstraintTables] = None) -> None:
        self.doc = doc
        self.headings = headings
        self.tables = tables or load_constraint_tables()
        self.source = source
        self.ann_source = ann_source
        self.trial_id = doc.doc_id
        self.criteria = split_criteria(doc.text or "")
        self._starts = [c.offset for c in self.criteria]
        self.entities: dict[int, set[_Key]] = {i: set() for i in range(len(self.criteria))}
        self.relations: dict[int, set[tuple[_Key, _Key, str]]] = {
            i: set() for i in range(len(self.criteria))}
        self.constraints: dict[int, list[dict]] = {i: [] for i in range(len(self.criteria))}
        self.unmapped: Counter[str] = Counter()
        self.notes: Counter[str] = Counter()
        self.problems: list[Problem] = []

    # -- bookkeeping ----------------------------------------------------------------------------

    def criterion_id(self, index: int) -> str:
        """``<NCT>-L<line number>`` of the criterion at ``index``."""
        return f"{self.trial_id}-L{self.criteria[index].number:03d}"

    def report_unmapped(self, reason: str, ann_line: int, detail: str = "",
                        index: Optional[int] = None) -> None:
        """Count ``reason`` and keep a Problem pointing at the .ann line."""
        self.unmapped[reason] += 1
        record = self.criterion_id(index) if index is not None else self.trial_id
        message = f"not mapped: {reason}" + (f" ({detail})" if detail else "")
        self.problems.append(Problem(self.ann_source, ann_line, message, record, "unmapped"))

    # -- spans ----------------------------------------------------------------------------------

    def locate(self, tb: TextBound) -> tuple[int, int, int]:
        """``(criterion index, start, end)`` of ``tb`` relative to its line, or raise Unmapped."""
        text = self.doc.text or ""
        if tb.is_discontinuous:
            gaps = [text[a.end:b.start] for a, b in zip(tb.spans, tb.spans[1:])]
            if any(g.strip() or a.end > b.start for g, a, b in zip(gaps, tb.spans, tb.spans[1:])):
                raise Unmapped(R_DISCONTINUOUS, f"{tb.id} {tb.text!r}")
        index = bisect.bisect_right(self._starts, tb.start) - 1
        if index < 0 or tb.end > self.criteria[index].end:
            raise Unmapped(R_MULTILINE, f"{tb.id} {tb.text!r}")
        offset = self.criteria[index].offset
        return index, tb.start - offset, tb.end - offset

    def add_entity(self, tb: TextBound, label: str) -> _Key:
        """Add ``tb`` under ``label`` to its line; raise Unmapped when it cannot be placed."""
        index, start, end = self.locate(tb)
        key = (index, label, start, end)
        self.entities[index].add(key)
        return key

    def try_entity(self, tb: TextBound, label: str) -> Optional[_Key]:
        """:meth:`add_entity`, reporting (instead of raising) when the span cannot be placed."""
        try:
            return self.add_entity(tb, label)
        except Unmapped as err:
            self.report_unmapped(err.reason, tb.line, err.detail)
            return None

    def relate(self, source: Optional[_Key], target: Optional[_Key], rel_type: str,
               ann_line: int) -> None:
        """Add a relation between two entities of one line (a missing end adds nothing)."""
        if source is None or target is None:
            return
        if source[0] != target[0]:
            self.report_unmapped(R_RELATION_LINES, ann_line, rel_type, source[0])
            return
        self.relations[source[0]].add((source, target, rel_type))

    # -- entities -------------------------------------------------------------------------------

    def subject_label(self, event: Event) -> str:
        """SCORE for a clinical-score Observation, MEASUREMENT for other Observations and Age."""
        value = self.doc.attributes_of(event.id).get("Observation-Type-Value")
        return "SCORE" if event.type == "Observation" and value == "clinical-score" \
            else "MEASUREMENT"

    def event_entity(self, event: Event) -> Optional[_Key]:
        """The entity of an Observation / Age / Condition event's trigger (None otherwise)."""
        tb = self.doc.textbounds[event.trigger]
        if event.type in ("Observation", "Age"):
            return self.try_entity(tb, self.subject_label(event))
        if event.type == "Condition":
            return self.try_entity(tb, "CONDITION")
        return None

    def map_entities(self) -> None:
        """Subjects, conditions, negations, time windows and their relations."""
        doc = self.doc
        subject_keys: dict[str, Optional[_Key]] = {}
        for event in doc.events.values():
            if event.type in ("Observation", "Age", "Condition"):
                subject_keys[event.id] = self.event_entity(event)
        temporal: list[tuple[Optional[str], TextBound, int]] = []
        for tb in doc.textbounds.values():
            if tb.type in ("Eq-Temporal-Period", "Eq-Temporal-Recency"):
                temporal.append((None, tb, tb.line))
        for event in doc.events.values():
            for role, arg in event.arguments:
                if _base_role(role) == "Temporality" and arg in doc.events:
                    temporal.append((event.id, doc.textbounds[doc.events[arg].trigger],
                                     event.line))
        self.map_temporal(temporal, subject_keys)
        for event in doc.events.values():
            if event.type == "Negation":
                self.map_negation(event, subject_keys)

    def map_temporal(self, temporal: list[tuple[Optional[str], TextBound, int]],
                     subject_keys: dict[str, Optional[_Key]]) -> None:
        """TEMPORAL spans (a span inside a larger one is dropped) and ``has_temporal``."""
        placed = []
        for owner, tb, ann_line in temporal:
            key = self.try_entity(tb, "TEMPORAL")
            if key is not None:
                placed.append((owner, key, ann_line))
        keys = {key for _, key, _ in placed}
        outer = {k: max((o for o in keys if o[0] == k[0] and o[2] <= k[2] and k[3] <= o[3]),
                        key=lambda o: o[3] - o[2]) for k in keys}
        for key in keys - set(outer.values()):
            self.entities[key[0]].discard(key)
        for owner, key, ann_line in placed:
            if owner is not None and subject_keys.get(owner) is not None:
                self.relate(subject_keys[owner], outer[key], "has_temporal", ann_line)

    def map_negation(self, event: Event, subject_keys: dict[str, Optional[_Key]]) -> None:
        """NEGATION cue and ``negates`` to the subjects/conditions it negates."""
        cue = self.try_entity(self.doc.textbounds[event.trigger], "NEGATION")
        for role, arg in event.arguments:
            if _base_role(role) != "Negates":
                continue
            if subject_keys.get(arg) is None:
                if arg not in subject_keys:
                    self.report_unmapped(R_NEGATION_TARGET, event.line,
                                         f"{event.id} negates a {self.doc.type_of(arg)}")
                continue
            self.relate(cue, subject_keys[arg], "negates", event.line)

    # -- constraints ----------------------------------------------------------------------------

    def negated_ids(self) -> set[str]:
        """Ids of everything a Negation event negates."""
        return {arg for e in self.doc.events.values() if e.type == "Negation"
                for role, arg in e.arguments if _base_role(role) == "Negates"}

    def map_constraints(self) -> None:
        """Constraints of every Observation / Age event's numeric filters."""
        negated = self.negated_ids()
        for event in self.doc.events.values():
            mapped: list[tuple[str, int, dict]] = []
            for arg in event.args("Numeric-Filter"):
                if event.type not in ("Observation", "Age"):
                    self.report_unmapped(R_NOT_SUBJECT, event.line, f"{event.id} {event.type}")
                    continue
                try:
                    index, constraints = self.map_constraint(event, arg, negated)
                    mapped.extend((arg, index, c) for c in constraints)
                except Unmapped as err:
                    index = self.locate_or_none(self.doc.textbounds[event.trigger])
                    self.report_unmapped(err.reason, event.line, err.detail, index)
            for index, constraint in self.join_bounds(mapped):
                self.add_constraint(index, constraint)

    def add_constraint(self, index: int, constraint: dict) -> None:
        """``constraint`` on criterion ``index``, once (a repeat is counted as a note)."""
        if constraint in self.constraints[index]:
            self.notes[N_DUPLICATE_CONSTRAINT] += 1
        else:
            self.constraints[index].append(constraint)

    def join_bounds(self, mapped: list[tuple[str, int, dict]]) -> list[tuple[int, dict]]:
        """Join a lower-only and an upper-only constraint of one subject linked by ``And``.

        The guideline writes "≥18 and <65 years" as one constraint; LCT has two comparisons
        and an ``And`` relation between them. They are joined when the lower bound is below
        the upper one and the units agree (or one is not given); otherwise kept apart.
        """
        if len(mapped) != 2:
            return [(index, c) for _, index, c in mapped]
        (id_a, index, a), (id_b, _, b) = mapped
        linked = any(r.type == "And" and {x for _, x in r.arguments} == {id_a, id_b}
                     for r in self.doc.relations.values())
        low, high = (a, b) if a["upper"] is None else (b, a)
        one_sided = (low["lower"] is not None and low["upper"] is None
                     and high["lower"] is None and high["upper"] is not None)
        units_agree = (None in (low["unit_text"], high["unit_text"])
                       or low["unit_text"] == high["unit_text"])
        if not (linked and one_sided and units_agree
                and low["lower"]["value"] < high["upper"]["value"]):
            return [(index, a), (index, b)]
        self.notes[N_JOINED_BOUNDS] += 1
        joined = dict(low, upper=high["upper"], unit_text=low["unit_text"] or high["unit_text"],
                      scale_max=high["scale_max"] if low["scale_max"] is None
                      else low["scale_max"])
        return [(index, joined)]

    def map_role_constraints(self) -> None:
        """Temporal, duration, count and grade constraints (see the module docstring); what
        cannot be mapped is reported as ``"<category>: <reason>"``."""
        negated = self.negated_ids()
        for event in self.doc.events.values():
            size_arg, list_size = self.list_size(event)
            for role, arg in event.arguments:
                base = _base_role(role)
                if arg == size_arg:
                    continue
                if event.type == "Criteria-Count" and base in self.tables.criteria_count:
                    category = "count"
                elif base in self.tables.roles and event.type != "Criteria-Count":
                    category = self.tables.roles[base]
                else:
                    continue
                try:
                    mapped = self.map_role_constraint(event, base, category, arg, negated)
                except Unmapped as err:
                    index = self.locate_or_none(self.doc.textbounds[event.trigger])
                    self.report_unmapped(f"{category}: {err.reason}", event.line, err.detail, index)
                    continue
                if mapped is None:
                    continue
                index, constraint = mapped
                if list_size is not None and base == "Min-Value":
                    constraint["scale_max"] = list_size
                self.add_constraint(index, constraint)
        self.map_window_relations(negated)

    def map_window_relations(self, negated: set[str]) -> None:
        """Windows that LCT links to their event by a relation instead of a role: an event
        ``During`` a comparison that no event holds in a role ("Taking any prophylactic medication
        during the previous one month", "antidepressants during the last 6 months": the drug's
        ``Temporality`` role holds "taking", the window is related) is read as that role
        (``window_relations`` of ``configs/lct.json``)."""
        doc, tables = self.doc, self.tables
        if not tables.window_relations:
            return
        owned = {arg for e in doc.events.values() for _, arg in e.arguments}
        for rel in doc.relations.values():
            role = tables.window_relations.get(rel.type)
            args = dict(rel.arguments)
            event, comparison = doc.events.get(args.get("Arg1", "")), doc.events.get(args.get("Arg2", ""))
            if role is None or event is None or comparison is None or comparison.type != "Eq-Comparison" \
                    or event.type == "Eq-Comparison" or comparison.id in owned or role not in tables.roles:
                continue
            category = tables.roles[role]
            try:
                mapped = self.map_role_constraint(event, role, category, comparison.id, negated)
            except Unmapped as err:
                index = self.locate_or_none(doc.textbounds[event.trigger])
                self.report_unmapped(f"{category}: {err.reason}", rel.line, err.detail, index)
                continue
            if mapped is None:
                continue
            index, constraint = mapped
            self.notes[N_WINDOW_RELATION] += 1
            self.add_constraint(index, constraint)

    def list_size(self, event: Event) -> tuple[Optional[str], Optional[float]]:
        """``(argument id, value)`` of a Criteria-Count's Max-Value that is the size of the list
        (GUIDELINE: "at least three of the following four criteria" -> lower 3, scale_max 4): a
        bare number (no operator) written after the Criteria-Count span, beside a Min-Value and
        above it. ``(None, None)`` otherwise ("two or three of the above": Max-Value 3 is a bound)."""
        if event.type != "Criteria-Count":
            return None, None
        args = {_base_role(role): arg for role, arg in event.arguments}
        size, least = self.doc.events.get(args.get("Max-Value", "")), self.doc.events.get(args.get("Min-Value", ""))
        if size is None or least is None or size.type != "Eq-Comparison" or least.type != "Eq-Comparison":
            return None, None
        parts, trigger = self.comparison_parts(size), self.doc.textbounds[event.trigger]
        if parts["Operator"] or len(parts["Value"]) != 1 or parts["Value"][0].start < trigger.end:
            return None, None
        words = self.tables.number_words
        value = parse_number(parts["Value"][0].text, words)
        low = [parse_number(tb.text, words) for tb in self.comparison_parts(least)["Value"]]
        if value is None or not low or None in low or max(low) >= value:
            return None, None
        self.notes[N_LIST_SIZE] += 1
        return args["Max-Value"], value

    def map_role_constraint(self, event: Event, role: str, category: str, filter_id: str,
                            negated: set[str]) -> Optional[tuple[int, dict]]:
        """``(criterion index, constraint)`` of one comparison in a temporal / duration / count /
        grade role, ``None`` for a temporality without a value; raise Unmapped otherwise."""
        doc, tables = self.doc, self.tables
        comparison = doc.events.get(filter_id)
        if comparison is None or comparison.type != "Eq-Comparison":
            raise Unmapped(R_NOT_EQ_COMPARISON, f"{event.id} -> {filter_id}")
        parts = self.comparison_parts(comparison)
        periods = [doc.attributes_of(a).get("Eq-Temporal-Period-Value")
                   for r, a in comparison.arguments if _base_role(r) == "Temporal-Period"]
        if not parts["Value"] and not parts["Operator"] and not parts["Temporal-Unit"] \
                and category == "temporal":
            self.notes[N_PERIOD_ONLY] += 1
            return None
        if filter_id in negated:
            raise Unmapped(R_NEGATED_COMPARISON, f"{filter_id} {doc.span_of(filter_id).text!r}")
        trigger = doc.textbounds[event.trigger]
        index, s_start, s_end = self.locate(trigger)
        words = dict(tables.number_words)
        if category == "grade":
            words.update(tables.grade_numerals)
            words.update(self.grade_letters(trigger, comparison))
        tunits = parts["Temporal-Unit"]
        if not parts["Value"] and category in ("temporal", "duration") and len(tunits) == 1 \
                and tunits[0].text.strip().lower() in tables.implied_one_units:
            values = [(1.0, tunits[0])]  # "within the past year": one year (GUIDELINE)
            self.notes[N_IMPLIED_ONE] += 1
        else:
            values = self.parse_values(comparison, parts["Value"], words)
        anchor, related = self.anchor_of(filter_id)
        period = next((tables.periods[p] for p in periods if p in tables.periods), None)
        direction = related or period
        operators = parts["Operator"]
        if category in ("temporal", "duration"):
            if parts["Per"]:
                raise Unmapped(R_RATE, f"{comparison.id} {doc.span_of(filter_id).text!r}")
            if not parts["Temporal-Unit"] or parts["Unit"]:
                raise Unmapped(R_TIME_WITHOUT_UNIT, f"{comparison.id} {doc.span_of(filter_id).text!r}")
        elif category == "count" and (parts["Unit"] or parts["Per"] or parts["Temporal-Unit"]):
            counted = self.counted_unit(parts)
            if counted is None:
                raise Unmapped(R_COUNT_WITH_UNIT, f"{comparison.id} {doc.span_of(filter_id).text!r}")
            trigger = counted  # "at least 4 sites": the sites are counted (GUIDELINE, counts)
            index, s_start, s_end = self.locate(trigger)
            self.notes[N_COUNTED_UNIT] += 1
        if not operators:
            self.check_implicit_operator(comparison, "EQ" if len(values) == 1 else "BETWEEN")
        if not operators and len(values) == 1 and role in tables.criteria_count:
            # "one of the following": at least one (Min-Value), at most (Max-Value)
            bound = {"value": values[0][0], "inclusive": True}
            side = tables.criteria_count[role]
            lower, upper = (bound, None) if side == "lower" else (None, bound)
        elif not operators and len(values) == 1 and category in ("temporal", "duration"):
            if category == "duration" or direction is None:  # "6 months": which side is not written
                raise Unmapped(R_TIME_WITHOUT_SIDE, f"{comparison.id} {doc.span_of(filter_id).text!r}")
            # "last 6 months", and a span LCT relates Before / After an event ("in the 6 months
            # prior to the study", "surgery two years prior to enrollment"): a window up to it
            lower, upper = None, {"value": values[0][0], "inclusive": True}
        else:
            lower, upper, _ = self.bounds(operators, values)
        for tb in parts["Value"] + operators + parts["Temporal-Unit"]:
            if self.locate(tb)[0] != index:
                raise Unmapped(R_OTHER_LINE, f"{event.id} / {tb.id} {tb.text!r}")
        unit_text = parts["Temporal-Unit"][0].text if category in ("temporal", "duration") else None
        constraint = {
            "subject": tables.criteria_subject if event.type == "Criteria-Count" else trigger.text.lower(),
            "subject_span": [s_start, s_end], "category": category,
            "lower": lower, "upper": upper,
            "unit": "{grade}" if category == "grade" else None, "unit_text": unit_text,
            "scale_max": None, "condition": None, "negated": event.id in negated,
        }
        if category == "temporal":
            constraint["anchor"] = anchor
            constraint["direction"] = direction
        return index, constraint

    def counted_unit(self, parts: dict) -> Optional[TextBound]:
        """The Eq-Unit of a Minimum-Count that is the counted noun ("at least 4 *sites*",
        "minimum two *joints*"): the only unit, no Per or time unit, words only, the last one a
        plural noun as ``configs/counts.json`` counts one (:attr:`ConstraintTables.counted_noun`;
        not a repetition: "two *occasions*"); else ``None`` (an amount or a rate: "≥24 g
        alcohol/day", "more than 30%")."""
        if parts["Per"] or parts["Temporal-Unit"] or len(parts["Unit"]) != 1 or self.tables.counted_noun is None:
            return None
        unit = parts["Unit"][0]
        words = unit.text.lower().split()
        if not words or not all(re.fullmatch(r"[a-z]+(?:-[a-z]+)*", w) for w in words):
            return None
        return unit if self.tables.counted_noun(words[-1]) else None

    def grade_letters(self, trigger: TextBound, comparison: Event) -> dict:
        """The class letters of a lettered system (``configs/grades.json``: Child-Pugh A/B/C ->
        1/2/3) named by the subject or in the text from it to the comparison ("Child-Pugh C",
        "cirrhosis (Child-Pugh class B)"), else ``{}``: other letters stay not a number; and the
        sub-stage numerals when the comparison names a stage ("stage IVC" -> 4, GUIDELINE)."""
        span = self.doc.textbounds[comparison.trigger]
        start, end = min(trigger.start, span.start), max(trigger.end, span.end)
        text = self.doc.text or ""
        return {**self.tables.substages_in(text[span.start:span.end]), **self.tables.letters_in(text[start:end])}

    def anchor_of(self, comparison_id: str) -> tuple[Optional[str], Optional[str]]:
        """``(anchor, direction)`` from a Before / After relation of the comparison to an event
        ("within 3 months prior to screening"): the anchor when the event's text is one of
        ``anchors`` (else null: not annotated), the direction from the relation type."""
        for rel in self.doc.relations.values():
            args = dict(rel.arguments)
            if rel.type in self.tables.relations and args.get("Arg1") == comparison_id:
                target = self.doc.span_of(args.get("Arg2", ""))
                name = " ".join(target.text.lower().split()) if target is not None else ""
                return self.tables.anchors.get(name), self.tables.relations[rel.type]
        return None, None

    def locate_or_none(self, tb: TextBound) -> Optional[int]:
        """The criterion index of ``tb``, or ``None`` when it cannot be placed."""
        try:
            return self.locate(tb)[0]
        except Unmapped:
            return None

    def map_constraint(self, subject: Event, filter_id: str, negated: set[str]
                       ) -> tuple[int, list[dict]]:
        """``(criterion index, constraints)`` of one numeric filter, adding its entities and
        relations; raise Unmapped when it cannot be mapped. One constraint, or two for a pair of
        values written as one under a one-sided operator ("BP > 140/90": systolic, diastolic)."""
        doc = self.doc
        comparison = doc.events.get(filter_id)
        if comparison is None or comparison.type != "Eq-Comparison":
            raise Unmapped(R_NOT_EQ_COMPARISON, f"{subject.id} -> {filter_id}")
        if filter_id in negated:
            raise Unmapped(R_NEGATED_COMPARISON, f"{filter_id} {doc.span_of(filter_id).text!r}")
        trigger = doc.textbounds[subject.trigger]
        index, s_start, s_end = self.locate(trigger)
        parts = self.comparison_parts(comparison)
        try:
            values = self.parse_values(comparison, parts["Value"])
            graded = False
        except Unmapped as err:  # a Roman numeral ("NYHA Class IV", "ASA >= IV"): a class, grade or stage
            if err.reason != R_NOT_A_NUMBER:
                raise
            values = self.parse_values(comparison, parts["Value"],
                                       {**self.tables.grade_numerals, **self.grade_letters(trigger, comparison)})
            graded = True
        if not parts["Operator"]:
            self.check_implicit_operator(comparison, "EQ" if len(values) == 1 else "BETWEEN")
        pair = self.written_as_pair(parts["Operator"], values)
        if pair:  # one bound per value, each under the operator
            sides, comparator_of = [], {}
            for value in pair:
                lower, upper, of_value = self.bounds(parts["Operator"], [value])
                sides.append((lower, upper))
                comparator_of.update(of_value)
        else:
            lower, upper, comparator_of = self.bounds(parts["Operator"], values)
            sides = [(lower, upper)]
        units, unit_text, scale_max = self.unit_of(parts, [tb for _, tb in values])
        for tb in parts["Value"] + parts["Operator"] + units:
            if self.locate(tb)[0] != index:
                raise Unmapped(R_OTHER_LINE, f"{subject.id} / {tb.id} {tb.text!r}")
        if not graded:  # a grade adds no entities (GUIDELINE: grades are not VALUEs), as a Stage role
            subject_key = self.add_entity(trigger, self.subject_label(subject))
            self.add_comparison_entities(subject_key, values, comparator_of, units, comparison.line)
        category = "age" if subject.type == "Age" else OBSERVATION_CATEGORIES.get(
            doc.attributes_of(subject.id).get("Observation-Type-Value") or "", "measurement")
        if graded:
            category = "grade"
        return index, [{
            "subject": "age" if subject.type == "Age" else trigger.text.lower(),
            "subject_span": [s_start, s_end], "category": category,
            "lower": lower, "upper": upper, "unit": "{grade}" if graded else None, "unit_text": unit_text,
            "scale_max": scale_max, "condition": None, "negated": subject.id in negated,
        } for lower, upper in sides]

    def written_as_pair(self, operators: list[TextBound], values: list[tuple[float, TextBound]]
                        ) -> Optional[list[tuple[float, TextBound]]]:
        """The two values in text order when they are written as one ("140/90": only a slash
        between, the first the larger) under one-sided operators alone (the GUIDELINE's pairs: a
        bound each), else None. A smaller first value is a score out of a total ("> 2/10")."""
        if len(values) != 2 or not operators:
            return None
        kinds = {self.doc.attributes_of(op.id).get("Eq-Operator-Value") for op in operators}
        if kinds & {None, "BETWEEN", "EQ", "PLUS-MINUS"}:
            return None
        first, second = sorted(values, key=lambda v: v[1].start)
        between = (self.doc.text or "")[first[1].end:second[1].start]
        return [first, second] if between.strip() == "/" and first[0] > second[0] else None

    def comparison_parts(self, comparison: Event) -> dict[str, list[TextBound]]:
        """Argument spans by base role (``Value2`` under ``Value``), distinct, in text order."""
        parts: dict[str, list[TextBound]] = {r: [] for r in
                                             ("Value", "Operator", "Unit", "Per", "Temporal-Unit")}
        seen: dict[str, str] = {}
        for role, arg in comparison.arguments:
            base = _base_role(role)
            if base not in parts:
                continue
            if arg in seen:
                if seen[arg] != role:
                    self.notes[N_DUPLICATE_ARGUMENT] += 1
                continue
            seen[arg] = role
            tb = self.doc.span_of(arg)
            expected = {"Value": "Eq-Value", "Operator": "Eq-Operator", "Unit": "Eq-Unit"}
            if base in expected and tb.type != expected[base]:
                reason = R_NON_NUMERIC_ARG if base == "Value" else R_UNIT_NOT_EQ_UNIT
                raise Unmapped(reason, f"{comparison.id} {role}:{arg} is a {tb.type}")
            parts[base].append(tb)
        for tbs in parts.values():
            tbs.sort(key=lambda t: (t.start, t.end))
        return parts

    def check_implicit_operator(self, comparison: Event, implicit: str) -> None:
        """Raise Unmapped when an unlinked Eq-Operator inside the comparison contradicts
        the implicit reading (``implicit``: EQ for one value, BETWEEN for two).

        An operator is implicit ("aged 18-65") only when there is no operator to link; an
        ``Eq-Operator`` inside the comparison's span that is not its argument ("≥ 50 mL/min"
        with the "≥" left unlinked) is a missing argument.
        """
        trigger = self.doc.textbounds[comparison.trigger]
        for tb in self.doc.textbounds.values():
            if tb.type == "Eq-Operator" and trigger.start <= tb.start and tb.end <= trigger.end \
                    and self.doc.attributes_of(tb.id).get("Eq-Operator-Value") != implicit:
                raise Unmapped(R_UNLINKED_OPERATOR, f"{comparison.id} {tb.id} {tb.text!r}")

    def parse_values(self, comparison: Event, tbs: list[TextBound], words: Optional[dict] = None
                     ) -> list[tuple[float, TextBound]]:
        """The numbers of the value spans (``words``: number words), sorted by value; raise
        Unmapped when not usable."""
        if not tbs:
            raise Unmapped(R_NO_VALUE, comparison.id)
        if len(tbs) > 2:
            raise Unmapped(R_TOO_MANY_VALUES, " ".join(repr(t.text) for t in tbs))
        values = []
        for tb in tbs:
            number = parse_number(tb.text, words)
            if number is None:
                number = self.snellen_value(tb)
            if number is None:
                raise Unmapped(R_NOT_A_NUMBER, repr(tb.text))
            values.append((number, tb))
        first, second = comparison.args("Value"), comparison.args("Value2")
        if len(first) == 1 and len(second) == 1 and len(values) == 2:
            by_id = {tb.id: n for n, tb in values}
            if by_id.get(self.doc.span_of(first[0]).id, 0) > \
                    by_id.get(self.doc.span_of(second[0]).id, 0):
                self.notes[N_DESCENDING_RANGE] += 1
        return sorted(values, key=lambda v: v[0])

    def snellen_value(self, tb: TextBound) -> Optional[float]:
        """A Snellen fraction of visual acuity ("BCVA between 20/400 and 20/40") as the pipeline
        reads it, decimal acuity (GUIDELINE; 20/400 -> 0.05): where the ``value.snellen`` rule of
        ``configs/entities`` matches the value span in its text, else ``None``."""
        pattern = load_snellen_pattern()
        text = self.doc.text or ""
        m = pattern.match(text, tb.start) if pattern is not None else None
        if m is None or m.end() != tb.end:
            return None
        from pipeline.components.constraints.quantities import read_number

        self.notes[N_SNELLEN] += 1
        return read_number(tb.text, {})

    def bounds(self, operators: list[TextBound], values: list[tuple[float, TextBound]]
               ) -> tuple[Optional[dict], Optional[dict], dict[str, list[TextBound]]]:
        """``(lower, upper, {value span id: comparator spans})`` from the operators and values."""
        kinds: dict[TextBound, str] = {}
        for op in operators:
            kind = self.doc.attributes_of(op.id).get("Eq-Operator-Value")
            if kind is None:
                raise Unmapped(R_NO_OPERATOR_VALUE, f"{op.id} {op.text!r}")
            if kind == "PLUS-MINUS":
                raise Unmapped(R_PLUS_MINUS, repr(op.text))
            kinds[op] = kind
        if len(values) == 1:
            return self.one_value_bounds(kinds, values[0])
        return self.range_bounds(kinds, values)

    @staticmethod
    def one_value_bounds(kinds: dict[TextBound, str], value: tuple[float, TextBound]
                         ) -> tuple[Optional[dict], Optional[dict], dict[str, list[TextBound]]]:
        """Bounds of one value: no operator is an equality; "=" with "<" / ">" is inclusive."""
        number, tb = value
        found = set(kinds.values()) or {"EQ"}
        if len(found) == 2 and "EQ" in found:  # "= <1" for "=<", "= 5 or higher": inclusive
            other = (found - {"EQ"}).pop()
            found = {_INCLUSIVE.get(other, other)}
        if found == {"BETWEEN"}:
            raise Unmapped(R_BETWEEN_ONE_VALUE, repr(tb.text))
        if len(found) != 1 or "BETWEEN" in found:
            raise Unmapped(R_CONFLICTING_OPERATORS, ", ".join(sorted(found)))
        side, inclusive = ONE_SIDED[found.pop()]
        bound = {"value": number, "inclusive": inclusive}
        lower = bound if side in ("lower", "both") else None
        upper = dict(bound) if side in ("upper", "both") else None
        return lower, upper, {tb.id: list(kinds)}

    @staticmethod
    def range_bounds(kinds: dict[TextBound, str], values: list[tuple[float, TextBound]]
                     ) -> tuple[Optional[dict], Optional[dict], dict[str, list[TextBound]]]:
        """Bounds of two values: a range, inclusive unless a one-sided operator beside the
        BETWEEN says otherwise ("2 to <12"); two values under a one-sided operator alone
        ("> 140/90") are not a range."""
        (low, low_tb), (high, high_tb) = values
        one_sided = {op: k for op, k in kinds.items() if k not in ("BETWEEN", "EQ")}
        if one_sided and "BETWEEN" not in kinds.values():
            raise Unmapped(R_TWO_VALUES_ONE_SIDED, ", ".join(sorted(set(one_sided.values()))))
        lower = {"value": low, "inclusive": True}
        upper = {"value": high, "inclusive": True}
        comparator_of = {low_tb.id: [], high_tb.id: []}
        sides: dict[str, set[str]] = {"lower": set(), "upper": set()}
        for op, kind in kinds.items():
            if op in one_sided:
                side, inclusive = ONE_SIDED[kind]
                sides[side].add(kind)
                (lower if side == "lower" else upper)["inclusive"] = inclusive
                comparator_of[low_tb.id if side == "lower" else high_tb.id].append(op)
            else:
                comparator_of[low_tb.id].append(op)
                comparator_of[high_tb.id].append(op)
        if any(len(s) > 1 for s in sides.values()):
            raise Unmapped(R_CONFLICTING_OPERATORS, ", ".join(sorted(set(kinds.values()))))
        return lower, upper, comparator_of

    def unit_of(self, parts: dict[str, list[TextBound]], values: list[TextBound]
                ) -> tuple[list[TextBound], Optional[str], Optional[float]]:
        """``(UNIT spans, unit_text, scale_max)`` of a comparison.

        The unit is the ``Unit`` (else the ``Temporal-Unit``) with its ``Per`` denominators. A
        compound unit written in one piece ("mg/dL", "mL/min/1.73 m2") is one span and its text
        as written; otherwise ``unit_text`` is "Unit/Per". A unit that follows its value after a
        slash ("200/μL") starts with the slash. A numeric denominator alone ("2/10") is a scale:
        ``scale_max`` 10, no unit.
        """
        units, per, temporal = parts["Unit"], parts["Per"], parts["Temporal-Unit"]
        if units and temporal:
            raise Unmapped(R_UNIT_AND_TEMPORAL, f"{units[0].text!r} / {temporal[0].text!r}")
        numerator = units or temporal
        if not numerator and not per:
            return [], None, None
        text = self.doc.text or ""
        chain = sorted(numerator + per, key=lambda t: t.start)
        joined = len(chain) > 1 and all(
            a.end <= b.start and _UNIT_JOINER_RE.match(text[a.end:b.start])
            for a, b in zip(chain, chain[1:]))
        if not joined and (len(per) > 1 or (len(numerator) > 1 and not _same_unit(
                [t.text for t in numerator]))):
            raise Unmapped(R_SEVERAL_UNITS, " / ".join(repr(t.text) for t in chain))
        first = chain[0] if joined else (numerator or per)[0]
        end = chain[-1].end if joined else first.end
        slash = self.leading_slash(first, values)
        start = first.start if slash is None else slash
        head = TextBound(first.id, "Eq-Unit", (Span(start, end),), text[start:end], first.line)
        spans = [head] if joined else [head] + numerator[1:]  # a range may repeat its unit
        if not numerator:
            scale = parse_number(per[0].text) if len(per) == 1 else None
            if scale is not None:
                return spans, None, scale
            return spans, "/" + "/".join(p.text.strip("/") for p in per), None
        if joined:
            unit_text = text[chain[0].start:chain[-1].end]
        else:
            unit_text = numerator[0].text.rstrip("/")
            if per:
                unit_text += "/" + per[0].text.strip("/")
        if slash is not None and not unit_text.startswith("/"):
            unit_text = "/" + unit_text
        return spans, unit_text, None

    def leading_slash(self, first: TextBound, values: list[TextBound]) -> Optional[int]:
        """Where a "/" (or "per") between the nearest value and ``first`` starts, if there is one."""
        before = [v for v in values if v.end <= first.start]
        if not before:
            return None
        value_end = max(v.end for v in before)
        gap = (self.doc.text or "")[value_end:first.start]
        if not _LEADING_SLASH_RE.match(gap):
            return None
        return value_end + len(gap) - len(gap.lstrip())

    def add_comparison_entities(self, subject_key: _Key, values: list[tuple[float, TextBound]],
                                comparator_of: dict[str, list[TextBound]],
                                units: list[TextBound], ann_line: int) -> None:
        """VALUE / COMPARATOR / UNIT entities and has_value / has_comparator / has_unit."""
        unit_keys = [(tb, self.add_entity(tb, "UNIT")) for tb in units]
        for _, value_tb in values:
            value_key = self.add_entity(value_tb, "VALUE")
            self.relate(subject_key, value_key, "has_value", ann_line)
            for op in comparator_of.get(value_tb.id, []):
                self.relate(value_key, self.add_entity(op, "COMPARATOR"), "has_comparator",
                            ann_line)
            if unit_keys:  # the nearest unit, preferring one after the value
                _, unit_key = min(unit_keys, key=lambda u: (u[0].start < value_tb.end,
                                                            abs(u[0].start - value_tb.end)))
                self.relate(value_key, unit_key, "has_unit", ann_line)

    # -- records --------------------------------------------------------------------------------

    def records(self) -> list[dict]:
        """The gold records of the document, one per non-empty line."""
        self.map_entities()
        self.map_constraints()
        self.map_role_constraints()
        out, section = [], None
        for index, criterion in enumerate(self.criteria):
            section = heading_section(criterion.text, self.headings) or section
            keys = sorted(self.entities[index], key=lambda k: (k[2], k[3], k[1]))
            ids = {key: n for n, key in enumerate(keys, start=1)}
            relations = sorted({(ids[a], ids[b], t) for a, b, t in self.relations[index]
                                if a in ids and b in ids})
            out.append({
                "trial_id": self.trial_id,
                "criterion_id": self.criterion_id(index),
                "section": section,
                "source": self.source,
                "offset": criterion.offset,
                "text": criterion.text,
                "entities": [{"id": ids[k], "label": k[1], "start_offset": k[2],
                              "end_offset": k[3]} for k in keys],
                "relations": [{"id": n, "from_id": a, "to_id": b, "type": t}
                              for n, (a, b, t) in enumerate(relations, start=1)],
                "constraints": sorted(self.constraints[index],
                                      key=lambda c: (c["subject_span"], c["subject"])),
            })
        return out


def map_document(doc: BratDocument, source: str, ann_source: str, headings: Optional[Headings] = None
                 ) -> tuple[list[dict], Counter, Counter, list[Problem]]:
    """Map one LCT document: ``(records, unmapped reasons, notes, problems)``.

    ``source`` / ``ann_source`` are the ``.txt`` / ``.ann`` paths to write in records and
    problems; ``headings`` the section heading patterns (default :func:`load_headings`).
    """
    mapper = _DocumentMapper(doc, source, ann_source, load_headings() if headings is None else headings)
    records = mapper.records()
    return records, mapper.unmapped, mapper.notes, mapper.problems


def _relative(path: str, root: Path) -> str:
    """``path`` relative to ``root`` (POSIX separators), or unchanged when outside it."""
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return path


def load_lct(path: PathLike, headings: Optional[Headings] = None) -> tuple[list[dict], dict]:
    """Map the LCT corpus under ``path`` to gold records, with a report (``headings``: the section
    heading patterns, default :func:`load_headings`).

    The report is ``{"documents", "criteria", "constraints", "unmapped": {reason: n},
    "per_document": {trial id: {reason: n}}, "notes": {note: n}, "problems": [Problem dicts]}``;
    problems include the BRAT reader's (kind ``"error"`` / ``"warning"``) and one per unmapped
    annotation (kind ``"unmapped"``), with paths relative to ``path``.
    """
    root = Path(path)
    headings = load_headings() if headings is None else headings
    conf_path = root / "annotation.conf"
    allowed = read_annotation_conf(conf_path).span_types if conf_path.is_file() else None
    records: list[dict] = []
    unmapped: Counter[str] = Counter()
    notes: Counter[str] = Counter()
    per_document: dict[str, dict[str, int]] = {}
    problems: list[Problem] = []
    documents = 0
    for doc, doc_problems in read_brat_dir(root, allowed):
        ann_source = _relative(doc.ann_path, root)
        problems.extend(replace(p, path=_relative(p.path, root)) for p in doc_problems)
        if doc.text is None:
            continue
        source = _relative(doc.txt_path or "", root)
        doc_records, doc_unmapped, doc_notes, doc_mapping_problems = map_document(
            doc, source, ann_source, headings)
        documents += 1
        records.extend(doc_records)
        unmapped.update(doc_unmapped)
        notes.update(doc_notes)
        per_document[doc.doc_id] = dict(sorted(doc_unmapped.items()))
        problems.extend(doc_mapping_problems)
    report = {
        "documents": documents,
        "criteria": len(records),
        "constraints": sum(len(r["constraints"]) for r in records),
        "unmapped": dict(sorted(unmapped.items(), key=lambda kv: (-kv[1], kv[0]))),
        "per_document": per_document,
        "notes": dict(sorted(notes.items())),
        "problems": [p.to_dict() for p in problems],
    }
    return records, report
