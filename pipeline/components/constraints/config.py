"""The assembly's word lists and patterns, read from ``configs/constraints.json``, and its
limits (:class:`AssemblyLimits`), settings of the ``eligex_constraints`` factory."""

from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Dict, Iterable, List, NamedTuple, Optional, Tuple

from pipeline.components.constraints.populations import PopulationWords
from pipeline.components.constraints.quantities import BETWEEN_WORDS, LIST_WORDS


class PhraseWords(NamedTuple):
    """The words that end (``stops``) or are stepped over before (``skip``, after a forward cue;
    ``skip_back``, before a backward cue) the phrase a negation cue negates, and the most words
    it has (``max_words``)."""
    stops: frozenset
    skip: frozenset
    skip_back: frozenset
    max_words: int


@dataclass(frozen=True)
class AssemblyLimits:
    """How far the assembly looks, in tokens or words: settings of the ``eligex_constraints``
    factory (``configs/eligex.cfg``), not rule data, so they live in the model's ``config.cfg``.

    ``left_subject_max_gap`` / ``right_subject_max_gap``: words allowed between a quantity and its
    subject before / after it; ``temporal_max_gap``: tokens between a TEMPORAL span and the
    subject or condition before it; ``negated_phrase_max``: words in the phrase a negation cue
    with no entity in its scope negates; ``count_lookahead``: words read after a count's number."""
    left_subject_max_gap: int = 8
    right_subject_max_gap: int = 6
    temporal_max_gap: int = 8
    negated_phrase_max: int = 5
    count_lookahead: int = 24

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class AssemblyConfig:
    coordinators: List[str]
    condition_scope: List[str]
    scale_length: Optional[str]
    value_words: Dict[str, float]
    value_followers: List[str]
    implicit_age_blockers: List[str] = field(default_factory=list)
    implicit_age_blockers_after: List[str] = field(default_factory=list)
    negation_non_clinical: List[str] = field(default_factory=list)
    time_units_for_age_only: List[str] = field(default_factory=list)
    implicit_age_cues: List[str] = field(default_factory=list)
    #: a criterion that is nothing but a time comparison in these units ("More than 12 weeks")
    #: bounds this subject (the PDQ template's life expectancy item, its heading lost)
    bare_time_subject: Dict[str, object] = field(default_factory=dict)
    #: things counted per time ("> 2 alcoholic drinks per day"): :mod:`.rates`
    rates: Dict[str, object] = field(default_factory=dict)
    quantity_fillers: List[str] = field(default_factory=list)
    #: words joining a number to an upper bound with its own comparator ("4 to < 17 years")
    range_to_words: List[str] = field(default_factory=list)
    #: words between the two numbers of "between A and B" ("and", the "an" of "20 an 60", "to")
    between_words: List[str] = field(default_factory=lambda: sorted(BETWEEN_WORDS))
    #: words joining the values of a list of allowed values ("0, 1 or 2")
    list_words: List[str] = field(default_factory=lambda: sorted(LIST_WORDS))
    negated_phrase_stops: List[str] = field(default_factory=list)
    negated_phrase_skip: List[str] = field(default_factory=list)
    negated_phrase_skip_back: List[str] = field(default_factory=list)
    chain_and: List[Tuple[str, ...]] = field(default_factory=list)
    chain_or: List[Tuple[str, ...]] = field(default_factory=list)
    chain_alternative: List[Tuple[str, ...]] = field(default_factory=list)
    on_scale_words: List[str] = field(default_factory=list)
    age_units: List[str] = field(default_factory=list)
    timeless_categories: List[str] = field(default_factory=list)
    temporal_stops: List[str] = field(default_factory=list)
    list_condition_scope: List[str] = field(default_factory=list)
    populations: PopulationWords = field(default_factory=PopulationWords)
    #: subjects a pair of numbers bounds in two components ("blood pressure" → systolic, diastolic)
    pairs: Dict[str, List[str]] = field(default_factory=dict)
    limits: AssemblyLimits = field(default_factory=AssemblyLimits)
    age_cue_rules: frozenset = frozenset()
    #: words that may follow a coordinator between coordinated subjects ("X or the Y")
    coordinator_followers: List[str] = field(default_factory=list)
    #: a scale's range in brackets after its score ("symptom score (range 0–30)"): no bound
    scale_range: Optional[str] = None
    #: words after a bracketed number that make it a definition ("(1 pack year = 20 cigarettes")
    definition_words: List[str] = field(default_factory=list)
    #: signs after a number that make "= N" a coefficient of a formula ("eGFR = 141 × (Scr/0.9)")
    formula_operators: List[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict, limits: Optional[AssemblyLimits] = None,
                  age_cue_rules: Iterable[str] = ()) -> "AssemblyConfig":
        """The config of ``configs/constraints.json``'s content ``data``, with the factory's
        ``limits`` (the defaults when not given) and ``age_cue_rules``, the ids of the entity
        rules flagged ``age_cue`` in ``configs/entities`` (neither is part of ``data``)."""
        return cls(
            coordinators=list(data.get("coordinators", ["and", "or", ","])),
            coordinator_followers=list(data.get("coordinator_followers", [])),
            definition_words=list(data.get("definition_words", [])),
            formula_operators=list(data.get("formula_operators", [])),
            condition_scope=list(data.get("condition_scope", [])),
            scale_length=data.get("scale_length"),
            scale_range=data.get("scale_range"),
            value_words={k.lower(): float(v) for k, v in data.get("value_words", {}).items()},
            value_followers=list(data.get("value_followers", [])),
            implicit_age_blockers=list(data.get("implicit_age_blockers", [])),
            implicit_age_blockers_after=list(data.get("implicit_age_blockers_after", [])),
            negation_non_clinical=list(data.get("negation_non_clinical_targets", [])),
            time_units_for_age_only=list(data.get("time_units_for_age_only", [])),
            implicit_age_cues=list(data.get("implicit_age_cues", [])),
            bare_time_subject=dict(data.get("bare_time_subject", {})),
            rates=dict(data.get("rates", {})),
            quantity_fillers=list(data.get("quantity_fillers", [])),
            range_to_words=list(data.get("range_to_words", [])),
            between_words=list(data.get("between_words", sorted(BETWEEN_WORDS))),
            list_words=list(data.get("list_words", sorted(LIST_WORDS))),
            negated_phrase_stops=list(data.get("negated_phrase_stops", [])),
            negated_phrase_skip=list(data.get("negated_phrase_skip", [])),
            negated_phrase_skip_back=list(data.get("negated_phrase_skip_back", [])),
            chain_and=[tuple(link) for link in data.get("chain_and", [])],
            chain_or=[tuple(link) for link in data.get("chain_or", [])],
            chain_alternative=[tuple(link) for link in data.get("chain_alternative", [])],
            on_scale_words=list(data.get("on_scale_words", [])),
            age_units=list(data.get("age_units", [])),
            timeless_categories=list(data.get("timeless_categories", [])),
            temporal_stops=list(data.get("temporal_stops", [])),
            list_condition_scope=list(data.get("list_condition_scope", [])),
            populations=PopulationWords.from_dict(data.get("populations", {})),
            pairs={k.lower(): list(v) for k, v in data.get("pairs", {}).items()},
            limits=limits or AssemblyLimits(),
            age_cue_rules=frozenset(age_cue_rules),
        )

    @cached_property
    def rate_rules(self):
        """``rates`` read once (:class:`~.rates.RateRules`; None when not configured)."""
        from pipeline.components.constraints.rates import RateRules
        return RateRules.from_dict(self.rates)

    @cached_property
    def non_clinical(self) -> frozenset:
        """``negation_non_clinical`` as a set (made once)."""
        return frozenset(self.negation_non_clinical)

    @cached_property
    def fillers(self) -> frozenset:
        """``quantity_fillers`` as a set."""
        return frozenset(self.quantity_fillers)

    @cached_property
    def range_to_set(self) -> frozenset:
        """``range_to_words`` as a set."""
        return frozenset(w.lower() for w in self.range_to_words)

    @cached_property
    def link_sets(self) -> tuple:
        """``(between_words, list_words)`` as sets, for :func:`~.quantities.find_quantities`."""
        return frozenset(w.lower() for w in self.between_words), frozenset(w.lower() for w in self.list_words)

    @cached_property
    def phrase_words(self) -> "PhraseWords":
        """The negated-phrase word lists as sets (for :func:`~.negation.negated_phrase`)."""
        return PhraseWords(frozenset(self.negated_phrase_stops), frozenset(self.negated_phrase_skip),
                           frozenset(self.negated_phrase_skip_back), self.limits.negated_phrase_max)

    @cached_property
    def chain_links(self) -> frozenset:
        """Every link of ``chain_and`` and ``chain_or``."""
        return frozenset(self.chain_and) | frozenset(self.chain_or)

    @cached_property
    def chain_or_links(self) -> frozenset:
        return frozenset(self.chain_or)

    @cached_property
    def on_scale_word_set(self) -> frozenset:
        return frozenset(w.lower() for w in self.on_scale_words)

    @cached_property
    def chain_alternative_links(self) -> frozenset:
        return frozenset(self.chain_alternative)

    @cached_property
    def chain_max_words(self) -> int:
        """The most words a chain link has."""
        return max((len(link) for link in self.chain_links | self.chain_alternative_links), default=0)

    @cached_property
    def age_unit_set(self) -> frozenset:
        return frozenset(self.age_units)

    @cached_property
    def timeless(self) -> frozenset:
        return frozenset(self.timeless_categories)

    @cached_property
    def temporal_stop_labels(self) -> frozenset:
        return frozenset(self.temporal_stops)

    def to_dict(self) -> dict:
        """The ``configs/constraints.json`` content (not the limits, factory config, nor the
        flagged entity rules)."""
        return {"coordinators": self.coordinators, "coordinator_followers": self.coordinator_followers,
                "definition_words": self.definition_words,
                "formula_operators": self.formula_operators,
                "condition_scope": self.condition_scope,
                "scale_length": self.scale_length, "scale_range": self.scale_range,
                "value_words": self.value_words,
                "value_followers": self.value_followers,
                "implicit_age_blockers": self.implicit_age_blockers,
                "implicit_age_blockers_after": self.implicit_age_blockers_after,
                "negation_non_clinical_targets": self.negation_non_clinical,
                "time_units_for_age_only": self.time_units_for_age_only,
                "implicit_age_cues": self.implicit_age_cues,
                **({"bare_time_subject": self.bare_time_subject} if self.bare_time_subject else {}),
                **({"rates": self.rates} if self.rates else {}),
                "quantity_fillers": self.quantity_fillers,
                **({"range_to_words": self.range_to_words} if self.range_to_words else {}),
                "between_words": self.between_words,
                "list_words": self.list_words,
                "negated_phrase_stops": self.negated_phrase_stops,
                "negated_phrase_skip": self.negated_phrase_skip,
                "negated_phrase_skip_back": self.negated_phrase_skip_back,
                "chain_and": [list(link) for link in self.chain_and],
                "chain_or": [list(link) for link in self.chain_or],
                "chain_alternative": [list(link) for link in self.chain_alternative],
                "on_scale_words": self.on_scale_words,
                "age_units": self.age_units, "timeless_categories": self.timeless_categories,
                "temporal_stops": self.temporal_stops, "list_condition_scope": self.list_condition_scope,
                "populations": self.populations.to_dict(), "pairs": self.pairs}

