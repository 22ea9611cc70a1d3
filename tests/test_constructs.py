"""Every construct the pipeline must handle, table-driven, including cases that must NOT match.

Each row: criterion text → expected constraints as (subject, lower, upper, unit[, extra checks]).
A bound is (value, inclusive) or None.
"""

import pytest


def bounds(c):
    lo = (c["lower"]["value"], c["lower"]["inclusive"]) if c["lower"] else None
    hi = (c["upper"]["value"], c["upper"]["inclusive"]) if c["upper"] else None
    return lo, hi


def summary(record):
    return sorted(((c["subject"], *bounds(c), c["unit"]) for c in record["constraints"]), key=repr)


CASES = [
    # comparator symbols, units glued to numbers
    ("hemoglobin ≥60g/L, platelet count ≥30×109/L;",
     [("hemoglobin", (60, True), None, "g/L"), ("platelet count", (30, True), None, "10*9/L")]),
    ("Hb>=90 g/L", [("hemoglobin", (90, True), None, "g/L")]),
    ("eGFR≥30ML/min/1.73m2", [("egfr", (30, True), None, "mL/min/{1.73_m2}")]),
    ("Left ventricular ejection fraction (LVEF) ≥55%", [("lvef", (55, True), None, "%")]),
    ("SpO2≥92%", [("spo2", (92, True), None, "%")]),
    ("DLCO≥40% predicted value; FVC≥50% expected value",
     [("dlco", (40, True), None, "%{predicted}"), ("fvc", (50, True), None, "%{predicted}")]),
    ("platelets ≧ 100 × 10^9/L", [("platelet count", (100, True), None, "10*9/L")]),
    ("ANC ＞ 1.5 x 10⁹/L", [("absolute neutrophil count", (1.5, False), None, "10*9/L")]),
    # multipliers of ULN, coordination
    ("AST and ALT≤3.0 ULN, total bilirubin ≤2.0 ULN;",
     [("alt", None, (3, True), "{ULN}"), ("ast", None, (3, True), "{ULN}"), ("total bilirubin", None, (2, True), "{ULN}")]),
    ("total bilirubin ≤2.0×ULN", [("total bilirubin", None, (2, True), "{ULN}")]),
    ("ALT/AST<3×ULN", [("alt", None, (3, False), "{ULN}"), ("ast", None, (3, False), "{ULN}")]),
    ("AST, ALT ≤ 2.5 × ULN", [("alt", None, (2.5, True), "{ULN}"), ("ast", None, (2.5, True), "{ULN}")]),
    ("creatine kinase (CK), aldolase, with a minimum level of 1.3× the upper limit of normal",
     [("aldolase", (1.3, True), None, "{ULN}"), ("creatine kinase", (1.3, True), None, "{ULN}")]),
    # disjunctions: two constraints; a postfix phrase before its number is the strict comparator
    ("weight below 45 or above 120 kg", [("body weight", None, (45, False), None), ("body weight", (120, False), None, "kg")]),
    ("Body weight less than 45 kg or more than 120 kg",
     [("body weight", None, (45, False), "kg"), ("body weight", (120, False), None, "kg")]),
    ("Age below 18 or above 75 years", [("age", None, (18, False), None), ("age", (75, False), None, "a")]),
    ("Patients below 18 and above 45 years", [("age", None, (18, False), None), ("age", (45, False), None, "a")]),
    ("Aged equal or over 18.", [("age", (18, True), None, None)]),
    # ages with no age word or unit: the comparator says it
    ("Participants must be 21 or older", [("age", (21, True), None, None)]),
    ("younger than 21 or older than 80", [("age", None, (21, False), None), ("age", (80, False), None, None)]),
    ("Patients older than 65", [("age", (65, False), None, None)]),
    # a number joined by "to" to an upper end with its own comparator: a range, lower inclusive
    ("Children age 4 to < 17 years", [("age", (4, True), (17, False), "a")]),
    ("Patients 11 to no older than 17 years of age", [("age", (11, True), (17, True), "a")]),
    ("Alanine aminotransferase (ALT) 1.5 to <10 times the upper limit of normal",
     [("alt", (1.5, True), (10, False), "{ULN}")]),
    ("Body mass index (BMI) 18 to ≤ 27 kg/m2", [("bmi", (18, True), (27, True), "kg/m2")]),
    ("Aged 6 months to < 18 years", [("age", (6, True), None, "mo"), ("age", None, (18, False), "a")]),
    ("12 to < 18 years old (Cohort 1), 6 to < 12 years old (Cohort 2)",
     [("age", (12, True), (18, False), "a"), ("age", (6, True), (12, False), "a")]),
    ("aged 18 - < 65 years", [("age", None, (65, False), "a")]),  # "-" joins no such range
    # a named instrument's name leaves out the clause before it; an acronym before "score" is one
    ("A Wrinkle Severity Rating Scale score of ≥ 3", [("wrinkle severity rating scale", (3, True), None, None)]),
    ("A CAT score of >=10 at Screening Visit 1", [("cat score", (10, True), None, None)]),
    ("A modified Mayo Score 4-10", [("modified mayo score", (4, True), (10, True), None)]),
    # an instrument named in title case wins over a condition named inside it, also after the bound
    ("Center for Epidemiologic Studies Depression Scale score ≥16",
     [("center for epidemiologic studies depression scale", (16, True), None, None)]),
    ("low mood as indicated by a 5 or greater on the Geriatric Depression Scale",
     [("geriatric depression scale", (5, True), None, None)]),
    # a bracketed item number of an inline list is no bound
    ("(2) low mood on the Geriatric Depression Scale (GDS) (3) alcoholism", []),
    ("ECOG (1) or less", [("ECOG", None, (1, True), None)]),
    # "systolic"/"diastolic" alone right after a number, or right before a comparison, name the
    # component of blood pressure that number bounds, before any subject further left
    ("Blood Pressure >160 systolic or >100 diastolic on two consecutive visits",
     [("diastolic blood pressure", (100, False), None, None), ("systolic blood pressure", (160, False), None, None)]),
    ("blood pressure ≥140 mmHg systolic and/or ≥90 mmHg diastolic",
     [("diastolic blood pressure", (90, True), None, "mm[Hg]"), ("systolic blood pressure", (140, True), None, "mm[Hg]")]),
    ("history of systolic heart failure", []),
    # a verb form of "weigh" names the body weight; a verb before a dose is no name, the drug after is
    ("Subjects who weigh ≥15 kg without shoes", [("body weight", (15, True), None, "kg")]),
    ("Patients weighing less than 50 Kg.", [("body weight", None, (50, False), "kg")]),
    ("Patient taking more than 2g/day of levetiracetam", [("levetiracetam", (2, False), None, "g/d")]),
    ("refrain from consuming ≥300 mg per day of caffeine", [("caffeine", (300, True), None, "mg/d")]),
    # a negated "older/younger than" bounds the other side, inclusive
    ("Patients not older than 65 years", [("age", None, (65, True), "a")]),
    ("subjects no younger than 18 years", [("age", (18, True), None, "a")]),
    # a unit that implies its number: 1 x ULN / LLN
    ("Serum creatinine > upper limit of normal", [("creatinine", (1, False), None, "{ULN}")]),
    ("AST or ALT > institutional ULN", [("alt", (1, False), None, "{ULN}"), ("ast", (1, False), None, "{ULN}")]),
    ("total bilirubin ≤ the institutional upper limit of normal", [("total bilirubin", None, (1, True), "{ULN}")]),
    ("Hemoglobin below the lower limit of normal", [("hemoglobin", None, (1, False), "{LLN}")]),
    # the ULN in its other spellings
    ("Serum creatinine =< 1.5 x IULN", [("creatinine", None, (1.5, True), "{ULN}")]),
    ("Bilirubin =< 1.5 x UNL", [("total bilirubin", None, (1.5, True), "{ULN}")]),
    ("AST and ALT ≤ 5.0 x upper limit normal for age", [("alt", None, (5, True), "{ULN}"), ("ast", None, (5, True), "{ULN}")]),
    ("Serum creatinine < 1.5 time the institutional ULN", [("creatinine", None, (1.5, False), "{ULN}")]),
    # temperatures in any spelling; letters of visual acuity; the Zubrod (ECOG) scale
    ("Fever ≥ 38ºC (axillary)", [("fever", (38, True), None, "Cel")]),
    ("temperature > 100.4 F", [("body temperature", (100.4, False), None, "[degF]")]),
    ("Oral body temperature of > 101 oF at any time", [("body temperature", (101, False), None, "[degF]")]),
    ("Visual acuity score greater than or equal to 19 letters", [("visual acuity score", (19, True), None, "{letters}")]),
    ("Zubrod of 3 or greater", [("ECOG", (3, True), None, None)]),
    ("Zubrod Performance Scale (PS) of 0 or 1", [("ECOG", (0, True), (1, True), None)]),
    ("Fever of greater than or equal to (≥) 38.0 degrees Celsius", [("fever", (38, True), None, "Cel")]),
    # a range on a scale named after it is a bound
    ("ECOG performance status 0-2 on the ECOG scale", [("ECOG", (0, True), (2, True), None)]),
    # a second bound of the same subject in brackets, same unit: a constraint of its own
    ("AST/ALT ≤ 2.5 times ULN (≤ 5 times ULN in the presence of liver metastases)",
     [("alt", None, (2.5, True), "{ULN}"), ("alt", None, (5, True), "{ULN}"),
      ("ast", None, (2.5, True), "{ULN}"), ("ast", None, (5, True), "{ULN}")]),
    ("Platelet count ≥ 50,000/mm³ (≥ 30,000/mm³ if myeloma involvement)",
     [("platelet count", (30000, True), None, "/uL"), ("platelet count", (50000, True), None, "/uL")]),
    # ... not a conversion into another unit, nor the scale's range
    ("Serum LDL-C ≥2.6 mmol/L (≥100 mg/dL) at screening", [("ldl cholesterol", (2.6, True), None, "mmol/L")]),
    ("Total back pain as measured by VAS ≥ 40 mm (0-100 mm) at Baseline", [("VAS", (40, True), None, "mm")]),
    # a ratio of two measurements is one subject; "% predicted" continues "%" and holds for both bounds
    ("FEV1 ≥ 30% and < 80% predicted and FEV1/FVC ratio < 0.7",
     [("fev1", (30, True), (80, False), "%{predicted}"), ("fev1/fvc", None, (0.7, False), None)]),
    ("FEV1 of >=30% to <=80% predicted normal values", [("fev1", (30, True), (80, True), "%{predicted}")]),
    ("FEV1/FVC < 70%", [("fev1/fvc", None, (70, False), "%")]),
    ("ratio of FEV1 to FVC below 70%", [("fev1/fvc", None, (70, False), "%")]),
    ("post-salbutamol FEV1 / forced vital capacity <70%", [("fev1/fvc", None, (70, False), "%")]),
    ("PaO2/FiO2 ratio < 300", [("pao2/fio2", None, (300, False), None)]),
    ("the ratio of total cholesterol to HDL > 5", [("ratio of total cholesterol to hdl", (5, False), None, None)]),
    ("suffered from 2 or more seizures", [("seizures", (2, True), None, None)]),
    # two one-sided bounds joined by "to" are one range; "between" over an age word
    ("Age ≥ 6 to < 12 years", [("age", (6, True), (12, False), "a")]),
    ("HbA1c >=7.5 to =<10.0% at Visit 4", [("hba1c", (7.5, True), (10, True), "%")]),
    ("Be between 25 years old and 55 years old", [("age", (25, True), (55, True), "a")]),
    # DAS28 with its reactant in any spelling is one score, never a CRP/ESR bound
    ("DAS28 (ESR) ≥ 5.1", [("DAS28", (5.1, True), None, None)]),
    ("DAS 28-ESR greater than 3.2", [("DAS28", (3.2, False), None, None)]),
    ("DAS28(CRP)>=3.2", [("DAS28", (3.2, True), None, None)]),
    ("DAS28 > 3.2 and CRP ≥ 10 mg/L", [("DAS28", (3.2, False), None, None), ("crp", (10, True), None, "mg/L")]),
    # a subject between two comparisons: "a ≤ X ≤ b"
    ("18 ≤ age ≤ 70", [("age", (18, True), (70, True), None)]),
    ("140mmHg ≤ sitSBP < 200", [("sitsbp", (140, True), (200, False), "mm[Hg]")]),
    ("7.5%≤HbA1c≤11.0", [("hba1c", (7.5, True), (11, True), "%")]),
    # a subject named after its quantity, each quantity its own
    ("Hypertension (≥140 mmHg systolic and/or ≥90 mmHg diastolic)",
     [("diastolic blood pressure", (90, True), None, "mm[Hg]"), ("systolic blood pressure", (140, True), None, "mm[Hg]")]),
    (">=80% diary compliance during the baseline period", [("diary compliance", (80, True), None, "%")]),
    ("No acute myeloid leukemia (≥ 20% bone marrow blasts)", [("bone marrow blasts", (20, True), None, "%")]),
    # units spelled out, percentiles
    ("Creatinine ≤2.0 mg/deciliter (dL)", [("creatinine", None, (2, True), "mg/dL")]),
    ("serum creatinine greater than 115 micromoles/liter", [("creatinine", (115, False), None, "umol/L")]),
    ("systolic blood pressure > 160 millimeters of mercury", [("systolic blood pressure", (160, False), None, "mm[Hg]")]),
    ("BMI ≥ 95th percentile for age", [("bmi", (95, True), None, "{percentile}")]),
    # a verbal comparator doubled by its sign in brackets, round or square
    ("creatinine greater than (>) 1.5 mg/dL", [("creatinine", (1.5, False), None, "mg/dL")]),
    ("creatinine less than or equal to [<=] 1.5 mg/dL", [("creatinine", None, (1.5, True), "mg/dL")]),
    # verbal comparators
    ("HAQ disability index of not less than 0.25", [("HAQ-DI", (0.25, True), None, None)]),
    ("serum creatinine no more than 1.5 mg/dL", [("creatinine", None, (1.5, True), "mg/dL")]),
    ("hemoglobin at least 9 g/dL", [("hemoglobin", (9, True), None, "g/dL")]),
    ("hemoglobin less than 8 g/dL", [("hemoglobin", None, (8, False), "g/dL")]),
    ("platelet count greater than 50,000/mm³", [("platelet count", (50000, False), None, "/uL")]),
    ("creatinine clearance below 10 ml per minute", [("creatinine clearance", None, (10, False), "mL/min")]),
    ("QTcF exceeding 470 ms", [("qtc", (470, False), None, "ms")]),
    ("BMI up to 35 kg/m2", [("bmi", None, (35, True), "kg/m2")]),
    # ranges
    ("mRSS score in the range of 10-35 (including the boundary value)", [("mRSS", (10, True), (35, True), None)]),
    ("ECOG 0\\~1 score;", [("ECOG", (0, True), (1, True), None)]),
    ("ECOG 0~1", [("ECOG", (0, True), (1, True), None)]),
    ("BMI between 18.5 and 30 kg/m2", [("bmi", (18.5, True), (30, True), "kg/m2")]),
    ("BMI 18-25 kg/m2", [("bmi", (18, True), (25, True), "kg/m2")]),
    ("ECOG performance status of 0, 1 or 2", [("ECOG", (0, True), (2, True), None)]),
    # ages
    ("Age: ≥5 years and <17 years old", [("age", (5, True), (17, False), "a")]),
    ("≥18 years old, male or female;", [("age", (18, True), None, "a")]),
    ("aged 18-65 years", [("age", (18, True), (65, True), "a")]),
    ("Patients between the ages of 18 and 75", [("age", (18, True), (75, True), None)]),
    ("18 years of age or older", [("age", (18, True), None, "a")]),
    ("Men >50-year-old", [("age", (50, False), None, "a")]),
    ("Age 18+ years", [("age", (18, True), None, "a")]),
    ("Older adults (≥ 65 years)", [("age", (65, True), None, "a")]),
    ("age < 18 or > 60", [("age", (60, False), None, None), ("age", None, (18, False), None)]),
    # scores and scales
    ("SLEDAI score ≥8 for SLE patients;", [("SLEDAI", (8, True), None, None)]),
    ("For SS patients, ESSDAI≥14 points;", [("ESSDAI", (14, True), None, "{point}")]),
    ("For ANCA-AAV patients, the BVAS score was ≥15.", [("BVAS", (15, True), None, None)]),
    ("Bilateral manual muscle strength test (MMT-8) is less than 125/150", [("MMT-8", None, (125, False), None)]),
    ("Skin rash VAS score (based on MDAAT) ≥3cm", [("VAS", (3, True), None, "cm")]),
    ("MMSE score < 24", [("MMSE", None, (24, False), None)]),
    # subjects no lexicon knows (shape noun phrase + comparator + number + unit)
    ("Serum ferritin ≥ 500 ng/mL", [("ferritin", (500, True), None, "ng/mL")]),
    ("Cobb angle is between 10 and 40 degrees", [("cobb angle", (10, True), (40, True), "deg")]),
    # a dose named by its drug; an amount of what is named after "of"
    ("Subjects taking daily oral risperidone at a dose ≥ 6 mg/day", [("risperidone dose", (6, True), None, "mg/d")]),
    ("or fluoride (dose greater than 10mg/day", [("fluoride dose", (10, False), None, "mg/d")]),
    ("No prior radiotherapy to > 25% of bone marrow", [("bone marrow", (25, False), None, "%")]),
    ("Patients with hematemesis or more than ½ teaspoon of hemoptysis within 6 months",
     [("hemoptysis", (0.5, False), None, "tsp"), ("hemoptysis", None, (6, True), "mo")]),
    ("alcohol consumption > 14 drinks per week", [("alcohol consumption", (14, False), None, "/wk")]),
    ("Prostate volume < 60 cc", [("prostate volume", None, (60, False), "mL")]),
    ("One unit is 8 g of alcohol, 1 unit = ½ pint of beer", []),
    ("Donation or loss of 400 ml or more of blood", [("loss", (400, True), None, "mL")]),
    ("Receipt of 8.4 mg/kg or more of ampho B", [("ampho b", (8.4, True), None, "mg/kg")]),
    # areas; BMI's unit spelled out
    ("an in-stent luminal area ≥ 5.0 mm^2", [("in-stent luminal area", (5, True), None, "mm2")]),
    ("BMI within the range 19-37 kilogram per square meter (kg/m2)", [("bmi", (19, True), (37, True), "kg/m2")]),
    # a pronoun names nothing
    ("20 cigarettes per day, both equal 10 pack-years])", []),
    # "= N ×": a coefficient of a formula, no bound; "= N × ULN" is one
    ("eGFRCKD-EPI = 141 × (crs /0.9)-0.411 × 0.993Age", []),
    ("Creatinine clearance for females = 0.85 x male value", []),
    ("AST = 1.5 X Upper Limit of Normal (ULN)", [("ast", (1.5, True), (1.5, True), "{ULN}")]),
    # a known subject right after the quantity takes it
    ("routine GDM screening between 24-28 weeks gestation", [("gestational age", (24, True), (28, True), "wk")]),
    # subjects listed after the quantity
    ("at least 1.5 times the upper limit of normal of serum creatinine, alkaline phosphatase and AST",
     [("alkaline phosphatase", (1.5, True), None, "{ULN}"), ("ast", (1.5, True), None, "{ULN}"),
      ("creatinine", (1.5, True), None, "{ULN}")]),
    # decimal commas, hyphenated units
    ("Body Mass Index > 39,99", [("bmi", (39.99, False), None, None)]),
    ("Age 8yr-18yrs", [("age", (8, True), (18, True), "a")]),
    ("heavy resistance training more than 2 times weekly", [("heavy resistance training", (2, False), None, "/wk")]),
    ("pregnant woman between (16-24) weeks of gestation", [("gestational age", (16, True), (24, True), "wk")]),
    # conditional / parenthesised
    ("Anemia (hemoglobin <10 g/dL)", [("hemoglobin", None, (10, False), "g/dL")]),
    # bracketed asides between a subject and its comparator are skipped
    ("Alanine aminotransferase (ALT) (serum glutamic pyruvic transaminase [SGPT]) and aspartate "
     "aminotransferase (AST) (serum glutamic oxaloacetic transaminase [SGOT]) < 3 x ULN",
     [("alt", None, (3, False), "{ULN}"), ("ast", None, (3, False), "{ULN}")]),
    # dots as thousands separators: two groups always, one group in a cell count per volume
    ("neutrophils ≥ 2.000/mm3 and platelets > 125.000 cells/mm³",
     [("absolute neutrophil count", (2000, True), None, "/uL"), ("platelet count", (125000, False), None, "/uL")]),
    ("creatinine ≤ 1.200 mg/dL", [("creatinine", None, (1.2, True), "mg/dL")]),
    # an alternative bound in brackets: with its own comparator, after the unit's bracketed
    # symbol, or a bare number on the same side; a bracketed definition is none
    ("Bilirubin ≤ 1.5 x upper limit of normal (ULN) (≤ 3 x ULN in Gilbert syndrome)",
     [("total bilirubin", None, (1.5, True), "{ULN}"), ("total bilirubin", None, (3, True), "{ULN}")]),
    ("ANC ≥ 1500/µL (1000/µL with marrow involvement)",
     [("absolute neutrophil count", (1000, True), None, "/uL"), ("absolute neutrophil count", (1500, True), None, "/uL")]),
    ("GGT < 150 U/L (50 U/L is the ULN)", [("ggt", None, (150, False), "U/L")]),
    # ages in two units: each bound keeps its own unit
    ("Age between 3 months and 16 years", [("age", (3, True), None, "mo"), ("age", None, (16, True), "a")]),
    ("infants older than 4 weeks and younger than 2 years", [("age", (4, False), None, "wk"),
                                                             ("age", None, (2, False), "a")]),
    ("FEV1 between 35% and 75% predicted", [("fev1", (35, True), (75, True), "%{predicted}")]),
    # a written "inclusive" after a one-sided bound
    ("younger than 16 years (inclusive)", [("age", None, (16, True), "a")]),
    # a multiple of ULN that says its own comparator
    ("GGT 3x above the upper limit of normal", [("ggt", (3, False), None, "{ULN}")]),
    ("bilirubin less than 2X greater than the ULN", [("total bilirubin", None, (2, False), "{ULN}")]),
    ("ALT > 2,5 x upper normality limit", [("alt", (2.5, False), None, "{ULN}")]),
    # a determiner after the coordinator of coordinated subjects
    ("creatinine or the BUN > 2 x ULN", [("blood urea nitrogen", (2, False), None, "{ULN}"),
                                        ("creatinine", (2, False), None, "{ULN}")]),
    # a scale named in brackets after the bound is the subject
    ("WHO performance status 0-2 (ECOG)", [("ECOG", (0, True), (2, True), None)]),
    # a comparator in words doubled by its bracketed sign; "less than equal to" without "or"
    ("C-reactive protein level of greater than or equal to (>=) 1.5 mg/dL",
     [("crp", (1.5, True), None, "mg/dL")]),
    ("HbA1c less than equal to 9%", [("hba1c", None, (9, True), "%")]),
    ("Platelet count (taken within 7 days before the first dose, without transfusion) ≥ 75 x 10^9/L",
     [("platelet count", (75, True), None, "10*9/L")]),
]


