"""Kinds of misses on trials no rule was written for (issue #12, notes/miss-kinds.md): each kind
with variants of its own, real outputs asserted as (subject, lower, upper, unit)."""

import pytest

from test_constructs import summary

CASES = [
    # a unit glued to its number after an "x" ("1.0x109/L") or a cmH2O: the number stays a value
    ("ANC <1.0x109/L", [("absolute neutrophil count", None, (1.0, False), "10*9/L")]),
    ("platelets ≥100X10^9/L", [("platelet count", (100, True), None, "10*9/L")]),
    ("PEEP ≤12cmH2O", [("peep", None, (12, True), "cm[H2O]")]),
    # a time unit after a number written as a word
    ("children older than six years", [("age", (6, False), None, "a")]),
    ("at least twenty-one years of age", [("age", (21, True), None, "a")]),
    # "yo", "y.o." are years
    ("women >40 yo", [("age", (40, False), None, "a")]),
    ("men 18-65 y.o.", [("age", (18, True), (65, True), "a")]),
    # a postfix comparator after a number with no unit, the subject no lexicon lists before it
    ("Barthel index of 60 or less", [("barthel index", None, (60, True), None)]),
    ("gingival index 2 or greater", [("gingival index", (2, True), None, None)]),
    ("plaque index of 1.5 or higher", [("plaque index", (1.5, True), None, None)]),
    ("Barthel index of 60 or less at baseline", [("barthel index", None, (60, True), None)]),
    ("Karnofsky Performance scores should be 80 or more", [("Karnofsky", (80, True), None, None)]),
    ("area of fibrosis > 50%", [("area of fibrosis", (50, False), None, "%")]),
    ("smokers of 10 or more cigarettes", [("cigarettes", (10, True), None, None)]),  # a count, no shape "smokers"
    # a range with no unit right after a name no lexicon lists
    ("gingival index 1 to 3", [("gingival index", (1, True), (3, True), None)]),
    ("Ki-67 index 10-20", [("ki-67 index", (10, True), (20, True), None)]),
    ("ECOG 0-1", [("ECOG", (0, True), (1, True), None)]),
    ("Elective cholecystectomy, ASA status 1-2", [("ASA", (1, True), (2, True), None)]),
    # the instrument named after the value
    ("a score of ≥ 16 on the depression scale", [("depression scale", (16, True), None, None)]),
    ("≤ 20 points on the fatigue questionnaire", [("fatigue questionnaire", None, (20, True), "{point}")]),
    ("a total of 12 or more on the symptom inventory", [("symptom inventory", (12, True), None, None)]),
    ("HbA1c ≥ 7% on two occasions", [("hba1c", (7, True), None, "%")]),
    # "an" for "and" after between
    ("age between 20 an 60 years", [("age", (20, True), (60, True), "a")]),
    ("hemoglobin between 10 an 14 g/dL", [("hemoglobin", (10, True), (14, True), "g/dL")]),
    # a level in -emia, a condition's degree in percent
    ("natremia < 130 mmol/L", [("natremia", None, (130, False), "mmol/L")]),
    ("glycemia ≥ 7 mmol/L", [("glycemia", (7, True), None, "mmol/L")]),
    ("carotid stenosis ≥ 70%", [("carotid stenosis", (70, True), None, "%")]),
    ("asthenozoospermia: < 32% progressive motile spermatozoa",
     [("progressive motile spermatozoa", None, (32, False), "%")]),
    # units (and the age word) on both ends of a range
    ("aged 25 years old to 60 years old", [("age", (25, True), (60, True), "a")]),
    ("participants 30 years old - 45 years old", [("age", (30, True), (45, True), "a")]),
    ("men 18 years of age to 65 years of age", [("age", (18, True), (65, True), "a")]),
]

NO_VALUE = [
    "CYP 3A4 inhibitors",          # a digit glued to a letter and a digit is part of a name
    "strong CYP2D6 inhibitors",
    "iOS version 10 or higher",    # a version is no bound
    "patients 18 or above",        # no name before the number
    "during cycles 1-3",           # a range that labels items
    "patients treated from 2010-2015",
    "hyperkalemia > 5.5 mmol/L",   # a condition defined by a threshold
    "anemia < 10 g/dL",
    "eosinophilia >5%",            # a condition in percent that is no -osis
    "Known Grade 3 or higher of any of the following laboratory tests",
]


def test_a_bare_postfix_before_a_time_word_stays_a_duration(run):
    got = [(c["category"], c["unit"]) for c in run("Formal education of eight or more years.")["constraints"]]
    assert got == [("temporal", "a")]


