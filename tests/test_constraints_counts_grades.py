"""Counts and grades as constraints (pipeline/components/constraints/counts.py, grades.py): the
pure helpers on the shipped configs/counts.json and configs/grades.json, then table-driven
through the built pipeline (counts and grades need the entity records it makes)."""

from pathlib import Path

import pytest

from pipeline.components.constraints import counts as counts_mod
from pipeline.components.constraints import grades as grades_mod
from pipeline.components.constraints.counts import CountRules
from pipeline.components.constraints.grades import GradeRules
from pipeline.components.constraints.phrases import words_after
from pipeline.rules.loading import CONFIG_SCHEMAS, RuleError, load_json_config

ROOT = Path(__file__).resolve().parents[1]
COUNTS = CountRules.from_dict(load_json_config(ROOT / "configs" / "counts.json", CONFIG_SCHEMAS["counts.json"]))
GRADES = GradeRules.from_dict(load_json_config(ROOT / "configs" / "grades.json", CONFIG_SCHEMAS["grades.json"]))


def bounds_of(c):
    lo, hi = c.get("lower"), c.get("upper")
    return (lo and (lo["value"], lo["inclusive"]), hi and (hi["value"], hi["inclusive"]))


def of_category(record, category):
    return [c for c in record["constraints"] if c["category"] == category]


# ---------------------------------------------------------------------------------------------
# pure helpers
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,values", [
    ("III", [3]), ("II-IV", [2, 4]), ("Ⅲ-Ⅳ", [3, 4]), ("1, 2 or 3", [1, 2, 3]), ("VI", [6]),
])
def test_numerals_read_as_numbers(text, values):
    assert grades_mod._numbers(text, GRADES, None) == values


def test_class_letters_only_for_a_system_that_has_them():
    child_pugh = next(s for s in GRADES.systems if s["id"] == "grade.system.child_pugh")
    assert grades_mod._numbers("B", GRADES, child_pugh) == [2]
    assert grades_mod._numbers("B", GRADES, None) is None
    assert grades_mod._numbers("2", GRADES, child_pugh) is None  # Child-Pugh has letters, not numbers


@pytest.mark.parametrize("values,op,many,want", [
    ([2], ">=", False, ({"value": 2, "inclusive": True}, None)),
    ([2], "<", False, (None, {"value": 2, "inclusive": False})),
    ([3], None, False, ({"value": 3, "inclusive": True}, {"value": 3, "inclusive": True})),
    ([3, 4], None, True, ({"value": 3, "inclusive": True}, {"value": 4, "inclusive": True})),
])
def test_grade_bounds(values, op, many, want):
    assert grades_mod._bounds(values, op, many) == want


def test_bare_lower_head_groups():
    # the groups whose bare number is a minimum: methods to use, markers a diagnosis needs
    assert {"count.head.method", "count.head.marker"} <= COUNTS.bare_lower
    assert "count.head.criterion" not in COUNTS.bare_lower and "count.head.line" not in COUNTS.bare_lower
    assert CountRules.from_dict({"heads": [{"id": "count.head.x", "words": ["x"]}]}).bare_lower == frozenset()


@pytest.mark.parametrize("text,head", [
    (" previous concussions", "concussions"),
    (" permanent first molars that need", "molars"),
    (" weeks", None),          # a time, not a counted thing
    (" for women", None),      # no noun phrase
    (" lesion", None),         # singular: only a listed head counts it
])
def test_open_head_is_a_plural_noun_phrase(text, head):
    words = words_after(text, 0, 8)
    found = counts_mod._open_head(words, 0, COUNTS)
    assert (words[found[1]].text if found else None) == head


