"""Step 2 (pipeline/components/constraints/subjects.py) on hand-built entity records."""

from __future__ import annotations

from pathlib import Path

import pytest

from constraint_records import CONFIG, criterion
from pipeline.components.constraints.index import EntityIndex
from pipeline.components.constraints.quantities import find_quantities
from pipeline.components.constraints.subjects import (assign_subjects, coordinated_right,
                                                      coordinated_subjects, find_left_subject,
                                                      find_right_subject)
from pipeline.components.units import UnitNormalizer

COORDINATORS = ["and", "or", ",", "/", "and/or", "&"]


def _setup(spec):
    text, words, sent_of, _, ents = criterion(spec)
    qs = find_quantities(words, ents, sent_of, set(), CONFIG.fillers)
    index = EntityIndex(words, sent_of, ents, COORDINATORS)
    index.claim({t for q in qs if not (q.bare and not q.units) for t in range(q.start, q.end)})
    return ents, qs, index


def _texts(ents, groups):
    return [[ents[i]["text"] for i in g] for g in groups] if groups is not None else None


@pytest.mark.parametrize(("spec", "expected"), [
    ("AST|M >=|C:>= 5|V mg|U", [["AST"]]),
    ("AST|M level is >=|C:>= 5|V", [["AST"]]),
    ("AST|M and ALT|M <=|C:<= 3|V ULN|U", [["AST"], ["ALT"]]),
    ("AST|M , ALT|M , GGT|M <|C:< 3|V ULN|U", [["AST"], ["ALT"], ["GGT"]]),
    ("aspartate_aminotransferase|M ( AST|M ) <|C:< 3|V ULN|U", [["aspartate aminotransferase", "AST"]]),
    ("(based on MDAAT|S ) pain|M >=|C:>= 3|V cm|U", [["pain"]]),
    # rows where no subject is found to the left
    ("AST|M . >=|C:>= 5|V mg|U", None),                              # another sentence
    ("AST|M w1 w2 w3 w4 w5 w6 w7 w8 w9 >=|C:>= 5|V mg|U", None),       # too far
    ("AST|M >=|C:>= 1|V mg|U and then >=|C:>= 5|V mg|U", None),       # a quantity stands between
])
def test_left_subjects(spec, expected):
    ents, qs, index = _setup(spec)
    q = qs[-1]
    left = find_left_subject(q, index, CONFIG.limits.left_subject_max_gap)
    groups = coordinated_subjects(left, index) if left is not None else None
    assert _texts(ents, groups) == expected


@pytest.mark.parametrize(("spec", "expected"), [
    (">=|C:>= 18|V years|U old age|M", [["age"]]),
    ("1.5|V times ULN of creatinine|M , AST|M and ALT|M", [["creatinine"], ["AST"], ["ALT"]]),
    # rows that must not match
    (">=|C:>= 18|V years|U . age|M", None),                    # another sentence
    (">=|C:>= 5|V w1 w2 w3 w4 w5 w6 w7 AST|M", None),          # too far
    (">=|C:>= 5|V AST|M >=|C:>= 3|V", None),                    # the subject has its own quantity
])
def test_right_subjects(spec, expected):
    ents, qs, index = _setup(spec)
    right = find_right_subject(qs[0], index, CONFIG.limits.right_subject_max_gap)
    groups = coordinated_right(right, index) if right is not None else None
    assert _texts(ents, groups) == expected


UNITS = UnitNormalizer.from_config(Path(__file__).resolve().parents[1] / "configs" / "units.json")


def _assigned(spec):
    ents, qs, index = _setup(spec)
    out = assign_subjects(qs, index, CONFIG, UNITS)
    return [([ents[v]["text"] for v in q.values], q.op, q.disjoint, _texts(index.ents, groups)) for q, groups in out]


