from pathlib import Path

import pytest

from pipeline.rules.loading import load_rules
from pipeline.ingest.sections import compile_heading_rules, split_criteria

ROOT = Path(__file__).resolve().parents[1]
RULES = compile_heading_rules(load_rules(ROOT / "configs" / "sections.jsonl", "section", strict=True)[0])


def crit_texts(text):
    return [(c.section, c.text) for c in split_criteria(text, RULES, "T")]


def test_ctgov_text():
    text = "Inclusion Criteria:\n\n* Age ≥ 18\n* ECOG 0-1\n\nExclusion Criteria:\n\n* Pregnancy\n"
    assert crit_texts(text) == [("inclusion", "Age ≥ 18"), ("inclusion", "ECOG 0-1"), ("exclusion", "Pregnancy")]


@pytest.mark.parametrize("line,text", [
    ("1. Age ≥ 18", "Age ≥ 18"), ("1\\. Skin rash", "Skin rash"), ("2, muscle biopsy", "muscle biopsy"),
    ("① Cardiac function", "Cardiac function"), ("* SLEDAI ≥8", "SLEDAI ≥8"), ("- FVC ≥50%", "FVC ≥50%"),
    ("  a. Physician score", "Physician score"), ("10. Situations", "Situations"), ("plain line", "plain line"),
])
def test_enumerators_removed(line, text):
    assert crit_texts(f"Inclusion Criteria\n{line}\n") == [("inclusion", text)]


@pytest.mark.parametrize("line", ["1.5 mg/dL is the limit", "3.0 ULN"])
def test_numbers_are_not_enumerators(line):
    assert crit_texts(f"Inclusion Criteria\n{line}\n") == [("inclusion", line)]


def test_page_dump_stops_at_next_heading():
    text = ("Eligibility Criteria\n\nCheck the participation requirements, including inclusion and exclusion rules.\n\n"
            "Inclusion Criteria\n\n1. ≥18 years old;\n\nExclusion Criteria\n\n1. Pregnancy\nMinimum Eligible Age\n\n18 Years\n"
            "Sponsors\n\nAcme\n")
    assert crit_texts(text) == [("inclusion", "≥18 years old;"), ("exclusion", "Pregnancy")]


def test_no_headings_every_line_is_a_criterion():
    assert crit_texts("Age ≥ 18\n\nHb ≥ 9 g/dL") == [(None, "Age ≥ 18"), (None, "Hb ≥ 9 g/dL")]


def test_offsets_valid_on_seeds():
    for f in (ROOT / "annotations" / "seeds").glob("*.txt"):
        text = f.read_text(encoding="utf-8")
        crits = split_criteria(text, RULES, f.stem)
        assert len(crits) > 20
        for c in crits:
            assert text[c.offset:c.offset + len(c.text)] == c.text
        ids = [c.criterion_id for c in crits]
        assert len(ids) == len(set(ids))


NCI = """        PATIENT CHARACTERISTICS:

        Age:

          -  15 to 65

        AGE

          -  Over 18 years old

        Performance status:

          -  Zubrod 0-1

          -  0-2

        Life expectancy:

          -  At least 12 weeks

          -  Not specified

        Hepatic:

          -  Bilirubin no greater than 1.5 mg/dL
"""


def test_a_subject_heading_is_read_before_the_items_that_name_no_subject():
    got = [(c.text, c.heading, c.lead, c.lead_rule) for c in split_criteria(NCI, RULES, "T")]
    named = "subheading.subject.named"
    assert got == [
        ("15 to 65", "age", "Age: ", named),
        ("Over 18 years old", "age", "AGE: ", named),
        ("Zubrod 0-1", "performance status", "", None),  # names its own scale
        ("0-2", "performance status", "Performance status: ", named),
        ("At least 12 weeks", "life expectancy", "Life expectancy: ", named),
        ("Not specified", "life expectancy", "", None),
        ("Bilirubin no greater than 1.5 mg/dL", "hepatic", "", None),  # an organ group, not a subject
    ]


def test_the_subject_heading_ends_at_the_next_heading():
    text = "Age:\n  - 18 and over\nPATIENT CHARACTERISTICS:\n  - 18 and over\n"
    assert [c.lead for c in split_criteria(text, RULES, "T")] == ["Age: ", ""]