@pytest.mark.parametrize("text,head", [
    (" official match in the last year", "match"),          # a count of one: a singular head
    (" clinically apparent stroke with", "stroke"),
    (" year since surgery", None),                           # a time
    (" general or respiratory symptom", None),               # a coordination, not its head
    (" prior", None),                                        # an adjective
])
def test_a_count_of_one_takes_a_singular_head(text, head):
    words = words_after(text, 0, 8)
    found = counts_mod._open_head(words, 0, COUNTS, one=True)
    assert (words[found[1]].text if found else None) == head
    assert counts_mod._open_head(words, 0, COUNTS) is None or head is None or words[0].text.endswith("s")


def test_singular_heads_are_those_whose_plural_is_listed():
    assert {"admission", "treatment", "therapy", "lesion"} <= COUNTS.singular_heads
    assert not {"admissions", "criteria", "teeth", "therapies"} & COUNTS.singular_heads


def test_a_far_slash_is_no_rate_but_a_near_one_is():
    words = words_after(" fractures: basin and / or femur", 0, 20)
    assert not counts_mod._rate_follows(words, 1, COUNTS)
    words = words_after(" seizures / month", 0, 20)
    assert counts_mod._rate_follows(words, 1, COUNTS)


def test_a_number_after_the_following_is_the_lists_size():
    text = "at least three of the following four criteria"
    ents = [{"label": "VALUE", "start": 9, "end": 14}, {"label": "VALUE", "start": 32, "end": 36}]
    words = words_after(text, 14, 10)  # "of the following four criteria"
    assert counts_mod._following_total(words, 3, ents, {"three": 3, "four": 4}, 3) == (4, 1)
    assert counts_mod._following_total(words, 3, ents, {"three": 3, "four": 4}, 5) is None  # below the count
    assert counts_mod._following_total(words, 4, ents, {"four": 4}, 3) is None              # not a number


def test_a_number_after_of_the_is_the_lists_size(run):
    [c] = of_category(run("The patient must satisfy at least four of the seven criteria."), "count")
    assert bounds_of(c) == ((4, True), None) and c["scale_max"] == 7 and c["subject_text"] == "criteria"


@pytest.mark.parametrize("text,head", [
    (" ICI or a combination", "ICI"),       # an acronym ends the phrase
    (" NSAID on a regular basis", "NSAID"),
    (" radiation port", None),              # a noun no head lists
    (" allele", None),
])
def test_a_single_takes_an_acronym_when_no_head_lists_the_noun(text, head):
    words = words_after(text, 0, 8)
    found = counts_mod._single_head(words, COUNTS)
    assert (words[found[1]].text if found else None) == head


@pytest.mark.parametrize("text,name,label,rule,at,expected", [
    ("weekly intake of more than 14 drinks", "weekly intake", "MEASUREMENT", "shape.np_comparator_value", "more", True),
    ("have experienced more than 3 concussions", "experienced", "MEASUREMENT", "shape.np_comparator_value", "more",
     False),                                                       # a verb the shape took, a verbal comparator
    ("1 drink = 5 ounces of wine", "drink", "MEASUREMENT", "shape.np_comparator_value", "=", True),  # a sign
    ("ASA 1-3 patients", "ASA", "SCORE", "score.asa", "1", True),  # a named score: right before the number
])
def test_a_shape_guess_names_a_subject_only_across_a_link(text, name, label, rule, at, expected):
    start = text.index(name)
    ents = [{"label": label, "start": start, "end": start + len(name), "rule": rule}]
    assert counts_mod._bounds_a_subject(text, ents, text.index(at, start + len(name)), COUNTS) is expected


def test_a_rate_word_later_in_the_clause_makes_a_frequency():
    words = words_after(" cups of coffee, tea or soft drinks per day", 0, 20)
    assert counts_mod._rate_follows(words, 1, COUNTS)
    words = words_after(" cups of coffee; drinks per day", 0, 20)
    assert not counts_mod._rate_follows(words, 1, COUNTS)


def test_a_kind_head_needs_of(run):
    found = of_category(run("Greater than or equal to 1 CDC class C event within the past 12 months."), "count")
    assert [c["subject_text"] for c in found] == ["CDC class C event"]
    found = of_category(run("must use two methods of birth control while on study"), "count")
    assert [c["subject_text"] for c in found] == ["methods of birth control"]  # 'while' ends the complement


