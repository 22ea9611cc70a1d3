"""Step 4 (pipeline/components/constraints/scope.py): the condition a criterion scopes to."""

from __future__ import annotations

import json

import pytest

from pipeline.components.constraints.scope import scope_conditions
from pipeline.core.paths import configs_dir

PATTERNS = json.loads((configs_dir() / "constraints.json").read_text(encoding="utf-8"))["condition_scope"]


def _condition(text, cond):
    start = text.rindex(cond)  # the last mention ("SLE", not the start of "SLEDAI")
    return {"label": "CONDITION", "start": start, "end": start + len(cond), "text": cond}


@pytest.mark.parametrize(("text", "cond", "scoped"), [
    ("SLEDAI score ≥8 for SLE patients", "SLE", True),
    ("in patients with lupus nephritis, UPCR ≥ 1", "lupus nephritis", True),
    ("Lupus patients: UPCR ≥ 1", "Lupus", True),
    ("among RA subjects, DAS28 > 3.2", "RA", True),
    ("FOR PATIENTS WITH SLE", "SLE", True),
    # rows that must not scope
    ("patients with SLE for 6 months", "SLE", False),
    ("history of SLE; UPCR ≥ 1", "SLE", False),
    ("SLE", "SLE", False),
])
def test_scope_conditions(text, cond, scoped):
    assert (scope_conditions(text, [_condition(text, cond)], PATTERNS) == [0]) is scoped


def test_only_conditions_are_scoped():
    text = "for SLE patients"
    ent = dict(_condition(text, "SLE"), label="MEASUREMENT")
    assert scope_conditions(text, [ent], PATTERNS) == []
