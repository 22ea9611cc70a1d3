"""Step 4 (pipeline/components/constraints/scope.py): the condition a criterion scopes to."""

from __future__ import annotations

import json

import pytest

from pipeline.components.constraints.scope import scope_conditions, scoped_condition
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


CONFIG = json.loads((configs_dir() / "constraints.json").read_text(encoding="utf-8"))
LIST_PATTERNS = PATTERNS + CONFIG["list_condition_scope"]


@pytest.mark.parametrize(("text", "cond", "expected"), [
    ("Patients with DM who have been diagnosed for at least 1 year and meet the following conditions:", "DM", "DM"),
    ("Subjects diagnosed with type 2 diabetes must meet all of the following:", "type 2 diabetes",
     "type 2 diabetes"),
    ("- Patients with a confirmed diagnosis of\n   rheumatoid arthritis, defined as:", "rheumatoid arthritis",
     "rheumatoid arthritis"),
    ("For SLE patients, the following:", "SLE", "SLE"),
    # rows that must not scope: the condition is not what the criterion is about
    ("History of DM with any of the following:", "DM", None),
    ("Patients with a history of DM and any of the following:", "DM", None),
])
def test_scoped_condition_of_a_list_opener(text, cond, expected):
    ent = dict(_condition(text, cond), norm=cond)
    assert scoped_condition(text, [ent], LIST_PATTERNS) == expected


def test_list_patterns_are_not_the_criterion_s_own_scope():
    """'Patients with hypertension as defined SBP > 140' defines the condition: no own scope."""
    text = "Patients with uncontrolled hypertension as defined SBP > 140 mmHg"
    assert scope_conditions(text, [_condition(text, "hypertension")], PATTERNS) == []