def test_a_comparator_after_a_number_is_that_numbers():
    words = words_after("two previous treatments of three or more drugs", 0, 12)
    assert counts_mod._after_head(words, 6, COUNTS, {"three": 3.0}) is None  # "three or more"
    assert counts_mod._after_head(words_after("2 time zones or more", 0, 8), 3, COUNTS, {}) == "lower"
    words = words_after("2 lesions or less than 3 cm", 0, 12)
    assert counts_mod._after_head(words, 2, COUNTS, {}) is None  # "or less than 3 cm": the next bound's


def test_of_the_one_heads_must_name_head_groups():
    data = COUNTS.to_dict()
    data["of_the"] = dict(data["of_the"], one_heads=["count.head.nonesuch"])
    with pytest.raises(ValueError, match="count.head.nonesuch"):
        CountRules.from_dict(data)


def test_rules_round_trip_and_unknown_keys_are_rejected(tmp_path):
    assert CountRules.from_dict(COUNTS.to_dict()).heads == COUNTS.heads
    assert GradeRules.from_dict(GRADES.to_dict()).numerals == GRADES.numerals
    bad = tmp_path / "grades.json"
    bad.write_text('{"keywords": [], "numerals": {"I": 1}, "subject_fallbak": null}', encoding="utf-8")
    with pytest.raises(RuleError, match="subject_fallbak"):
        load_json_config(bad, CONFIG_SCHEMAS["grades.json"])


# ---------------------------------------------------------------------------------------------
# through the pipeline
# ---------------------------------------------------------------------------------------------

