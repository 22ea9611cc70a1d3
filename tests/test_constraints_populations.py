"""Step 1b (pipeline/components/constraints/populations.py): the sex a bound is written for.

Unit rows on hand-built entity records (constraint_records), then whole criteria through the
pipeline: per-sex bounds are two constraints, each with ``population.sex``.
"""

from __future__ import annotations

import pytest

from constraint_records import CONFIG, criterion
from pipeline.components.constraints.populations import PopulationWords, mark_populations
from pipeline.components.constraints.quantities import find_quantities


def _marked(spec):
    text, words, sent_of, _, ents = criterion(spec)
    qs = find_quantities(words, ents, sent_of, set(), CONFIG.fillers)
    mark_populations(qs, words, sent_of, CONFIG.populations)
    return [([ents[v]["text"] for v in q.values], q.op, q.sex,
             qs.index(q.group_of) if q.group_of is not None else None) for q in qs]


@pytest.mark.parametrize(("spec", "expected"), [
    # a marker in brackets after each quantity; the second continues the first
    ("Hb|M >=|C:>= 13|V g/dL|U ( men ) or >=|C:>= 12|V g/dL|U ( women )",
     [(["13"], ">=", "male", None), (["12"], ">=", "female", 0)]),
    # a preposition and a noun; the sexes in the other order
    ("QTcF|M >=|C:>= 450|V msec|U for female subjects or >=|C:>= 470|V msec|U for male subjects",
     [(["450"], ">=", "female", None), (["470"], ">=", "male", 0)]),
    # a conversion in brackets is stepped over and continues nothing
    ("Hb|M <|C:< 11|V g/dL|U ( 110|V g/L|U ) for males or <|C:< 10|V g/dL|U ( 100|V g/L|U ) for females",
     [(["11"], "<", "male", None), (["110"], "=", None, None), (["10"], "<", "female", 0),
      (["100"], "=", None, None)]),
    # "respectively" names the groups of the quantities before it, in order
    ("Cr|M >=|C:>= 1.5|V mg/dL|U or >=|C:>= 1.4|V mg/dL|U in men and women , respectively",
     [(["1.5"], ">=", "male", None), (["1.4"], ">=", "female", 0)]),
    # a bare number for the second group takes the first one's comparator
    ("QTc|M <|C:< 500|V msec|U for men ( 470|V msec|U for women )",
     [(["500"], "<", "male", None), (["470"], "<", "female", 0)]),
    # a marker before the quantity, with a preposition
    ("Hb|M in men >=|C:>= 13|V g/dL|U , in women >=|C:>= 12|V g/dL|U",
     [(["13"], ">=", "male", None), (["12"], ">=", "female", 0)]),
    # rows that must not mark
    ("age|M >=|C:>= 18|V years|U for men and women", [(["18"], ">=", None, None)]),  # both sexes
    ("Male patients must use contraception for 4|V weeks|U", [(["4"], "=", None, None)]),  # no marker next to it
    ("Hb|M >=|C:>= 13|V g/dL|U men", [(["13"], ">=", None, None)]),  # a bare word: no bracket, no preposition
    # a marker for one quantity only: no continuation of an unmarked one
    ("Hb|M >=|C:>= 13|V g/dL|U or >=|C:>= 12|V g/dL|U ( women )",
     [(["13"], ">=", None, None), (["12"], ">=", "female", None)]),
    # the same sex twice is not two groups
    ("Hb|M >=|C:>= 13|V g/dL|U ( men ) or >=|C:>= 12|V g/dL|U ( men )",
     [(["13"], ">=", "male", None), (["12"], ">=", "male", None)]),
    # other words between the groups: not one per-group pair
    ("Hb|M >=|C:>= 13|V g/dL|U ( men ) ; platelets >=|C:>= 12|V g/dL|U ( women )",
     [(["13"], ">=", "male", None), (["12"], ">=", "female", None)]),
    # another sentence
    ("Hb|M >=|C:>= 13|V g/dL|U ( men ) . >=|C:>= 12|V g/dL|U ( women )",
     [(["13"], ">=", "male", None), (["12"], ">=", "female", None)]),
])
def test_mark_populations(spec, expected):
    assert _marked(spec) == expected


def test_no_words_no_marks():
    text, words, sent_of, _, ents = criterion("Hb|M >=|C:>= 13|V g/dL|U ( men )")
    qs = find_quantities(words, ents, sent_of, set(), CONFIG.fillers)
    mark_populations(qs, words, sent_of, PopulationWords())
    assert [q.sex for q in qs] == [None]


def test_population_words_round_trip():
    assert PopulationWords.from_dict(CONFIG.populations.to_dict()) == CONFIG.populations


def _sexed(record):
    return sorted(((c["subject"], c["lower"] and c["lower"]["value"], c["upper"] and c["upper"]["value"],
                    c["unit"], (c["population"] or {}).get("sex")) for c in record["constraints"]), key=repr)


@pytest.mark.parametrize(("text", "expected"), [
    ("Hemoglobin ≥ 13 g/dL (men) or ≥ 12 g/dL (women)",
     [("hemoglobin", 12, None, "g/dL", "female"), ("hemoglobin", 13, None, "g/dL", "male")]),
    ("QTc > 450 ms (men) or > 470 ms (women)",
     [("qtc", 450, None, "ms", "male"), ("qtc", 470, None, "ms", "female")]),
    ("Serum creatinine >1.4mg/dL in females or >1.5mg/dL in males",
     [("creatinine", 1.4, None, "mg/dL", "female"), ("creatinine", 1.5, None, "mg/dL", "male")]),
    ("serum creatinine ≥ 1.5 mg/dL (≥ 133µmol/L) or ≥ 1.4 mg/dL (≥ 124 µmol/L) in men and women, respectively",
     [("creatinine", 1.4, None, "mg/dL", "female"), ("creatinine", 1.5, None, "mg/dL", "male")]),
    ("a hemoglobin level of less than or equal to 12 g/dL (120 gm/L) for men and less than or equal to "
     "10 g/dL (100 gm/L) for women",
     [("hemoglobin", None, 10, "g/dL", "female"), ("hemoglobin", None, 12, "g/dL", "male")]),
    ("QTc < 500 msec for men (470 msec for women)",
     [("qtc", None, 470, "ms", "female"), ("qtc", None, 500, "ms", "male")]),
    ("Hemoglobin ≥ 13 for women, ≥ 15 for men",
     [("hemoglobin", 13, None, None, "female"), ("hemoglobin", 15, None, None, "male")]),
    ("hemoglobin < 10 g/dL for women", [("hemoglobin", None, 10, "g/dL", "female")]),
    # no population: both sexes, or none named next to the bound
    ("Men and women aged 18 to 65 years", [("age", 18, 65, "a", None)]),
    ("age ≥ 18 years for men and women", [("age", 18, None, "a", None)]),
    ("hemoglobin ≥ 9 g/dL", [("hemoglobin", 9, None, "g/dL", None)]),
])
def test_per_sex_bounds(run, text, expected):
    assert _sexed(run(text)) == expected


def test_every_constraint_has_a_population_key(run):
    record = run("Hemoglobin ≥ 9 g/dL; chemotherapy within 4 weeks before screening; ECOG grade 2 or above")
    assert record["constraints"]
    assert all("population" in c for c in record["constraints"])
