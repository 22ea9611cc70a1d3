"""The assembly's word lists and patterns, read from ``configs/constraints.json``."""

from dataclasses import dataclass, field
from functools import cached_property
from typing import Dict, List, Optional


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