# text, subject text (words of it), lower, upper
COUNT_CASES = [
    ("Failure of at least 2 prior lines of therapy", "lines", (2, True), None),
    ("More than 3 previous concussions", "concussions", (3, False), None),
    ("At least two permanent molars erupted", "molars", (2, True), None),
    ("fewer than 100 cigarettes in a lifetime", "cigarettes", None, (100, False)),
    ("three or more of the following criteria:", "criteria", (3, True), None),
    # a shape guess right before the comparator is no subject of its own
    ("have experienced more than 3 previous concussions,", "concussions", (3, False), None),
    # "and / or" far on is no rate
    ("at least one of the following fractures: basin and / or femur", "following fractures", (1, True), None),
    # a count of one takes a singular head
    ("more than one clinically apparent stroke with aphasic symptoms;", "stroke", (1, False), None),
    ("presence of at least one diabetes-related complication (either neuropathy)", "complication", (1, True), None),
    # a bare number of at least two before "the following" is a lower bound
    ("The presence of fever plus four of the following criteria:", "criteria", (4, True), None),
    # "the following" is part of the subject span
    ("Nursing home residents with ≥2 of the following risk factors for atrial fibrillation:",
     "the following risk factors", (2, True), None),
    # a singular head before a coordination counts the plural that ends it
    ("On five or more antihypertensive and/or diuretic agents", "diuretic agents", (5, True), None),
    # a complement with "for"
    ("Meets two additional criteria for borderline personality disorder (BPD).",
     "criteria for borderline personality disorder", (2, True), (2, True)),
    # "a single X": a count of one, with a listed head or an acronym, no number written
    ("patients who have received a single chemotherapy regimen or combined modality",
     "chemotherapy regimen", (1, True), (1, True)),
    ("hypertension on a single antihypertensive agent are allowed.", "antihypertensive agent", (1, True), (1, True)),
    ("Initiation of treatment with a single ICI or a combination of ICIs.", "ici", (1, True), (1, True)),
    ("A single defect too large for closure", "defect", (1, True), (1, True)),
    # "N of the X" with N of at least two: the noun phrase after "of the", across a coordination
    ("satisfying at least four of the primary measures", "primary measures", (4, True), None),
    ("two or more of the eye examinations or physiotherapy assessments", "physiotherapy assessments", (2, True), None),
    # ... and a count of one when the phrase ends in a head of of_the.one_heads (things to meet, have, use)
    ("report some difficulty on at least one of the primary measures: M2CQ; PDRI", "primary measures", (1, True), None),
    ("Not participating in one or more of the eye examination or physiotherapy assessments",
     "physiotherapy assessments", (1, True), None),
    ("have at least one of the two symptoms, heartburn and reflux,", "symptoms", (1, True), None),
    # a count of one takes an acronym as its singular head
    ("the presence of at least one visible active WSL in primary teeth", "wsl", (1, True), None),
    # an irregular plural ends the counted phrase like a plural in "s"
    ("significant cytological atypia or more than 2 foci", "foci", (2, False), None),
    # a shape guess that names no measurement ("History of") does not take the number
    ("History of at least 2 sets of VT insertions in the past", "sets", (2, True), None),
    ("History of at least 2 seizures in the past year", "seizures", (2, True), None),
    ("Elevation of at least one muscular enzyme", "muscular enzyme", (1, True), None),
    ("Failure of more than 2 prior systemic treatments", "prior systemic treatments", (2, False), None),
    # a rate inside a bracket after the count is the bracket's
    ("unwilling to use at least 2 methods of highly effective contraception (failure rate less than 1% per year)",
     "methods of highly effective contraception", (2, True), None),
    # "per" that refers to a set of criteria, a protocol or a person is no rate
    ("adenocarcinoma with at least one measurable lesion, per Response Evaluation Criteria in Solid Tumors (RECIST)",
     "measurable lesion", (1, True), None),
    ("Patients with at least one measurable lesion as per RECIST", "measurable lesion", (1, True), None),
    ("more than three third-line agents concomitantly or ... per protocol", "agents", (3, False), None),
    # a comparator after the counted noun bounds a bare number on one side, also of a plural no head lists
    ("Have traveled 2 time zones or more within 7 days prior to screening", "time zones", (2, True), None),
    ("Uncontrolled glaucoma on three medicines or more to control intraocular pressure", "medicines", (3, True), None),
    ("Metastatic spread could be present in two organs at maximum (i.e. lungs and pelvic fosa).", "organs",
     None, (2, True)),
    ("the total duration of exposure was six cycles or less", "cycles", None, (6, True)),
    # a bare number of what a patient may have had is what is allowed: at most
    ("Patient may have had one previous chemotherapy line.", "chemotherapy line", None, (1, True)),
    ("Subject may have 1 course of palliative radiation or surgical therapy", "course", None, (1, True)),
    ("Patients must have received one prior regimen for metastatic disease.", "prior regimen", (1, True), (1, True)),
    # with a comparator, a bracketed acronym among the modifiers is passed over
    ("balloon angioplasty of up to 2 in-stent restenosis (ISR) lesions in native coronary arteries",
     "(isr) lesions", None, (2, True)),
    ("Treatment with more than two oral antidiabetic (OAD) agents within 6 weeks", "(oad) agents", (2, False), None),
    # a number written twice, in words and in brackets
    ("History of asthma defined as at least two (2) prior episodes of respiratory illness",
     "prior episodes", (2, True), None),
    ("Ulcerated area(s) of not more than two (2) ulcers between 0.5 to 6 cm2", "ulcers", None, (2, True)),
    # a modal's "not" before the comparator denies it: the bound flips
    ("Patient's disease may not involve more than 3 metastatic sites.", "metastatic sites", None, (3, True)),
    ("Patients must not have received more than three prior chemotherapeutic regimens.", "regimens",
     None, (3, True)),
    ("Patients who have not previously received at least one line of therapy", "line of therapy", None, (1, False)),
    ("Failure of more than 2 prior systemic treatments", "treatments", (2, False), None),
    # kinds of a thing are counted through their "of" complement
    ("Only one type of imaging is required to show a lesion.", "type of imaging", (1, True), (1, True)),
    ("evidence of at least 1 type of generalized seizure, including drop seizures", "type of generalized seizure",
     (1, True), None),
    ("must provide evidence of the use of two types of birth control while enrolled", "types of birth control",
     (2, True), (2, True)),
    # methods of contraception are counted; a bare number of methods to use is a minimum
    ("must be willing to use two acceptable methods of contraception", "methods of contraception",
     (2, True), None),
    ("Fertile female patients must use 2 forms of effective contraception", "forms of effective contraception",
     (2, True), None),
    # a bare number of positive or elevated markers a diagnosis needs is a minimum
    ("2017 EULAR/ACR classification standard + one positive myositis specific antibody (Jo-1, Zo, EJ)",
     "positive myositis specific antibody", (1, True), None),
    ("The level of one muscle enzyme in serum was increased;", "muscle enzyme", (1, True), None),
    # other heads: a bare number is the count itself
    ("Meets two additional criteria for borderline personality disorder (BPD).", "additional criteria",
     (2, True), (2, True)),
]

