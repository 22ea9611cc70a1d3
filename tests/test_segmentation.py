"""Registry text as it comes: wrapped lines, inline enumerations, sub-headings and cohorts,
parents, empty input and bad input (pipeline/ingest/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.ingest.inline import inline_items
from pipeline.ingest.lines import physical_lines, wrap_width
from pipeline.ingest.sections import compile_heading_rules, split_criteria
from pipeline.rules.loading import load_rules

ROOT = Path(__file__).resolve().parents[1]
RULES = compile_heading_rules(load_rules(ROOT / "configs" / "sections.jsonl", "section", strict=True)[0])

#: the shape of the registry's classic textblock (NCT01308528, NCT04072432 of ctgov-2021)
WRAPPED = """
        Inclusion Criteria:

          -  Men and women aged above 18 years undergoing abdominal surgery with general high risk
             for developing venous thromboembolism;

          -  Who have provided their consent by signing the consent form.

        Exclusion Criteria:

          -  Uncontrolled hypertension (systolic blood pressure [BP]> 180mmHg or diastolic BP> 100
             mm Hg) at randomization or clinical hypertensive urgency;

          -  bacterial endocarditis

        Male subjects with female partners of childbearing potential must agree to use a highly
        effective method of contraception from screening until 8 days after study drug
        administration.
