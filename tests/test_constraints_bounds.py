"""Step 3 (pipeline/components/constraints/bounds.py): bounds of quantities, merged per subject."""

from __future__ import annotations

import pytest

from constraint_records import CONFIG, criterion
from pipeline.components.constraints.bounds import bounds_of, merge_bounds
from pipeline.components.constraints.quantities import find_quantities

WORDS = {"ten": 10.0}


def _bounds(spec):
    text, words, sent_of, _, ents = criterion(spec)
    return ents, find_quantities(words, ents, sent_of, set(), CONFIG.fillers)


def _side(value, inclusive):
    return {"value": value, "inclusive": inclusive}


@pytest.mark.parametrize(("spec", "lower", "upper"), [
    (">=|C:>= 5|V", _side(5, True), None),
    (">|C:> 5.5|V", _side(5.5, False), None),
    ("<=|C:<= 1,500|V", None, _side(1500, True)),
    ("<|C:< ten|V", None, _side(10, False)),
    ("=|C:= 2|V", _side(2, True), _side(2, True)),
    ("10|V -|C:range 5|V", _side(5, True), _side(10, True)),  # sorted
    ("between|C:between 5|V and 10|V (exclusive)|C:exclusive", _side(5, False), _side(10, False)),
    ("0|V , 2|V or 1|V", _side(0, True), _side(2, True)),   # a list: its range
    # rows with no bound
    (">=|C:>= many|V", None, None),                            # not a number
    (">=|C:>= " + "1" * 400 + "|V", None, None),               # beyond a float's range
])
def test_bounds_of(spec, lower, upper):
    ents, qs = _bounds(spec)
    assert bounds_of(qs[0], ents, WORDS) == (lower, upper)


@pytest.mark.parametrize(("spec", "expected"), [
    # one-sided bounds of one subject join into a range
    (">=|C:>= 5|V years|U and <|C:< 17|V years|U", [(_side(5, True), _side(17, False))]),
    ("<|C:< 17|V and >=|C:>= 5|V", [(_side(5, True), _side(17, False))]),
    # rows that must not merge
    (">=|C:>= 5|V and >=|C:>= 7|V", [(_side(5, True), None), (_side(7, True), None)]),   # same side
    ("=|C:= 5|V and <|C:< 7|V", [(_side(5, True), _side(5, True)), (None, _side(7, False))]),
    # a lower bound above the upper one: either, not a range ("below 18 and above 45")
    ("<|C:< 18|V and >|C:> 45|V", [(None, _side(18, False)), (_side(45, False), None)]),
    (">|C:> 45|V and <|C:< 18|V", [(_side(45, False), None), (None, _side(18, False))]),
])
def test_merge_bounds(spec, expected):
    ents, qs = _bounds(spec)
    assert [(lo, up) for lo, up, _ in merge_bounds(qs, ents, WORDS)] == expected


def test_disjoint_bounds_are_not_merged():
    ents, qs = _bounds("<|C:< 18|V or >|C:> 60|V")
    qs[1].disjoint = True  # "< 18 or > 60" (set by the subject step for "or")
    assert [(lo, up) for lo, up, _ in merge_bounds(qs, ents, WORDS)] == \
        [(None, _side(18, False)), (_side(60, False), None)]