NOT_COUNTS = [
    "less than 5th grade education",           # an ordinal
    "HIV 1 infection documented",              # a name's number
    "no more than 3 cups of coffee, tea or soft drinks per day",  # a frequency
    "at least two weeks since surgery",        # a time
    # a definition of what makes one is no bound
    "induction, first ASCT, consolidation, and maintenance were considered 1 line of therapy",
    "adjuvant chemotherapy will count as one line of chemotherapy",
    "Note: fixed dose combinations count as two medications.",
    "Diabetes mellitus type 1 or 2",           # a type's number
    # people are not counted: a number of them sizes a sample or a family
    "At least two relatives willing to participate in the screening programme.",
    "Have at least one child aged 6 years or younger",
    "80-120 patients will be recruited in this study.",
    "enrollment will be limited to maximum of 25 patients in this cohort",
    "procedures performed by at least 3 fellowship trained surgeons",
    "other sodium-glucose co-transporter 2 (SGLT2) inhibitors",  # a bare number before a bracket: a name's
    # lines of an eye chart measure acuity
    "Presence of substantial cataract, one that might decrease the vision by 3 or more lines of vision",
    "is likely to be decreasing visual acuity by 3 lines or more (i.e., a 20/40 cataract).",
    "documented evidence of ≥2 lines of vision loss (ETDRS)",
    "formal IQ test with 85 marks or above",   # marks of a test score are points, not things counted
    "patients with 3 nodes or more than 2 cm",  # a bare number, an open head, and a comparator of the next bound
    "at least 15 eosinophils per HPF",         # a density: 'per' before an acronym no reference lists
    "Hemoglobin >= 9 g/dL",                    # an amount
    "Participant meets 1 of the following criteria:",  # one of the following: alternatives
    "prior to initiation of NovoMix® 30 treatment",    # a singular head with a number above one
    "Clinical Frailty Score above 7 prior admission",
    "The scores of the 9 items of the DSM-5",          # 'the' before the number: a known set
    "≥ 8 headache days meet criteria as migraine days",  # the number counts days
    "within the six half-life periods of the study drug",  # a time
    "inability to perform >4 METs by history",         # a unit
    "at least one year since surgery",                 # a count of one, but a time
    "at least one general or respiratory symptom",     # a coordination
    "where 1 drink = 5 ounces of wine",                # a unit after a shape guess and a sign
    "measured in at least one dimension",              # a unit of a count of one
    "A single repeat test is allowed during screening",  # a kind of test, not one test to have
    "prior single agent chemotherapy",                 # monotherapy, not a count
    "Compliance with single-blind study medication",   # hyphenated: a design
    "contained in a single radiation port",            # 'a single' before a noun no head lists
    "based on a single FSH measurement",               # how often it is measured
    "Allergy to one or more of the ingredients",       # 'one of the X': alternatives
    "at least one of the subject's parents must consent",
    "Known hypersensitivity to one or more of the study agents",  # a drug head: alternatives
    "At least 1 of the active discoid lesions must have been present",
    "systolic BP >= 160 mmHg on two occasions at least 4 hours apart",  # a repetition
    "as an average of 3 measurements",
    "able to walk at least 2 blocks without stopping",  # a distance walked
    "within 3 months or within 5 half lives prior to baseline",  # a time
    "Subjects receiving any PDE-5 inhibitors",         # a name's number after a hyphen
    "receiving (Phosphodiesterase)-5 inhibitors",
    "Fulfilling 1 of the following 2 criteria:",       # the size of the list
    "QTc >480 msecs using Bazett's formula",           # a unit first
]