@pytest.mark.parametrize("text,expected", CASES, ids=[c[0][:40] for c in CASES])
def test_constraints(run, text, expected):
    rec = run(text)
    got = summary(rec)
    assert got == sorted(expected, key=repr)
    for c in rec["constraints"]:
        s, e = c["span"]
        assert 0 <= s < e <= len(rec["text"])
        assert c["rules"], "every constraint names its rules"


NO_CONSTRAINT = [
    "EULAR/ACR 2019 standard",                               # a year in a name
    "patients recruited from 2008 to 2015",                  # calendar years
    "higher than the benefit judged by the researcher",      # a comparator with no value
    "Situations in which other investigators consider it inappropriate",
    "Thrombocytopenia <150 G/L",                             # a condition defined by a threshold
    "HDL-C <50/40 mg/dl",                                    # two numbers, no components: not one bound
    "degenerative scoliosis (n=20)",                         # a sample size
    "myocardial infarction older than 6 months",            # an age comparator with another time unit
    "a 0-10 pain intensity numeric scale",                   # the scale's own length
    "Zubrod Functional Rating Index",                        # another instrument than the Zubrod scale
    "",
]


@pytest.mark.parametrize("text", NO_CONSTRAINT)
def test_no_constraint(run, text):
    assert run(text)["constraints"] == []