"""


def split(text):
    crits = split_criteria(text, RULES, "T")
    for c in crits:
        assert text[c.offset:c.offset + len(c.text)] == c.text
    return crits


def flat(text: str) -> str:
    return " ".join(text.split())


def test_wrapped_criteria_are_joined_with_exact_offsets():
    crits = split(WRAPPED)
    assert [(c.section, flat(c.text)) for c in crits] == [
        ("inclusion", "Men and women aged above 18 years undergoing abdominal surgery with general high risk "
                      "for developing venous thromboembolism;"),
        ("inclusion", "Who have provided their consent by signing the consent form."),
        ("exclusion", "Uncontrolled hypertension (systolic blood pressure [BP]> 180mmHg or diastolic BP> 100 "
                      "mm Hg) at randomization or clinical hypertensive urgency;"),
        ("exclusion", "bacterial endocarditis"),
        ("exclusion", "Male subjects with female partners of childbearing potential must agree to use a highly "
                      "effective method of contraception from screening until 8 days after study drug administration."),
    ]
    assert "\n" in crits[0].text and crits[0].marker == "-" and crits[0].line == 4


def test_unwrapped_lines_stay_one_criterion_each():
    text = "Inclusion Criteria:\nAge 18 or older\nSigned consent\nHemoglobin at least 9 g/dL\n"
    assert [c.text for c in split(text)] == ["Age 18 or older", "Signed consent", "Hemoglobin at least 9 g/dL"]
    long = "x" * 300
    assert wrap_width(list(physical_lines(f"{long}\n{long}\n"))) is None  # lines too long to be wrapped


def test_markdown_bullets_segment_as_before():
    text = "Inclusion Criteria:\n\n* Age ≥ 18\n* ECOG 0-1\n\nExclusion Criteria:\n\n* Pregnancy\n"
    assert [(c.section, c.text) for c in split(text)] == [
        ("inclusion", "Age ≥ 18"), ("inclusion", "ECOG 0-1"), ("exclusion", "Pregnancy")]


def test_seeds_keep_their_line_criteria():
    """Every criterion line of the seeds is a criterion, or the text before an inline enumeration."""
    for f in (ROOT / "annotations" / "seeds").glob("*.txt"):
        text = f.read_text(encoding="utf-8")
        crits = split_criteria(text, RULES, f.stem)
        assert not any("\n" in c.text for c in crits)
        ids = [c.criterion_id for c in crits]
        assert len(ids) == len(set(ids))


@pytest.mark.parametrize("text,items", [
    ("1. Celiac disease. 2. Crohn's disease. 3. Ulcerative colitis.",
     ["Celiac disease.", "Crohn's disease.", "Ulcerative colitis."]),
    ("one of: (a) diabetes, (b) hypertension, (c) asthma", ["diabetes,", "hypertension,", "asthma"]),
    ("must be met:① weakness; ②Characteristic rash; ③ raised enzymes.",
     ["weakness;", "Characteristic rash;", "raised enzymes."]),
    ("meet ① and any of the criteria②-④: ① intolerant; ② rapid progress; ③ calcification; ④ rashes.",
     ["intolerant;", "rapid progress;", "calcification;", "rashes."]),
    ("①Age 18-65 ②BMI < 30 ③ SLEDAI >= 8", ["Age 18-65", "BMI < 30", "SLEDAI >= 8"]),  # after a plain space
    ("afflictions: 1) Cardiac, 2) Neurocognitive, and/or 3) Sleep Apnea", ["Cardiac,", "Neurocognitive, and/or",
                                                                           "Sleep Apnea"]),
])
def test_inline_enumerations_become_items(text, items):
    split_ = inline_items(text)
    assert [text[i.start:i.end] for i in split_.items] == items


@pytest.mark.parametrize("text", [
    "Hemoglobin ≥ 1.5 g/dL and dose 2. 5 mg per day",
    "CTCAE version 4.0 grade 2. Patients with grade 3 events",
    "Enrolled between 12.3.2020 and 1.4.2021",
    "at least 2. Prior therapy with 3. cycles",
    "criteria (2) - (4) can be met",
    "Stage 1, 2 or 3 disease",
    "see ① or ② above",
    "criteria ①-③ apply",
])
def test_decimals_doses_dates_versions_and_references_are_not_enumerations(text):
    assert inline_items(text).items == []


def test_inline_items_are_sub_criteria_of_their_head():
    text = "Inclusion Criteria:\n  2. Four of the following must be met:① weakness; ② rash; ③ enzymes.\n"
    crits = split(text)
    assert [(c.criterion_id, c.text, c.parent) for c in crits] == [
        ("T-inc-01", "Four of the following must be met:", None),
        ("T-inc-01.1", "weakness;", "T-inc-01"), ("T-inc-01.2", "rash;", "T-inc-01"),
        ("T-inc-01.3", "enzymes.", "T-inc-01")]


def test_a_whole_trial_on_one_line():
    text = "Inclusion Criteria: 1. Age ≥ 18. 2. ECOG 0-1. Exclusion Criteria: 1. Pregnancy. 2. HIV."
    crits = split(text)
    assert [(c.section, c.text, c.parent) for c in crits] == [
        ("inclusion", "Age ≥ 18.", None), ("inclusion", "ECOG 0-1.", None),
        ("exclusion", "Pregnancy.", None), ("exclusion", "HIV.", None)]


def test_cohort_headings_give_populations():
    """NCT04072432: "Healthy Volunteers" right under "Inclusion Criteria:" (it failed before)."""
    text = ("\n        Inclusion Criteria:\n\n        Healthy Volunteers\n\n          1. Male and female subjects age 18 "
            "to 80 years.\n\n          2. Body weight <125 kg.\n\n        CKD Subjects\n\n          1. Body weight "
            "<125 kg.\n\n        Part A:\n\n          -  ECOG 0-1\n\n        Exclusion Criteria:\n\n"
            "        For subjects enrolled in the extension:\n\n          -  Prior surgery\n")
    crits = split(text)
    assert [(c.section, c.population, c.text) for c in crits] == [
        ("inclusion", "healthy volunteers", "Male and female subjects age 18 to 80 years."),
        ("inclusion", "healthy volunteers", "Body weight <125 kg."),
        ("inclusion", "ckd subjects", "Body weight <125 kg."),
        ("inclusion", "part a", "ECOG 0-1"),
        ("exclusion", "for subjects enrolled in the extension", "Prior surgery")]


def test_section_heading_qualifiers_are_populations():
    text = "Resident Inclusion Criteria:\n- Age ≥ 65\nInclusion Criteria for Part 2 Only:\n- ECOG 0-1\n"
    assert [(c.section, c.population, c.text) for c in split(text)] == [
        ("inclusion", "resident", "Age ≥ 65"), ("inclusion", "for part 2 only", "ECOG 0-1")]


def test_nci_subject_headings():
    text = ("\n        DISEASE CHARACTERISTICS:\n\n          -  Histologically proven lymphoma\n\n"
            "        PATIENT CHARACTERISTICS:\n\n        Age:\n\n          -  15 to 65\n\n"
            "        Life expectancy:\n\n          -  At least 12 weeks\n\n        Hepatic:\n\n"
            "          -  Bilirubin no greater than 1.5 times ULN\n")
    assert [(c.heading_group, c.heading, c.population, c.text) for c in split(text)] == [
        ("disease characteristics", None, None, "Histologically proven lymphoma"),
        ("patient characteristics", "age", None, "15 to 65"),
        ("patient characteristics", "life expectancy", None, "At least 12 weeks"),
        ("patient characteristics", "hepatic", None, "Bilirubin no greater than 1.5 times ULN")]


def test_parents_of_list_items():
    """The seed's "Patients with DM … meet the following conditions:" and its numbered items."""
    text = ("Inclusion Criteria\n\n2. diagnosed with one of the following diseases:\n\n* SLE;\n* SS;\n"
            "3. Disease activity meets the following requirements:\n\n* SLEDAI ≥8;\n"
            "* Patients with DM who meet the following conditions:\n\n1\\. Skin rash VAS ≥3cm;\n\n"
            "2, muscle biopsy evidence;\n\n3\\. MMT-8 is less than 125/150;\n* For ANCA-AAV patients, BVAS ≥15.\n"
            "4. ECOG 0\\~1 score;\n")
    crits = split(text)
    parent = {c.text.split()[0]: c.parent for c in crits}
    ids = {c.text.split()[0]: c.criterion_id for c in crits}
    assert parent["diagnosed"] is None and parent["SLE;"] == parent["SS;"] == ids["diagnosed"]
    assert parent["SLEDAI"] == parent["Patients"] == parent["For"] == ids["Disease"]
    assert parent["Skin"] == parent["muscle"] == parent["MMT-8"] == ids["Patients"]
    assert parent["ECOG"] is None and parent["Disease"] is None