@pytest.mark.parametrize("text,subject,lower,upper", COUNT_CASES)
def test_counts(run, text, subject, lower, upper):
    found = of_category(run(text), "count")
    assert len(found) == 1, found
    c = found[0]
    assert subject in c["subject_text"].lower()
    assert text[c["subject_span"][0]:c["subject_span"][1]] == c["subject_text"]
    assert bounds_of(c) == (lower, upper)
    assert c["unit"] is None and c["rules"][0].startswith("count.")


@pytest.mark.parametrize("text", NOT_COUNTS)
def test_not_counts(run, text):
    assert of_category(run(text), "count") == []


# text, subject text, lower, upper
GRADE_CASES = [
    ("IVH grade 3-4", "IVH", (3, True), (4, True)),
    ("fibrosis (stage 1-3) on biopsy", "fibrosis", (1, True), (3, True)),
    ("stage 4 fibrosis on liver biopsy", "fibrosis", (4, True), (4, True)),
    ("peripheral neuropathy of grade 2 or worse", "peripheral neuropathy", (2, True), None),
    # a copula or a resolution verb between the condition and its grade
    ("Peripheral neuropathy must be < Grade 2.", "Peripheral neuropathy", None, (2, False)),
    ("Chemotherapy related toxicities that have not resolved to ≤ grade 2", "toxicities", None, (2, True)),
    ("neurotoxicity of a severity >Grade 2 by NCI criteria", "neurotoxicity", (2, False), None),
    # the graded adverse event, not the complement it hangs on
    ("Any ongoing toxicity from prior anti-cancer therapy that is >Grade 1", "toxicity", (1, False), None),
    ("Resolution of toxicities associated with prior chemotherapy to ≤ Grade 1", "toxicities", None, (1, True)),
    ("Toxicities from prior therapy for the malignancy should resolve to grade 1 or less.", "Toxicities",
     None, (1, True)),
    ("known severe hypersensitivity reactions to monoclonal antibodies (NCI CTCAE v4.03 Grade ≥ 3)",
     "severe hypersensitivity reactions", (3, True), None),
    ("ASA physical status I or II", "ASA", (1, True), (2, True)),
    # a system's bracketed short form after its long name is the subject span (nearest the grade)
    ("New York Heart Association (NYHA) class III-IV heart failure", "NYHA", (3, True), (4, True)),
    ("physical status American Society of Anesthesiologist (ASA) I or II", "ASA", (1, True), (2, True)),
    ("American Society of Anesthesiologists (ASA) physical classification ≥ IV", "ASA", (4, True), None),
    # a serial comma in a list
    ("ASA status I, II, or III.", "ASA", (1, True), (3, True)),
    ("Child-Pugh class B", "Child-Pugh", (2, True), (2, True)),
    ("GMFCS levels I-III", "GMFCS", (1, True), (3, True)),
    # a sub-stage letter (and digit) after a stage's numeral: the numeral (configs/grades.json substages)
    ("Stage IIIB disease with malignant pleural effusion", "disease", (3, True), (3, True)),
    ("Newly diagnosed Stage IIIB or IV non-small cell lung cancer", "non-small cell lung cancer", (3, True), (4, True)),
    ("FIGO stage IIIB, IIIC, or IV ovarian cancer", "ovarian cancer", (3, True), (4, True)),
    ("stage II-IIIA colon cancer", "colon cancer", (2, True), (3, True)),
    ("stage 1a2 cervical cancer", "cervical cancer", (1, True), (1, True)),
    # a bracketed remark without digits between the grade and the condition it grades
    ("Stage IV (metastatic) breast cancer", "breast cancer", (4, True), (4, True)),
    ("grade 3 (NCI CTC) rash or any other toxicity", "rash", (3, True), (3, True)),
    # the phrase after the grade is another grade or a system: the condition before it
    ("Patients with periodontitis stages III and IV grades A-B.", "periodontitis", (3, True), (4, True)),
    ("Patients with NEC (stages I-III Bell's Classification)", "NEC", (1, True), (3, True)),
    # an elliptical coordination shares the grade's noun
    ("has stage I-III colorectal, lung, or liver cancer, has not", "colorectal, lung, or liver cancer",
     (1, True), (3, True)),
    # 'class' with no system: the system whose subject the condition names (NYHA), written or not
    ("end-stage renal disease or class IV congestive heart failure);", "congestive heart failure", (4, True), (4, True)),
    ("class III or IV congestive heart failure as defined by the New York Heart Association (NYHA); history",
     "NYHA", (3, True), (4, True)),
    # a system that names the subject, beside a grade that has none
    ("Hoehn & Yahr Classification of Disability, stage 1-3", "Hoehn & Yahr", (1, True), (3, True)),
    ("Greater than Stage 3 on the Hoehn & Yahr Classification of Disability", "Hoehn & Yahr", (3, False), None),
    # degrees of a conduction block
    ("second or third degree heart block without a permanent cardiac pacemaker", "heart block", (2, True), (3, True)),
    ("Second degree or greater heart block", "heart block", (2, True), None),
    ("Documented episodes of second or third degree atrioventricular (AV) block.", "atrioventricular (AV) block",
     (2, True), (3, True)),
    ("3 grade auriculo-ventricular heart block without pacing", "auriculo-ventricular heart block", (3, True), (3, True)),
    ("evidence of second- or third-degree AV block", "AV block", (2, True), (3, True)),
    # a shape guess running into the grade names no condition; with none before, the one after "from"
    ("Any unresolved toxicity NCI CTCAE Grade ≥2 from previous anticancer therapy", "toxicity", (2, True), None),
    ("recovery to =< grade 1 from all toxicities related to the prior treatment", "all toxicities", None, (1, True)),
    # the same block twice as alternatives: one range
    ("rapid rate, second degree heart block Mobitz type II or third degree heart block (unless paced)",
     "heart block", (2, True), (3, True)),
    # the keyword written again in a list
    ("Patients with any grade 3 or grade 4 toxicity during prior therapy", "toxicity", (3, True), (4, True)),
    # a comparator after the grade that bounds nothing ends it: the condition before it
    ("No unresolved chronic toxicity > grade 2 from previous anticancer therapy", "toxicity", (2, False), None),
    # a bracketed grade after a severity word grades the condition after the bracket
    ("History of severe (grade 3 or 4) allergic or hypersensitivity reactions", "allergic or hypersensitivity reactions",
     (3, True), (4, True)),
    # 'class' before which the condition names the system
    ("a) Congestive heart failure class III/IV (CHF) per new york heart association (NYHA) criteria.", "NYHA",
     (3, True), (4, True)),
]

