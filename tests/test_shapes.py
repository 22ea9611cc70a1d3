"""find_shape_subjects (pipeline/components/shapes.py) on plain tokens and entity records."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from pipeline.components.shapes import ShapeRules, find_shape_subjects, load_shape_rules
from pipeline.rules.loading import RuleError

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"


@pytest.fixture(scope="module")
def rules() -> ShapeRules:
    return load_shape_rules(CONFIGS / "constraints.json", CONFIGS / "shapes.json", CONFIGS / "entities")


def ent(label, start, end, rule="r", **attrs):
    rec = {"label": label, "token_start": start, "token_end": end, "rule": rule}
    if attrs:
        rec["attrs"] = attrs
    return rec


GE = {"op": ">="}
CASES = [
    # text, entities, the subject's words (None: no shape)
    ("serum ferritin ≥ 500 ng/mL",
     [ent("COMPARATOR", 2, 3, **GE), ent("VALUE", 3, 4), ent("UNIT", 4, 5, "unit.ng_ml")], "ferritin"),
    ("ferritin level is ≥ 500", [ent("COMPARATOR", 3, 4, **GE), ent("VALUE", 4, 5)], "ferritin"),
    ("Absolute CD19+ count < 5", [ent("COMPARATOR", 3, 4, op="<"), ent("VALUE", 4, 5)], "Absolute CD19+"),
    ("anti-dsDNA titer between 1 and 5", [ent("COMPARATOR", 2, 3, op="between"), ent("VALUE", 3, 4)], "anti-dsDNA titer"),
    ("one two three four five six seven = 3", [ent("COMPARATOR", 7, 8, op="="), ent("VALUE", 8, 9)],
     "three four five six seven"),  # at most subject_max_tokens words
    # a name that completes a measure before it names the measure with it
    ("Axial deformity of the lower limbs ≤ 5 °", [ent("COMPARATOR", 6, 7, op="<="), ent("VALUE", 7, 8),
                                                 ent("UNIT", 8, 9)], "Axial deformity of the lower limbs"),
    ("Cervical length on transvaginal examination of ≤ 20 mm",
     [ent("COMPARATOR", 6, 7, op="<="), ent("VALUE", 7, 8), ent("UNIT", 8, 9)],
     "Cervical length on transvaginal examination"),
    ("the curvature measured in the spine is < 10 °", [ent("COMPARATOR", 7, 8, op="<"), ent("VALUE", 8, 9),
                                                      ent("UNIT", 9, 10)], "curvature measured in the spine"),
    ("resolution of the lower limbs ≤ 5", [ent("COMPARATOR", 5, 6, op="<="), ent("VALUE", 6, 7)], "lower limbs"),
    # a range of measures after an unknown subject; a range of years or times is none
    ("colorectal lesions of 10 - 25 mm size", [ent("VALUE", 3, 4), ent("COMPARATOR", 4, 5, "cmp.range_sign", op="range"),
                                              ent("VALUE", 5, 6), ent("UNIT", 6, 7)], "colorectal lesions"),
    ("published between 1993 - 1996", [ent("VALUE", 2, 3), ent("COMPARATOR", 3, 4, "cmp.range_sign", op="range"),
                                       ent("VALUE", 4, 5)], None),
    ("symptoms for 2 - 4 weeks", [ent("VALUE", 2, 3), ent("COMPARATOR", 3, 4, "cmp.range_sign", op="range"),
                                  ent("VALUE", 4, 5), ent("UNIT", 5, 6, "unit.weeks")], None),
    ("BMI within the range 19 - 37 kg/m2", [ent("COMPARATOR", 1, 2, op="<=", weak=True), ent("VALUE", 4, 5),
                                            ent("COMPARATOR", 5, 6, "cmp.range_sign", op="range"), ent("VALUE", 6, 7),
                                            ent("UNIT", 7, 8)], None),
    # a quantity that opens a bracket measures the name after its unit inside the bracket, unless
    # none follows or it names a change of the phrase before
    ("Blast phase disease ( > 20 % blasts in the marrow )",
     [ent("COMPARATOR", 4, 5, op=">"), ent("VALUE", 5, 6), ent("UNIT", 6, 7)], "blasts"),
    ("lymphangitis of the lung ( > 50 % of lung involvement )",
     [ent("COMPARATOR", 5, 6, op=">"), ent("VALUE", 6, 7), ent("UNIT", 7, 8)], "lung involvement"),
    ("measurable lesion ( > 1.5 cm in its largest diameter )",
     [ent("COMPARATOR", 3, 4, op=">"), ent("VALUE", 4, 5), ent("UNIT", 5, 6)], "measurable lesion"),
    ("partial response ( < 50 % improvement )",
     [ent("COMPARATOR", 3, 4, op="<"), ent("VALUE", 4, 5), ent("UNIT", 5, 6)], "partial response"),
    ("histologic variants ( < 50 % overall )",
     [ent("COMPARATOR", 3, 4, op="<"), ent("VALUE", 4, 5), ent("UNIT", 5, 6)], "histologic variants"),
    # rows that must not make a shape
    ("aged > 18 years", [ent("COMPARATOR", 1, 2, op=">"), ent("VALUE", 2, 3), ent("UNIT", 3, 4, "unit.years")], None),
    ("since 1993 - 1996", [ent("VALUE", 1, 2), ent("COMPARATOR", 2, 3, "cmp.range_sign", op="range"),
                           ent("VALUE", 3, 4)], None),
    ("creatinine within 2 ULN", [ent("COMPARATOR", 1, 2, op="<=", weak=True), ent("VALUE", 2, 3)], None),
    ("count 5 or more", [ent("VALUE", 1, 2), ent("COMPARATOR", 2, 4, op=">=", postfix=True)], None),
    ("NYHA heart failure classification of > 2",
     [ent("SCORE", 0, 1), ent("COMPARATOR", 5, 6, op=">"), ent("VALUE", 6, 7)], None),
    ("thrombocytopenia < 150", [ent("COMPARATOR", 1, 2, op="<"), ent("VALUE", 2, 3)], None),  # a condition
    ("patients with < 5", [ent("COMPARATOR", 2, 3, op="<"), ent("VALUE", 3, 4)], None),  # stop words only
    ("ferritin ≥ about 500", [ent("COMPARATOR", 1, 2, **GE), ent("VALUE", 3, 4)], "ferritin"),  # one word between
    ("ferritin ≥ very high 500", [ent("COMPARATOR", 1, 2, **GE), ent("VALUE", 4, 5)], None),  # value too far
    ("ferritin ≥ no value", [ent("COMPARATOR", 1, 2, **GE)], None),
    ("ferritin ≈ 500", [ent("COMPARATOR", 1, 2, op="approx"), ent("VALUE", 2, 3)], None),  # not a bounding op
    ("5 mg ≥ 500", [ent("VALUE", 0, 1), ent("UNIT", 1, 2), ent("COMPARATOR", 2, 3, **GE), ent("VALUE", 3, 4)], None),
    (": ≥ 500", [ent("COMPARATOR", 1, 2, **GE), ent("VALUE", 2, 3)], None),  # link words only
    ("ferritin% ≥ 500", [ent("COMPARATOR", 1, 2, **GE), ent("VALUE", 2, 3)], None),  # not a name's character
    # a unit that implies its number ("< LLN") makes a shape; a multiplier after a number never names one
    ("serum lipase < LLN", [ent("COMPARATOR", 2, 3, op="<"), ent("UNIT", 3, 4, "unit.lln", implied_value=1)],
     "lipase"),  # "serum" is a stop word of names
    ("AST 2 x > ULN", [ent("MEASUREMENT", 0, 1), ent("VALUE", 1, 2), ent("COMPARATOR", 3, 4, op=">"),
                       ent("UNIT", 4, 5, "unit.uln", implied_value=1)], None),
    ("less than 2 times above ULN", [ent("COMPARATOR", 0, 2, op="<"), ent("VALUE", 2, 3),
                                     ent("COMPARATOR", 4, 5, op=">"), ent("UNIT", 5, 6, "unit.uln", implied_value=1)],
     None),
    # a known subject before a bracketed aside: no shape inside it
    ("hemoglobin ( by the central lab ) ≥ 9", [ent("MEASUREMENT", 0, 1), ent("COMPARATOR", 7, 8, **GE),
                                               ent("VALUE", 8, 9)], None),
    # a comparator doubled by its sign in brackets
    ("Fever of greater_than ( > ) 38.0", [ent("COMPARATOR", 2, 3, op=">"), ent("COMPARATOR", 4, 5, op=">"),
                                          ent("VALUE", 6, 7)], "Fever"),
    # nothing names it before the comparator: the name right after the number and its unit
    ("Hypertension ( ≥ 140 mmHg systolic and/or", [ent("CONDITION", 0, 1), ent("COMPARATOR", 2, 3, **GE),
                                                   ent("VALUE", 3, 4), ent("UNIT", 4, 5)], "systolic"),
    (">= 80 % diary compliance during the baseline", [ent("COMPARATOR", 0, 1, **GE), ent("VALUE", 1, 2),
                                                      ent("UNIT", 2, 3)], "diary compliance"),
    ("with >= 50 % luminal stenosis", [ent("COMPARATOR", 1, 2, **GE), ent("VALUE", 2, 3), ent("UNIT", 3, 4)],
     "luminal stenosis"),  # a condition's name bounds its extent here
    # ... but not without a unit, nor a route, a frequency, a verb, a word cut by a hyphen
    ("with >= 2 prior lines", [ent("COMPARATOR", 1, 2, **GE), ent("VALUE", 2, 3)], None),
    ("Busulfan ( > 7.2 mg/kg IV", [ent("CONDITION", 0, 1), ent("COMPARATOR", 2, 3, op=">"), ent("VALUE", 3, 4),
                                   ent("UNIT", 4, 5)], None),
    ("with < 3.0 mmol/L may be", [ent("COMPARATOR", 1, 2, op="<"), ent("VALUE", 2, 3), ent("UNIT", 3, 4)], None),
    ("with < 2 L measured", [ent("COMPARATOR", 1, 2, op="<"), ent("VALUE", 2, 3), ent("UNIT", 3, 4)], None),
    ("a ≥ 20 mm non - pedunculated", [ent("COMPARATOR", 1, 2, **GE), ent("VALUE", 2, 3), ent("UNIT", 3, 4)], None),
    ("with ≥ 2 cm diameter 5", [ent("COMPARATOR", 1, 2, **GE), ent("VALUE", 2, 3), ent("UNIT", 3, 4)], None),
    ("with ≥ 2 cm lesions > 3", [ent("COMPARATOR", 1, 2, **GE), ent("VALUE", 2, 3), ent("UNIT", 3, 4),
                                 ent("COMPARATOR", 5, 6, op=">"), ent("VALUE", 6, 7)],
     "lesions"),  # the name of the second comparator only
    # a dose phrase names the drug before it; with no drug, only a phrase with a modifier names it
    ("risperidone at a dose ≥ 6 mg/day", [ent("COMPARATOR", 4, 5, **GE), ent("VALUE", 5, 6), ent("UNIT", 6, 7)],
     "risperidone at a dose"),
    ("fluoride ( dose > 10 mg/day", [ent("COMPARATOR", 3, 4, op=">"), ent("VALUE", 4, 5), ent("UNIT", 5, 6)],
     "fluoride ( dose"),
    ("on daily oral prednisone dose ≤ 10 mg", [ent("COMPARATOR", 5, 6, op="<="), ent("VALUE", 6, 7),
                                              ent("UNIT", 7, 8)], "prednisone dose"),  # not the route
    ("or stable tolerated dose ≥ 1000 mg", [ent("COMPARATOR", 4, 5, **GE), ent("VALUE", 5, 6), ent("UNIT", 6, 7)],
     "stable tolerated dose"),
    ("patients on a dose > 10 mg", [ent("COMPARATOR", 4, 5, op=">"), ent("VALUE", 5, 6), ent("UNIT", 6, 7)], None),
    # a name after the unit over a link word
    ("radiotherapy to > 25 % of bone marrow", [ent("COMPARATOR", 2, 3, op=">"), ent("VALUE", 3, 4),
                                               ent("UNIT", 4, 5)], "bone marrow"),
    ("to > 25 % of the marrow", [ent("COMPARATOR", 1, 2, op=">"), ent("VALUE", 2, 3), ent("UNIT", 3, 4)], None),
    # a postfix phrase before its number: only the name after its link word; a window may follow it
    ("hematemesis or_more_than ½ teaspoon of hemoptysis within_6_months",
     [ent("COMPARATOR", 1, 2, op=">=", postfix=True, prefix_op=">"), ent("VALUE", 2, 3), ent("UNIT", 3, 4),
      ent("TEMPORAL", 6, 7)], "hemoptysis"),
    ("hematemesis or_more_than ½ teaspoon", [ent("COMPARATOR", 1, 2, op=">=", postfix=True, prefix_op=">"),
                                             ent("VALUE", 2, 3), ent("UNIT", 3, 4)], None),
    # number unit postfix-comparator: the name after its link word, else the one before the number
    ("Receipt of 8.4 mg/kg or_more of ampho B", [ent("VALUE", 2, 3), ent("UNIT", 3, 4),
                                                 ent("COMPARATOR", 4, 5, op=">=", postfix=True)], "ampho B"),
    ("Donation or loss of 400 ml or_more of blood", [ent("VALUE", 4, 5), ent("UNIT", 5, 6),
                                                     ent("COMPARATOR", 6, 7, op=">=", postfix=True)], "loss"),
    ("Blasts 20 % or_more of peripheral blood white cells",
     [ent("VALUE", 1, 2), ent("UNIT", 2, 3), ent("COMPARATOR", 3, 4, op=">=", postfix=True)], "Blasts"),  # a cut name
    ("MUGA ( cardiac scan ) must be 50 % or_higher", [ent("VALUE", 7, 8), ent("UNIT", 8, 9),
                                                     ent("COMPARATOR", 9, 10, op=">=", postfix=True)], None),
    ("Patients 18 years or_older", [ent("VALUE", 1, 2), ent("UNIT", 2, 3, "unit.years"),
                                    ent("COMPARATOR", 3, 4, op=">=", postfix=True)], None),
    # a definition: what one unit is
    ("1 unit = ½ pint", [ent("VALUE", 0, 1), ent("COMPARATOR", 2, 3, op="="), ent("VALUE", 3, 4)], None),
    ("1 serving = 120 mg caffeine", [ent("VALUE", 0, 1), ent("COMPARATOR", 2, 3, op="="), ent("VALUE", 3, 4),
                                     ent("UNIT", 4, 5)], None),
    # a known subject right after the quantity, or after its range: no shape before
    ("GDM diagnosed ≥ 33 gestational weeks", [ent("COMPARATOR", 2, 3, **GE), ent("VALUE", 3, 4),
                                              ent("MEASUREMENT", 4, 5)], None),
    ("GDM screening between 24 - 28 weeks gestation",
     [ent("COMPARATOR", 2, 3, op="between"), ent("VALUE", 3, 4), ent("COMPARATOR", 4, 5, "cmp.range_sign", op="range"),
      ent("VALUE", 5, 6), ent("UNIT", 6, 7), ent("MEASUREMENT", 7, 8)], None),
]


@pytest.mark.parametrize("text,entities,subject", CASES, ids=[c[0] for c in CASES])
def test_find_shape_subjects(rules, text, entities, subject):
    words = text.split(" ")
    found = find_shape_subjects(words, entities, rules)
    assert [" ".join(words[f["token_start"]:f["token_end"]]) for f in found] == ([subject] if subject else [])


def test_a_dose_is_named_by_its_drug(rules):
    words = "risperidone at a dose ≥ 6 mg/day".split()
    found = find_shape_subjects(words, [ent("COMPARATOR", 4, 5, **GE), ent("VALUE", 5, 6), ent("UNIT", 6, 7)], rules)
    assert found == [{"token_start": 0, "token_end": 4, "norm": "risperidone dose"}]


def test_a_name_after_the_quantity_is_marked(rules):
    """The subject named after its quantity says so: only that quantity may take it."""
    words = "( ≥ 140 mmHg systolic".split()
    found = find_shape_subjects(words, [ent("COMPARATOR", 1, 2, **GE), ent("VALUE", 2, 3), ent("UNIT", 3, 4)], rules)
    assert found == [{"token_start": 4, "token_end": 5, "after_quantity": True}]


def test_flags_not_rule_ids_decide(rules):
    words = "ferritin > 18 years".split()
    entities = [ent("COMPARATOR", 1, 2, op=">"), ent("VALUE", 2, 3), ent("UNIT", 3, 4, "unit.my_years")]
    assert find_shape_subjects(words, entities, rules) == [{"token_start": 0, "token_end": 1}]
    flagged = dataclasses.replace(rules, time_unit_rules={"unit.my_years"})
    assert find_shape_subjects(words, entities, flagged) == []


@pytest.mark.parametrize("gap,found", [(1, False), (2, True), (3, True)])
def test_max_value_gap(rules, gap, found):
    words = "ferritin ≥ very high 500".split()
    entities = [ent("COMPARATOR", 1, 2, **GE), ent("VALUE", 4, 5)]
    assert bool(find_shape_subjects(words, entities, dataclasses.replace(rules, max_value_gap=gap))) == found


@pytest.mark.parametrize("margin,found", [(3, False), (2, True), (0, True)])
def test_known_subject_margin(rules, margin, found):
    # a SCORE 8 tokens before the comparator: within subject_max_tokens (5) + the margin, it is the subject
    words = "SLEDAI w w w w w w hb ≥ 9".split()
    entities = [ent("SCORE", 0, 1), ent("COMPARATOR", 8, 9, **GE), ent("VALUE", 9, 10)]
    changed = dataclasses.replace(rules, known_subject_margin=margin)
    assert bool(find_shape_subjects(words, entities, changed)) == found


def test_component_settings_are_factory_config(nlp):
    cfg = nlp.config["components"]["eligex_shapes"]
    assert (cfg["max_value_gap"], cfg["known_subject_margin"]) == (1, 3)
    finder = nlp.get_pipe("eligex_shapes")
    assert (finder.rules.max_value_gap, finder.rules.known_subject_margin) == (1, 3)
    assert "unit.years" in finder.rules.time_unit_rules and "cmp.range_sign" in finder.rules.range_sign_rules


def test_a_misspelt_key_in_shapes_json_is_an_error(tmp_path):
    data = json.loads((CONFIGS / "shapes.json").read_text(encoding="utf-8"))
    data["link_word"] = data.pop("link_words")
    path = tmp_path / "shapes.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    with pytest.raises(RuleError, match="link_word"):
        load_shape_rules(CONFIGS / "constraints.json", path, CONFIGS / "entities")