@pytest.mark.parametrize(("spec", "expected"), [
    # an age comparator makes an age with no age word and no unit
    ("Participants must be 21|V or_older|C:>=:postfix:age", [(["21"], ">=", False, [["or older"]])]),
    ("younger_than|C:<:age 21|V or older_than|C:>:age 80|V",
     [(["21"], "<", False, [["younger than"]]), (["80"], ">", True, [["younger than"]])]),
    # ... even next to another subject
    ("Hb|M older_than|C:>:age 65|V", [(["65"], ">", False, [["older than"]])]),
    # an age comparator with a time unit other than years is not an age
    ("MI|D older_than|C:>:age 6|V months|U", []),
    # the earlier quantity of a chain that found no subject shares the later one's
    ("Patients below|C:< 18|V and above|C:> 45|V years|U", [(["18"], "<", False, [["years"]]), (["45"], ">", False, [["years"]])]),
    # ... not across a subject
    ("Patients below|C:< 18|V and AST|M above|C:> 45|V mg|U", [(["45"], ">", False, [["AST"]])]),
    # "of" + a word that is no age cue after "years": a duration, no implicit age
    ("More_than|C:> 2|V years|U of handball", []),
    ("More_than|C:> 18|V years|U of age", [(["18"], ">", False, [["years"]])]),
    ("At_least|C:>= 1|V year|U history of migraines", []),  # a blocker after the unit
    # a criterion that is nothing but a comparison of weeks or months: the PDQ life expectancy item
    ("More_than|C:> 12|V weeks|U", [(["12"], ">", False, [["weeks"]])]),
    ("At_least|C:>= 3|V months|U .", [(["3"], ">=", False, [["months"]])]),
    # ... not with another word, without a comparator, nor in years (an age)
    ("Response More_than|C:> 12|V weeks|U", []),
    ("12|V weeks|U", []),
])
def test_assign_subjects(spec, expected):
    assert _assigned(spec) == expected


def test_bare_time_subject_is_life_expectancy():
    """``bare_time_subject``: the added subject is the unit span, named and categorised by the
    config; years stay ages."""
    ents, qs, index = _setup("At_least|C:>= 12|V weeks|U")
    (q, groups), = assign_subjects(qs, index, CONFIG, UNITS)
    subject = index.ents[groups[0][0]]
    assert (subject["norm"], subject["category"], subject["rule"]) == ("life expectancy", "duration", "implicit.bare_time")
    ents, qs, index = _setup(">=|C:>= 18|V years|U")
    (q, groups), = assign_subjects(qs, index, CONFIG, UNITS)
    assert index.ents[groups[0][0]]["norm"] == "age"


def test_prefix_op_links_with_or():
    """"weight below 45 or above 120 kg": a postfix phrase before its number reads as its strict
    prefix_op and links with its "or": two constraints."""
    ents, qs, index = _setup("weight|M below|C:< 45|V or_above|C:>=:postfix 120|V kg|U")
    ents[3]["attrs"]["prefix_op"] = ">"
    qs = find_quantities(index.words, ents, index.sent_of, set(), CONFIG.fillers)
    assert [(q.op, q.link_word) for q in qs] == [("<", None), (">", "or")]
    out = assign_subjects(qs, index, CONFIG, UNITS)
    assert [(q.op, q.disjoint, _texts(ents, g)) for q, g in out] == [("<", False, [["weight"]]), (">", True, [["weight"]])]


@pytest.mark.parametrize(("side", "gap", "found"), [("left", 8, False), ("left", 9, True),
                                                     ("right", 6, False), ("right", 7, True)])
def test_subject_gaps_are_settings(side, gap, found):
    """``left_subject_max_gap`` / ``right_subject_max_gap`` (factory settings; 8 and 6 by default)
    bound how many words may stand between a quantity and its subject."""
    if side == "left":
        ents, qs, index = _setup("AST|M w1 w2 w3 w4 w5 w6 w7 w8 w9 >=|C:>= 5|V mg|U")
        subject = find_left_subject(qs[-1], index, gap)
    else:
        ents, qs, index = _setup(">=|C:>= 5|V w1 w2 w3 w4 w5 w6 w7 AST|M")
        subject = find_right_subject(qs[0], index, gap)
    assert (subject is not None and ents[subject]["text"] == "AST") == found