#: counts and grades are count/grade constraints, never a bound on a measurement (issue #13)
COUNT_OR_GRADE_ONLY = [
    ("at least 3 abnormalities in CSM", "count"),
    ("at least 2 additional Core set measures (CSM)", "count"),
    ("grade 2 or higher acute graft-versus-host disease", "grade"),
]


@pytest.mark.parametrize("text,category", COUNT_OR_GRADE_ONLY)
def test_counts_and_grades_are_only_their_category(run, text, category):
    found = run(text)["constraints"]
    assert found and {c["category"] for c in found} == {category}


def test_a_long_list_before_a_window_is_one_constraint_each(run):
    rec = run("Radiation therapy, systemic chemotherapy, cancer immunotherapy, biological therapy or treatment "
              "with an investigational agent within 14 days prior to the first dose of study drug.")
    found = [c for c in rec["constraints"] if c["category"] == "temporal"]
    assert len(found) == 5 and all(c["upper"] == {"value": 14, "inclusive": True} for c in found)
    rec = run("Currently pregnant, nursing, or planning to become pregnant within the next 12 months.")
    assert [c["subject_text"] for c in rec["constraints"] if c["category"] == "temporal"] == \
        ["planning to become pregnant"]


#: time windows are temporal/duration constraints, never a bound on a measurement
TIME_ONLY = [
    "diagnosed for at least 1 year",
    "Had received live vaccine within 4 weeks before screening;",
    "HbA1c measured less than 12 weeks prior to screening",
]


