"""``eligex_constraints``: the spaCy component that assembles constraints and writes the final
``doc._.eligex`` record (see :func:`~pipeline.components.constraints.assemble.assemble`)."""

from pathlib import Path
from typing import Optional

import srsly
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.components import docview
from pipeline.components.constraints.assemble import assemble
from pipeline.components.constraints.config import AssemblyConfig, AssemblyLimits
from pipeline.components.constraints.temporal import TimeConfig
from pipeline.components.constraints.counts import CountRules
from pipeline.components.constraints.grades import GradeRules
from pipeline.components.units import UnitNormalizer
from pipeline.core import extensions
from pipeline.rules.loading import CONFIG_SCHEMAS, flagged_rules, load_json_config, load_rules


class ConstraintAssembler:
    """spaCy component: assembles constraints and writes the final ``doc._.eligex`` record.
    ``limits`` are the factory settings (:class:`AssemblyLimits`); the rule files' content is
    saved in ``cfg.json``, the limits only in the model's ``config.cfg``."""

    def __init__(self, nlp: Language, name: str = "eligex_constraints", limits: Optional[AssemblyLimits] = None):
        self.name = name
        self.limits = limits or AssemblyLimits()
        self.config = AssemblyConfig.from_dict({}, self.limits)
        self.units: Optional[UnitNormalizer] = None
        self.time: Optional[TimeConfig] = None
        self.counts: Optional[CountRules] = None
        self.grades: Optional[GradeRules] = None
        extensions.register()

    def initialize(self, get_examples=None, *, nlp=None, config_path: str = "configs/constraints.json",
                   units_path: str = "configs/units.json", time_path: Optional[str] = "configs/time.json",
                   counts_path: Optional[str] = "configs/counts.json",
                   grades_path: Optional[str] = "configs/grades.json",
                   entity_rules_path: Optional[str] = "configs/entities"):
        data = load_json_config(config_path, CONFIG_SCHEMAS["constraints.json"])
        entity_rules = load_rules(Path(entity_rules_path), "entity", strict=True)[0] if entity_rules_path else []
        self.config = AssemblyConfig.from_dict(data, self.limits, flagged_rules(entity_rules, "age_cue"))
        self.units = UnitNormalizer.from_config(units_path)
        self.time = TimeConfig.from_dict(load_json_config(time_path, CONFIG_SCHEMAS["time.json"])) if time_path else None
        self.counts = CountRules.from_dict(load_json_config(counts_path, CONFIG_SCHEMAS["counts.json"])) \
            if counts_path else None
        self.grades = GradeRules.from_dict(load_json_config(grades_path, CONFIG_SCHEMAS["grades.json"])) \
            if grades_path else None

    def __call__(self, doc: Doc) -> Doc:
        if self.units is None:
            raise ValueError(f"{self.name}: not initialised; call nlp.initialize() or load a built model")
        data = extensions.state(doc)
        view = docview.view(doc)
        result = assemble(view.text, view.words, view.sent_of(doc), data["entities"],
                          data.get("context", []), self.config, self.units, view.starts,
                          time=self.time, counts=self.counts, grades=self.grades)
        data.update(result)
        docview.release(doc)  # the last component: finished Docs carry only doc._.eligex
        return doc

    def to_disk(self, path, *, exclude=()):
        Path(path).mkdir(parents=True, exist_ok=True)
        srsly.write_json(Path(path) / "cfg.json", {"config": self.config.to_dict(),
                                                   "age_cue_rules": sorted(self.config.age_cue_rules),
                                                   "units": self.units.to_dict() if self.units else None,
                                                   "time": self.time.to_dict() if self.time else None,
                                                   "counts": self.counts.to_dict() if self.counts else None,
                                                   "grades": self.grades.to_dict() if self.grades else None})

    def from_disk(self, path, *, exclude=()):
        data = srsly.read_json(Path(path) / "cfg.json")
        self.config = AssemblyConfig.from_dict(data["config"], self.limits, data.get("age_cue_rules", ()))
        self.units = UnitNormalizer.from_dict(data["units"]) if data["units"] else None
        self.time = TimeConfig.from_dict(data["time"]) if data.get("time") else None
        self.counts = CountRules.from_dict(data["counts"]) if data.get("counts") else None
        self.grades = GradeRules.from_dict(data["grades"]) if data.get("grades") else None
        return self


@Language.factory("eligex_constraints", assigns=["doc._.eligex"], default_config=AssemblyLimits().to_dict())
def make_constraints(nlp: Language, name: str, left_subject_max_gap: int, right_subject_max_gap: int,
                     temporal_max_gap: int, negated_phrase_max: int, count_lookahead: int) -> ConstraintAssembler:
    """Factory: constraints from entities, context and unit rules. Settings (how far the assembly
    looks; defaults in :class:`~pipeline.components.constraints.config.AssemblyLimits`):
    ``left_subject_max_gap`` (8): words allowed between a subject and the quantity after it;
    ``right_subject_max_gap`` (6): words allowed between a quantity and the subject after it
    ("≥ 18 years old"); ``temporal_max_gap`` (8): tokens between a TEMPORAL span and the subject
    or condition before it that it belongs to; ``negated_phrase_max`` (5): words in the phrase a
    negation cue negates when no entity is in its scope; ``count_lookahead`` (24): words read
    after a count's number (modifiers, head noun, complement)."""
    limits = AssemblyLimits(left_subject_max_gap=left_subject_max_gap, right_subject_max_gap=right_subject_max_gap,
                            temporal_max_gap=temporal_max_gap, negated_phrase_max=negated_phrase_max,
                            count_lookahead=count_lookahead)
    return ConstraintAssembler(nlp, name, limits)