NOT_GRADES = [
    "Grade 1",                    # no graded condition named
    "First degree relative with diabetes",  # a degree of kinship, no block
    "deep partial-thickness (second-degree) burn",  # degrees grade conduction blocks only
    "Resolved acute effects of any prior therapy to baseline or Grade ≤1 severity",  # 'severity' is no condition
    "ASA 1-3 patients",           # digits after a score's name: the score's
    "class III antiarrhythmics",  # a bare 'class' needs a system
    "type 2 diabetes",            # 'type' needs a system
    "class II malocclusion",      # 'class' with no system and no system's condition
    "grade IIIB toxicity",        # sub-stage letters after a stage only
    "Grade 1 (or baseline) within 1 week",  # nothing graded after the remark, nothing before the grade
]


@pytest.mark.parametrize("text,subject,lower,upper", GRADE_CASES)
def test_grades(run, text, subject, lower, upper):
    found = of_category(run(text), "grade")
    assert len(found) == 1, found
    c = found[0]
    assert c["subject_text"] == subject
    assert text[c["subject_span"][0]:c["subject_span"][1]] == subject
    assert bounds_of(c) == (lower, upper)
    assert c["unit"] == "{grade}"


@pytest.mark.parametrize("text", NOT_GRADES)
def test_not_grades(run, text):
    assert of_category(run(text), "grade") == []