@pytest.mark.parametrize("text", TIME_ONLY)
def test_time_windows_are_only_time_constraints(run, text):
    found = run(text)["constraints"]
    assert found and {c["category"] for c in found} <= {"temporal", "duration"}


@pytest.mark.parametrize("text", [
    "Women >2 years postmenopausal (defined as 1 year or longer since last menstrual period)",
    "Patients with less than 1 year history of diabetes.",
    "female patients must be post-menopausal (>= 1 year) or sterilized",
    "At least 1 year postpartum.",
    "Patient is < 5 years free of another primary malignancy",
    "at least 2 years have elapsed since menopause",
])
def test_years_that_a_word_after_or_before_makes_a_duration_are_no_age(run, text):
    # implicit_age_blockers_after / implicit_age_blockers of configs/constraints.json
    assert [c for c in run(text)["constraints"] if c["category"] == "age"] == []


def test_a_word_after_the_unit_that_is_no_blocker_keeps_the_age(run):
    [c] = [c for c in run("Adult patients > 18 years who need a CF-LVAD")["constraints"] if c["category"] == "age"]
    assert c["lower"] == {"value": 18, "inclusive": False}


def test_a_window_with_no_event_is_no_constraint(run):
    assert run("within 1 week prior to screening")["constraints"] == []