def test_wrapped_section_heading():
    text = ("        Exclusion Criteria (will be excluded if subjects meet one or more of the following\n"
            "        criteria):\n\n          -  Allergy to any of the study medications, including the ones listed in the\n"
            "             protocol of the study\n")
    assert [(c.section, flat(c.text)) for c in split(text)] == [
        ("exclusion", "Allergy to any of the study medications, including the ones listed in the protocol of the study")]


@pytest.mark.parametrize("text", ["", "   \n\n", "Inclusion Criteria:\n\nExclusion Criteria:\n",
                                  "Inclusion criteria\n\n        Exclusion criteria\n      "])
def test_empty_and_heading_only_texts_have_no_criteria(text):
    assert split(text) == []


@pytest.mark.parametrize("text", [
    "Inclusion Criteria:\r\n- Age ≥ 18\r\n- ECOG 0-1\rExclusion Criteria:\r- Pregnancy\n",
    "INCLUSION CRITERIA:   \n\t-\tAge\u00a0≥ 18\n\u00a0\nEXCLUSION CRITERIA  \n* Pregnancy",
    "Inclusion Criteria:\n- " + "very long criterion " * 100 + "\n",
    "\u2028Inclusion Criteria:\u2029- Age ≥ 18\x0c- ECOG\x85",
])
def test_bad_input_never_raises_and_offsets_stay_valid(text):
    crits = split(text)
    assert crits and all(c.section in ("inclusion", "exclusion") for c in crits)


def test_wrapped_lines_that_start_like_an_enumerator_continue():
    text = ("        Inclusion Criteria:\n\n"
            "          -  Use of other investigational drugs and devices within 30 days or 5 half-lives of Visit\n"
            "             1, whichever is longer\n\n"
            "          -  Previous diagnosis of severe heart failure or documented LVEF<25% determined by contrast\n"
            "             ventriculography. Absence of LVEF measurement in a subject without a previous diagnosis\n"
            "             of heart failure does not exclude entry into the study\n\n"
            "        Unstable angina: for a qualifying unstable angina event, each of components (a), (b), and\n"
            "        (c) must be satisfied: a.) Characteristic ischemic pain at rest b.) ECG changes consistent\n"
            "        with ischemia c.) Objective evidence of obstructive CAD based on 1+ of the following: i. New\n"
            "        ischemia by perfusion imaging ii. New regional wall motion abnormality\n")
    crits = split(text)
    assert [flat(c.text) for c in crits] == [
        "Use of other investigational drugs and devices within 30 days or 5 half-lives of Visit 1, whichever is longer",
        "Previous diagnosis of severe heart failure or documented LVEF<25% determined by contrast ventriculography. "
        "Absence of LVEF measurement in a subject without a previous diagnosis of heart failure does not exclude "
        "entry into the study",
        "Unstable angina: for a qualifying unstable angina event, each of components (a), (b), and (c) must be "
        "satisfied:",
        "Characteristic ischemic pain at rest", "ECG changes consistent with ischemia",
        "Objective evidence of obstructive CAD based on 1+ of the following:",
        "New ischemia by perfusion imaging", "New regional wall motion abnormality"]
    ids = [c.criterion_id for c in crits]
    assert [c.parent for c in crits] == [None, None, None, ids[2], ids[2], ids[2], ids[5], ids[5]]


def test_a_cohort_heading_written_as_a_list_item():
    text = ("Inclusion Criteria:\n\n  -  Platelets > 100,000\n\n  -  Non-small cell cancer cohort:\n\n"
            "  -  ECOG 0-2, prior platin\n\nExclusion Criteria:\n\n  -  CNS metastases\n")
    assert [(c.population, c.text) for c in split(text)] == [
        (None, "Platelets > 100,000"), ("non-small cell cancer cohort", "ECOG 0-2, prior platin"),
        (None, "CNS metastases")]
