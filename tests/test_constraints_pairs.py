"""Step 2b (pipeline/components/constraints/pairs.py): two numbers written as one ("160/100").

Unit rows on hand-built entity records (constraint_records), then whole criteria through the
pipeline: a blood pressure pair is a systolic and a diastolic bound; a pair for any other subject
is no bound.
"""

from __future__ import annotations

import pytest

from constraint_records import CONFIG, criterion
from pipeline.components.constraints.pairs import halves, split_pairs
from pipeline.components.constraints.quantities import find_quantities


def _quantities(spec):
    text, words, sent_of, _, ents = criterion(spec)
    return ents, find_quantities(words, ents, sent_of, set(), CONFIG.fillers)


@pytest.mark.parametrize(("spec", "expected"), [
    # two values with a "/" between: a pair sharing comparator and unit
    ("BP|M >|C:> 160|V / 100|V mmHg|U", [(["160"], "100", ">", "mmHg")]),
    # no unit
    ("BP|M <|C:< 90|V / 50|V", [(["90"], "50", "<", None)]),
    # a bare pair
    ("BP|M 140|V / 90|V mmHg|U", [(["140"], "90", "=", "mmHg")]),
    # the fraction as one UNIT entity ("/100"), smaller than the first number: a pair
    ("BP|M >|C:> 160|V /100|U:scale", [(["160"], "/100", ">", None)]),
    # a score out of a total is no pair
    ("MMT-8|S <|C:< 125|V /150|U:scale", [(["125"], None, "<", None)]),
    # two values without a "/" between are no pair
    ("BP|M >|C:> 160|V , 100|V mmHg|U", [(["160"], None, ">", None), (["100"], None, "=", "mmHg")]),
])
def test_find_pairs(spec, expected):
    ents, qs = _quantities(spec)
    got = [([ents[v]["text"] for v in q.values], ents[q.pair]["text"] if q.pair is not None else None, q.op,
            ents[q.units[q.values[0]]]["text"] if q.values[0] in q.units else None) for q in qs]
    assert got == expected
    assert not any(q.invalid for q in qs)


def test_halves_share_comparator_and_unit():
    ents, (q,) = _quantities("BP|M >=|C:>= 150|V / 95|V mmHg|U")
    first, second = halves(q)
    assert [ents[v]["text"] for v in first.values] == ["150"]
    assert [ents[v]["text"] for v in second.values] == ["95"]
    assert first.comparators == second.comparators == q.comparators
    assert ents[first.units[first.values[0]]]["text"] == ents[second.units[second.values[0]]]["text"] == "mmHg"
    assert first.pair is None and second.pair is None and second.disjoint


def test_split_by_components_by_subjects_or_dropped():
    ents, (q,) = _quantities("BP|M >|C:> 160|V / 100|V")
    bp = next(i for i, e in enumerate(ents) if e["text"] == "BP")
    components = {"bp": ["systolic", "diastolic"]}
    split = split_pairs([(q, [[bp]])], ents, components)
    assert [(s.component, [ents[v]["text"] for v in s.values], g) for s, g in split] == \
        [("systolic", ["160"], [[bp]]), ("diastolic", ["100"], [[bp]])]
    # two coordinated subjects: one half each, no component
    split = split_pairs([(q, [[0], [1]])], ents, {})
    assert [(s.component, g) for s, g in split] == [(None, [[0]]), (None, [[1]])]
    # a subject without components: no bound
    assert split_pairs([(q, [[bp]])], ents, {}) == []


@pytest.mark.parametrize(("text", "expected"), [
    ("blood pressure > 150/100 mm Hg despite optimal medical therapy",
     [("diastolic blood pressure", 100, None, "mm[Hg]"), ("systolic blood pressure", 150, None, "mm[Hg]")]),
    ("Poorly controlled hypertension, with blood pressure at study entry>160/100.",
     [("diastolic blood pressure", 100, None, None), ("systolic blood pressure", 160, None, None)]),
    ("resting sitting hypotension (BP <90/50 mmHg)",
     [("diastolic blood pressure", None, 50, "mm[Hg]"), ("systolic blood pressure", None, 90, "mm[Hg]")]),
    ("SBP/DBP ≥ 140/90 mmHg",
     [("diastolic blood pressure", 90, None, "mm[Hg]"), ("systolic blood pressure", 140, None, "mm[Hg]")]),
    # a pair for a subject with no components is no bound (nor two)
    ("HDL-C <50/40 mg/dl", []),
])
def test_pairs_in_criteria(run, text, expected):
    got = sorted((c["subject"], c["lower"] and c["lower"]["value"], c["upper"] and c["upper"]["value"], c["unit"])
                 for c in run(text)["constraints"])
    assert got == expected


def test_pair_offsets_and_relations(run):
    text = "Blood pressure ≤ 140/90 mmHg"
    record = run(text)
    assert len(record["constraints"]) == 2
    for c in record["constraints"]:
        start, end = c["span"]
        assert text[start:end] == "Blood pressure ≤ 140/90 mmHg"
    for e in record["entities"]:
        assert text[e["start"]:e["end"]] == e["text"]