def test_condition_scope(run):
    rec = run("SLEDAI score ≥8 for SLE patients;")
    assert rec["constraints"][0]["condition"] == "SLE"
    rec = run("For patients with SSc, mRSS score in the range of 10-35 with interstitial pneumonia (ILD);")
    assert [c["condition"] for c in rec["constraints"]] == ["SSc"]
    assert run("hemoglobin ≥ 9 g/dL")["constraints"][0]["condition"] is None


def test_scale_max(run):
    assert run("MMT-8 is less than 125/150")["constraints"][0]["scale_max"] == 150
    rec = run("Physician score, no less than 2.0 cm on the 10 cm VAS scale")
    assert [(c["subject"], c["scale_max"], c["lower"]["value"]) for c in rec["constraints"]] == [("VAS", 10, 2)]
    rec = run("Patient score, 10 cm visual analogue scale (VAS) no less than 2.0 cm")
    assert [(c["subject"], c["scale_max"]) for c in rec["constraints"]] == [("VAS", 10)]


def test_relations_link_subject_value_comparator_unit(run):
    rec = run("hemoglobin ≥60g/L")
    ents = {e["id"]: e for e in rec["entities"]}
    rels = {(ents[r["from"]]["text"], ents[r["to"]]["text"], r["type"]) for r in rec["relations"]}
    assert rels == {("hemoglobin", "60", "has_value"), ("60", "≥", "has_comparator"), ("60", "g/L", "has_unit")}


