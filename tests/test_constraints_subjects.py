"""Step 2 (pipeline/components/constraints/subjects.py) on hand-built entity records."""

from __future__ import annotations

import pytest

from constraint_records import CONFIG, criterion
from pipeline.components.constraints.index import EntityIndex
from pipeline.components.constraints.quantities import find_quantities
from pipeline.components.constraints.subjects import (coordinated_right, coordinated_subjects,
                                                      find_left_subject, find_right_subject)

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