@pytest.mark.parametrize("heading,population", [
    ("For Renally Impaired Subjects (Cohort 1)", "for renally impaired subjects (cohort 1)"),  # no colon, stands alone
    ("FOR SCREENING", "for screening"),
    ("Randomization Criteria", "randomization criteria"),
    ("Criteria for randomization:", "criteria for randomization"),
    ("Run-in criteria:", "run-in criteria"),
])
def test_population_headings_without_colon_or_for_a_stage(heading, population):
    text = f"Inclusion Criteria:\n\n{heading}\n\n  - Age ≥ 18\n\n  - ECOG 0-1\n"
    assert [(c.text, c.population) for c in split_criteria(text, RULES, "T")] == \
        [("Age ≥ 18", population), ("ECOG 0-1", population)]


def test_a_for_sentence_is_no_heading():
    text = "Inclusion Criteria:\n\nFor women, a negative pregnancy test.\n\n  - Age ≥ 18\n"
    assert [c.population for c in split_criteria(text, RULES, "T")] == [None, None]


def test_a_notes_line_is_no_criterion_and_changes_no_heading():
    text = ("Exclusion Criteria:\n\nFor Healthy Subjects (Cohort 2)\n\n  - QTc > 450 msec\n\nNOTES:\n\n"
            "The QTc is corrected by Fridericia's formula.\n\n  - Sinus pauses > 3 seconds.\n")
    assert [(c.text, c.population) for c in split_criteria(text, RULES, "T")] == [
        ("QTc > 450 msec", "for healthy subjects (cohort 2)"),
        ("The QTc is corrected by Fridericia's formula.", "for healthy subjects (cohort 2)"),
        ("Sinus pauses > 3 seconds.", "for healthy subjects (cohort 2)")]


def test_a_number_after_a_bullet_is_the_enumerator_and_its_numbering_goes_on():
    text = ("Exclusion Criteria:\n\n  -  1. Subject has an ECG with any of the following:\n\n"
            "       -  QTcF >430 ms\n\n       -  PR interval >220 ms\n\n"
            "          2. Subject has more than 12 ectopic beats.\n\n          3. Subject has syncope.\n")
    crits = split_criteria(text, RULES, "T")
    got = [(c.text, c.marker, c.parent) for c in crits]
    opener = crits[0].criterion_id
    assert got == [("Subject has an ECG with any of the following:", "1.", None),
                   ("QTcF >430 ms", "-", opener), ("PR interval >220 ms", "-", opener),
                   ("Subject has more than 12 ectopic beats.", "2.", None), ("Subject has syncope.", "3.", None)]


def test_a_bulleted_section_heading_names_no_population():
    text = "  -  INCLUSION CRITERIA:\n\n     -  Age ≥ 18\n"
    assert [(c.section, c.text, c.population) for c in split_criteria(text, RULES, "T")] == \
        [("inclusion", "Age ≥ 18", None)]


@pytest.mark.parametrize("opener,opens", [
    ("The following laboratory values must be obtained.", True),
    ("Patients meeting any of the following criteria are excluded.", True),
    ("Adequate organ function as defined below.", True),
    ("Adequate organ function.", False),  # announces nothing: a criterion of its own
])
def test_a_paragraph_that_announces_a_list_is_its_parent(opener, opens):
    text = f"Inclusion Criteria:\n\n{opener}\n\n  -  WBC ≥ 3.0 K/mm3\n\n  -  Hemoglobin ≥ 9 g/dL\n"
    crits = split_criteria(text, RULES, "T")
    assert [c.parent for c in crits[1:]] == [crits[0].criterion_id if opens else None] * 2


@pytest.mark.parametrize("heading,population", [
    ("Inclusion Criteria - for Phase I", "for phase i"),
    ("Part I: Inclusion criteria for good responders:", "part i: for good responders"),
    ("Part 1: Key Inclusion Criteria for Healthy Volunteers:", "part 1: for healthy volunteers"),
    ("Inclusion Criteria: Main Inclusion Criteria:", None),  # the heading said twice names no population
])
def test_section_heading_qualifiers(heading, population):
    assert [(c.section, c.population) for c in split_criteria(f"{heading}\n\n  - Age ≥ 18\n", RULES, "T")] == \
        [("inclusion", population)]