def test_entity_offsets_and_rule_ids(run):
    text = "Renal function: eGFR≥30ML/min/1.73m2; no obvious abnormality in electrocardiogram"
    rec = run(text)
    for e in rec["entities"]:
        assert text[e["start"]:e["end"]] == e["text"]
        assert e["rule"]
    labels = {e["label"] for e in rec["entities"]}
    assert {"MEASUREMENT", "COMPARATOR", "VALUE", "UNIT", "NEGATION"} <= labels


def test_condition_scope_patterns_split_at_the_condition():
    """Each configured scope pattern, checked at the condition's own position (compiled once per
    pattern), decides as the pattern with the condition written into it would."""
    import json
    import re

    from pipeline.components.constraints.scope import scope_conditions
    from pipeline.core.paths import configs_dir

    patterns = json.loads((configs_dir() / "constraints.json").read_text(encoding="utf-8"))["condition_scope"]
    cases = ["SLEDAI score ≥8 for SLE patients", "in patients with lupus nephritis, UPCR ≥ 1",
             "Lupus patients: UPCR ≥ 1", "for the SSc subjects with mRSS ≥ 15", "among RA subjects",
             "for SLE", "for SLEDAI ≥ 6", "patients with SLE for 6 months", "SLE patients", "(SLE) patients must",
             "in SLE", "for  SLE  patients", "FOR PATIENTS WITH SLE"]
    for text in cases:
        for cond in ("SLE", "lupus nephritis", "Lupus", "SSc", "RA"):
            for m in re.finditer(re.escape(cond), text, re.IGNORECASE):
                ent = {"label": "CONDITION", "start": m.start(), "end": m.end(), "text": m.group()}
                filled = any(
                    any(x.start("cond") == m.start() for x in re.finditer(
                        p.replace("{COND}", f"(?P<cond>{re.escape(m.group())})"), text, re.IGNORECASE))
                    for p in patterns)
                assert (scope_conditions(text, [ent], patterns) == [0]) == filled, (text, cond)