def test_a_level_in_emia_is_a_lab(run):
    assert [c["category"] for c in run("kalemia > 5.8 mmol/L")["constraints"]] == ["lab"]


@pytest.mark.parametrize("text,expected", CASES, ids=[c[0][:40] for c in CASES])
def test_kinds(run, text, expected):
    assert summary(run(text)) == sorted(expected, key=repr)


@pytest.mark.parametrize("text", NO_VALUE)
def test_no_constraint(run, text):
    assert run(text)["constraints"] == []


def test_a_word_number_before_apart_is_no_time_unit(run):
    rec = run("two prolactin levels one week apart")
    assert all(c["unit"] != "wk" for c in rec["constraints"])


CHAINS = [
    # two bounds side by side with no link word: one range
    ("age >18 <28", [("age", (18, False), (28, False), None)]),
    ("hemoglobin >10 <16 g/dL", [("hemoglobin", (10, False), (16, False), "g/dL")]),
    # an either/or age with no subject word: the later unit makes both ages
    ("under 16 or over 75 years", [("age", None, (16, False), None), ("age", (75, False), None, "a")]),
    ("below 18 or above 70 years", [("age", None, (18, False), None), ("age", (70, False), None, "a")]),
]


@pytest.mark.parametrize("text,expected", CHAINS, ids=[c[0][:40] for c in CHAINS])
def test_chains(run, text, expected):
    assert summary(run(text)) == sorted(expected, key=repr)


def test_a_subject_inside_the_second_quantity_keeps_it_apart(run):
    rec = run("Minimum Age: 18 Years Maximum Age: 99 Years")
    assert len(rec["constraints"]) == 2


@pytest.mark.parametrize("text,subject,lower,scale_max", [
    ("HAQ-DI (range 0-3) ≥ 1.0", "HAQ-DI", 1.0, 3),
    ("pain score (scale 0-10) > 4", "NRS", 4, 10),
    ("CDAI score ≥ 220 (range: 0 to 600)", "CDAI", 220, None),  # the score is not right before it
])
def test_a_scale_range_in_brackets_bounds_nothing(run, text, subject, lower, scale_max):
    got = [(c["subject"], c["lower"]["value"], c["scale_max"]) for c in run(text)["constraints"]]
    assert got == [(subject, lower, scale_max)]


def test_a_scale_range_after_an_unknown_score_is_no_bound(run):
    assert all(c["subject"] != "range" for c in run("symptom score (range 0–30) ≥ 12")["constraints"])


@pytest.mark.parametrize("text,expected", [
    ("BCVA 20/40 or better in the study eye", [("bcva", (0.5, True), None, None)]),
    ("visual acuity worse than 20/200", [("visual acuity", None, (0.1, False), None)]),
    ("best corrected visual acuity (BCVA) between 20/400 and 20/40.", [("bcva", (0.05, True), (0.5, True), None)]),
])
def test_snellen_fractions_are_decimal_acuity(run, text, expected):
    assert summary(run(text)) == sorted(expected, key=repr)


def test_a_fraction_without_an_acuity_word_is_no_snellen(run):
    assert all(c["lower"] is None or c["lower"]["value"] != 0.67 for c in run("MMSE ≥ 20/30")["constraints"])


@pytest.mark.parametrize("text, subject, lower, scale_max", [
    # a score out of a total before a preposition is a scale fraction ("pain > 5/10 on a 0–10 scale")
    ("pain > 5/10 on a 0–10 scale", "pain", 5, 10),
    ("average pain intensity of ≥4/10 as assessed during a 3-day screening period", "NRS", 4, 10),
    ("Corneal fluorescein staining score ≥2/15 on the NEI/Industry scale", "corneal fluorescein staining score", 2, 15),
])
def test_a_scale_fraction_before_a_preposition(run, text, subject, lower, scale_max):
    got = [(c["subject"], c["lower"]["value"], c["scale_max"]) for c in run(text)["constraints"] if c["lower"]]
    assert got == [(subject, lower, scale_max)]


@pytest.mark.parametrize("text", [
    "Present visual ability 20/30 or better in both eyes.",  # an acuity, no score out of 30
    "Best corrected visual acuity in the study eye of ≤20/40 and ≥20/800 in the fellow eye.",
])
def test_an_acuity_fraction_is_no_scale(run, text):
    assert not [c for c in run(text)["constraints"] if c["scale_max"] in (30, 800)]