def test_asa_digits_stay_a_score(run):
    scores = of_category(run("ASA 1-3 patients"), "score")
    assert [bounds_of(c) for c in scores] == [((1, True), (3, True))]


@pytest.mark.parametrize("text,subject,upper", [
    # a preposition or verb after a lab value continues its bound: no count, a lab bound
    ("Serum albumin less than 30 without liver or renal dysfunction", "albumin", (30, False)),
    ("Clinical Frailty Score less than 7 according to the Rockwood scale", None, (7, False)),
])
def test_a_value_before_a_function_word_stays_a_bound(run, text, subject, upper):
    record = run(text)
    assert of_category(record, "count") == []
    bounds = [c for c in record["constraints"] if c["category"] not in ("count", "grade")]
    assert len(bounds) == 1 and bounds_of(bounds[0]) == (None, upper)
    assert subject is None or bounds[0]["subject"] == subject


@pytest.mark.parametrize("text, expected", [
    # a count out of a total written with a slash, as "N of M": the total is the scale
    ("at least 6/68 tender joints", [("tender joints", 6, 68)]),
    ("≥ 6/66 swollen joints and ≥ 8/68 tender joints", [("swollen joints", 6, 66), ("tender joints", 8, 68)]),
    ("at least 3/5 criteria", [("criteria", 3, 5)]),
])
def test_a_count_out_of_a_total_after_a_slash(run, text, expected):
    got = [(c["subject"], c["lower"]["value"], c["scale_max"]) for c in run(text)["constraints"]
           if c["category"] == "count"]
    assert got == expected


@pytest.mark.parametrize("text", [
    "human immunodeficiency virus 1/2 antibody (HIV-1/2 Ab)",  # two types, no total
    "blood pressure < 150/90 mmHg",  # a pair of bounds: the first is the larger
])
def test_a_slash_pair_that_is_no_total(run, text):
    assert not [c for c in run(text)["constraints"] if c["category"] == "count"]


def test_a_cell_per_cubic_millimetre_written_singular(run):
    got = [(c["subject"], c["lower"], c["unit"]) for c in run("Absolute neutrophil count (ANC) ≥1500 cell/mm^3")["constraints"]]
    assert got == [("absolute neutrophil count", {"value": 1500, "inclusive": True}, "/uL")]


@pytest.mark.parametrize("text", [case[0] for case in GRADE_CASES] + NOT_GRADES)
def test_grade_gates_pass_every_text_the_patterns_match(text):
    """The pattern runs only where the gate (a keyword, or a system that needs none, before a
    numeral) passes and the degree pattern only where a degree word stands: both pass wherever the
    pattern reads a grade, and the grades found are those of the patterns run on every text."""
    masked = grades_mod._masked(text, [])
    if any(grades_mod._read(m, text, [], GRADES) for m in GRADES.pattern.finditer(masked)):
        assert GRADES.gate.search(text, masked)
    if GRADES.degree_pattern.search(text):
        assert GRADES.degree_gate.search(text)
    assert not GRADES.gate.search("greater than 2 years of progression-free survival in group 3")
