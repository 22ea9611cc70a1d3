"""Tests of the LCT -> gold mapping (pipeline/evaluation/corpora/lct.py).

Real documents come from the shipped copy in annotations/external/lct; the expected constraints
were checked by reading the .txt files.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Optional

import pytest

from pipeline.evaluation.corpora.brat import read_brat
from pipeline.evaluation.corpora.lct import (
    R_NOT_A_NUMBER,
    R_OTHER_LINE,
    R_PLUS_MINUS,
    R_COUNT_WITH_UNIT,
    R_TIME_WITHOUT_SIDE,
    R_TWO_VALUES_ONE_SIDED,
    heading_section,
    load_lct,
    map_document,
    split_criteria,
)

REPO = Path(__file__).parents[1]
LCT = REPO / "annotations" / "external" / "lct"


@pytest.fixture(scope="module")
def corpus() -> tuple[list[dict], dict]:
    return load_lct(LCT)


@pytest.fixture(scope="module")
def by_id(corpus: tuple[list[dict], dict]) -> dict[str, dict]:
    return {r["criterion_id"]: r for r in corpus[0]}


def bound(value: float, inclusive: bool = True) -> dict:
    return {"value": value, "inclusive": inclusive}


def spans(record: dict, label: str) -> list[str]:
    """Texts of the record's entities with ``label``, in order."""
    return [record["text"][e["start_offset"]:e["end_offset"]]
            for e in record["entities"] if e["label"] == label]


def related(record: dict, rel_type: str) -> set[tuple[str, str]]:
    """``(from text, to text)`` of the record's relations of ``rel_type``."""
    ents = {e["id"]: record["text"][e["start_offset"]:e["end_offset"]]
            for e in record["entities"]}
    return {(ents[r["from_id"]], ents[r["to_id"]]) for r in record["relations"]
            if r["type"] == rel_type}


# -- small pure functions ------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "section"), [
    ("Inclusion Criteria:", "inclusion"), ("Exclusion criteria", "exclusion"),
    ("Key inclusion Criteria:", "inclusion"), ("Non-inclusion Criteria:", "exclusion"),
    ("Inclusion Criteria for Parent/Caregiver:", "inclusion"), ("Exclusions:", "exclusion"),
    ("Criteria: Inclusion Criteria:", "inclusion"), ("Subjects will be excluded if:", "exclusion"),
    ("-  Exclusion Criteria", "exclusion"),
    ("5. Previous inclusion in the present study;", None),
    ("4. Confirmed stroke within 3 months before study inclusion", None),
    ("Other protocol-defined inclusion/exclusion criteria could apply", None),
    ("-  Age 18 to 65 years", None),
])
def test_heading_section(line: str, section: Optional[str]) -> None:
    assert heading_section(line) == section


def _lct_config() -> dict:
    return json.loads((REPO / "configs" / "lct.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("section", "example"), [
    (h["section"], ex) for h in _lct_config()["headings"] for ex in h.get("examples", [])])
def test_heading_examples_in_lct_json(section: str, example: str) -> None:
    assert heading_section(example) == section


@pytest.mark.parametrize(("mistake", "message"), [
    (lambda d: d.__setitem__("heading_prefixes", d.pop("heading_prefix")), "heading_prefixes"),
    (lambda d: d["headings"][0].__setitem__("regexp", "x"), "regexp"),
    (lambda d: d["headings"][1].__setitem__("section", "inclusions"), "inclusions"),
    (lambda d: d["headings"][1].__setitem__("regex", "(unclosed"), "is not a 'regex'"),
])
def test_bad_lct_json_is_an_error_naming_the_file(tmp_path: Path, mistake, message: str) -> None:
    from pipeline.evaluation.corpora.lct import load_headings
    from pipeline.rules.loading import RuleError

    data = _lct_config()
    mistake(data)
    path = tmp_path / "lct.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(RuleError) as err:
        load_headings(str(path))
    assert err.value.problems[0].path == str(path) and message in err.value.problems[0].message


def test_split_criteria_keeps_enumerators_and_offsets() -> None:
    text = "Inclusion Criteria:\n  1. Age >= 18;\n\n \t\n  -  BMI < 30\r\n"
    criteria = split_criteria(text)
    assert [(c.number, c.text) for c in criteria] == [
        (1, "Inclusion Criteria:"), (2, "1. Age >= 18;"), (5, "-  BMI < 30")]
    assert all(text[c.offset:c.end] == c.text for c in criteria)


# -- mapping rules on inline documents -----------------------------------------------------------

def _doc_lines(text: str, subject: tuple[str, str], parts: dict[str, tuple[str, str]],
               extra: list[str], role: str = "Numeric-Filter") -> str:
    """An .ann with a subject event and one Eq-Comparison of ``parts`` in its ``role``.

    ``subject`` is (event type, trigger text); ``parts`` maps role -> (T type, text); a text is
    found in ``text`` (the first occurrence after the previous part).
    """
    lines, args, cursor, n = [], [], 0, 1

    def tb(ann_type: str, span_text: str, start_from: int = 0) -> tuple[str, int]:
        nonlocal n
        start = text.index(span_text, start_from)
        tid = f"T{n}"
        n += 1
        lines.append(f"{tid}\t{ann_type} {start} {start + len(span_text)}\t{span_text}")
        return tid, start + len(span_text)

    subj_id, _ = tb(subject[0], subject[1])
    for part_role, (ann_type, span_text) in parts.items():
        tid, cursor = tb(ann_type, span_text, cursor)
        args.append(f"{part_role}:{tid}")
    first = min(text.index(t) for _, t in parts.values())
    comp_id, _ = tb("Eq-Comparison", text[first:cursor], first)
    lines.append(f"E1\t{subject[0]}:{subj_id} {role}:E2")
    lines.append(f"E2\tEq-Comparison:{comp_id} " + " ".join(args))
    return "\n".join(lines + extra) + "\n"


# (text, subject, parts, extra .ann lines, expected (lower, upper, unit_text, scale_max) or the
#  unmapped reason)
CASES = [
    ("Age 18-65 years", ("Age", "Age"),
     {"Value": ("Eq-Value", "18"), "Value2": ("Eq-Value", "65"),
      "Temporal-Unit": ("Eq-Temporal-Unit", "years")}, [],
     (bound(18.0), bound(65.0), "years", None)),
    ("Hb >= 10 g/dL", ("Observation", "Hb"),
     {"Operator": ("Eq-Operator", ">="), "Value": ("Eq-Value", "10"), "Unit": ("Eq-Unit", "g"),
      "Per": ("Eq-Unit", "dL")}, ["A1\tEq-Operator-Value T2 GTEQ"],
     (bound(10.0), None, "g/dL", None)),
    ("CRP 5 mg per L", ("Observation", "CRP"),
     {"Value": ("Eq-Value", "5"), "Unit": ("Eq-Unit", "mg"), "Per": ("Eq-Unit", "L")}, [],
     (bound(5.0), bound(5.0), "mg per L", None)),
    ("Blasts < 200/uL", ("Observation", "Blasts"),
     {"Operator": ("Eq-Operator", "<"), "Value": ("Eq-Value", "200"), "Per": ("Eq-Unit", "uL")},
     ["A1\tEq-Operator-Value T2 LT"], (None, bound(200.0, False), "/uL", None)),
    ("Pain >= 2/10", ("Observation", "Pain"),
     {"Operator": ("Eq-Operator", ">="), "Value": ("Eq-Value", "2"), "Per": ("Eq-Unit", "10")},
     ["A1\tEq-Operator-Value T2 GTEQ"], (bound(2.0), None, None, 10.0)),
    ("Age 2 to <12 years", ("Age", "Age"),
     {"Value": ("Eq-Value", "2"), "Operator": ("Eq-Operator", "to"),
      "Operator2": ("Eq-Operator", "<"), "Value2": ("Eq-Value", "12")},
     ["A1\tEq-Operator-Value T3 BETWEEN", "A2\tEq-Operator-Value T4 LT"],
     (bound(2.0), bound(12.0, False), None, None)),
    ("ECOG 0~2", ("Observation", "ECOG"),  # LCT often writes Value > Value2
     {"Value2": ("Eq-Value", "0"), "Operator": ("Eq-Operator", "~"), "Value": ("Eq-Value", "2")},
     ["A1\tEq-Operator-Value T3 BETWEEN"], (bound(0.0), bound(2.0), None, None)),
    ("Weight stable (±5kg)", ("Observation", "Weight"),
     {"Operator": ("Eq-Operator", "±"), "Value": ("Eq-Value", "5")},
     ["A1\tEq-Operator-Value T2 PLUS-MINUS"], R_PLUS_MINUS),
    ("life expectancy < five years", ("Observation", "life expectancy"),
     {"Operator": ("Eq-Operator", "<"), "Value": ("Eq-Value", "five")},
     ["A1\tEq-Operator-Value T2 LT"], R_NOT_A_NUMBER),
    ("BP > 140 and 90 mmHg", ("Observation", "BP"),  # not written as one pair: no reading
     {"Operator": ("Eq-Operator", ">"), "Value": ("Eq-Value", "140"),
      "Value2": ("Eq-Value", "90")}, ["A1\tEq-Operator-Value T2 GT"], R_TWO_VALUES_ONE_SIDED),
    ("Creatinine:\n  > 2 mg", ("Observation", "Creatinine"),
     {"Operator": ("Eq-Operator", ">"), "Value": ("Eq-Value", "2")},
     ["A1\tEq-Operator-Value T2 GT"], R_OTHER_LINE),
    # a Snellen fraction after an acuity word is decimal acuity, as the pipeline's value.snellen
    # reads it (GUIDELINE); another fraction stays not a number
    ("BCVA between 20/400 and 20/40", ("Observation", "BCVA"),
     {"Operator": ("Eq-Operator", "between"), "Value": ("Eq-Value", "20/400"), "Value2": ("Eq-Value", "20/40")},
     ["A1\tEq-Operator-Value T2 BETWEEN"], (bound(0.05), bound(0.5), None, None)),
    ("MMSE between 20/30 and 24", ("Observation", "MMSE"),
     {"Operator": ("Eq-Operator", "between"), "Value": ("Eq-Value", "20/30"), "Value2": ("Eq-Value", "24")},
     ["A1\tEq-Operator-Value T2 BETWEEN"], R_NOT_A_NUMBER),
]


@pytest.mark.parametrize(("text", "subject", "parts", "extra", "expected"), CASES,
                         ids=[c[0].split("\n")[0] for c in CASES])
def test_mapping_rules(tmp_path: Path, text: str, subject: tuple[str, str],
                       parts: dict[str, tuple[str, str]], extra: list[str],
                       expected: object) -> None:
    (tmp_path / "NCT00000001.txt").write_text(text, encoding="utf-8")
    ann = tmp_path / "NCT00000001.ann"
    ann.write_text(_doc_lines(text, subject, parts, extra), encoding="utf-8")
    doc, problems = read_brat(ann)
    assert problems == []
    records, unmapped, _, mapping_problems = map_document(doc, "x.txt", "x.ann")
    constraints = [c for r in records for c in r["constraints"]]
    if isinstance(expected, str):
        assert constraints == [] and unmapped == Counter({expected: 1})
        assert [p.kind for p in mapping_problems] == ["unmapped"]
        assert mapping_problems[0].line is not None and expected in mapping_problems[0].message
        return
    lower, upper, unit_text, scale_max = expected
    assert unmapped == Counter()
    [constraint] = constraints
    assert (constraint["lower"], constraint["upper"]) == (lower, upper)
    assert (constraint["unit_text"], constraint["scale_max"]) == (unit_text, scale_max)
    assert constraint["unit"] is None
    assert constraint["subject"] == ("age" if subject[0] == "Age" else subject[1].lower())


@pytest.mark.parametrize(("op", "kind", "expected"), [
    (">", "GT", [({"value": 140.0, "inclusive": False}, None), ({"value": 90.0, "inclusive": False}, None)]),
    ("≤", "LTEQ", [(None, {"value": 140.0, "inclusive": True}), (None, {"value": 90.0, "inclusive": True})]),
])
def test_a_pair_under_a_one_sided_operator_is_two_constraints(tmp_path: Path, op: str, kind: str,
                                                                expected: list) -> None:
    """"BP > 140/90 mmHg" (GUIDELINE, pairs): a bound for each value, in text order, unit shared."""
    text = f"BP {op} 140/90 mmHg"
    (tmp_path / "NCT00000001.txt").write_text(text, encoding="utf-8")
    ann = tmp_path / "NCT00000001.ann"
    ann.write_text(_doc_lines(text, ("Observation", "BP"),
                              {"Operator": ("Eq-Operator", op), "Value": ("Eq-Value", "140"),
                               "Value2": ("Eq-Value", "90"), "Unit": ("Eq-Unit", "mmHg")},
                              [f"A1\tEq-Operator-Value T2 {kind}"]), encoding="utf-8")
    doc, problems = read_brat(ann)
    assert problems == []
    records, unmapped, _, _ = map_document(doc, "x.txt", "x.ann")
    constraints = [c for r in records for c in r["constraints"]]
    assert unmapped == Counter()
    assert [(c["lower"], c["upper"]) for c in constraints] == expected
    assert {(c["subject"], c["unit_text"], tuple(c["subject_span"])) for c in constraints} == {("bp", "mmHg", (0, 2))}
    [record] = records
    values = [record["text"][e["start_offset"]:e["end_offset"]] for e in record["entities"] if e["label"] == "VALUE"]
    assert values == ["140", "90"]


def _op(n: int, kind: str) -> str:
    return f"A{n}\tEq-Operator-Value T{n + 1} {kind}"


# (text, subject, role, parts, extra .ann lines, expected (category, lower, upper, unit_text,
#  direction) or the unmapped reason): time windows, durations, counts and grades (issue #13)
ROLE_CASES = [
    ("MI within the past 6 months", ("Condition", "MI"), "Temporality",
     {"Operator": ("Eq-Operator", "within"), "Temporal-Period": ("Eq-Temporal-Period", "past"),
      "Value": ("Eq-Value", "6"), "Temporal-Unit": ("Eq-Temporal-Unit", "months")},
     [_op(1, "LTEQ"), "A2\tEq-Temporal-Period-Value T3 past"], ("temporal", None, bound(6.0), "months", "before")),
    ("vaccinated in the last four weeks", ("Immunization", "vaccinated"), "Temporality",
     {"Temporal-Period": ("Eq-Temporal-Period", "last"), "Value": ("Eq-Value", "four"),
      "Temporal-Unit": ("Eq-Temporal-Unit", "weeks")},
     ["A1\tEq-Temporal-Period-Value T2 past"], ("temporal", None, bound(4.0), "weeks", "before")),
    ("plans to quit in the next 30 days", ("Observation", "quit"), "Temporality",
     {"Temporal-Period": ("Eq-Temporal-Period", "next"), "Value": ("Eq-Value", "30"),
      "Temporal-Unit": ("Eq-Temporal-Unit", "days")},
     ["A1\tEq-Temporal-Period-Value T2 future"], ("temporal", None, bound(30.0), "days", "after")),
    ("stroke < 2 years", ("Condition", "stroke"), "Temporality",
     {"Operator": ("Eq-Operator", "<"), "Value": ("Eq-Value", "2"), "Temporal-Unit": ("Eq-Temporal-Unit", "years")},
     [_op(1, "LT")], ("temporal", None, bound(2.0, False), "years", None)),
    ("hypertension 6 months", ("Condition", "hypertension"), "Temporality",
     {"Value": ("Eq-Value", "6"), "Temporal-Unit": ("Eq-Temporal-Unit", "months")}, [],
     "temporal: " + R_TIME_WITHOUT_SIDE),
    ("diabetes for at least one year", ("Condition", "diabetes"), "Duration",
     {"Operator": ("Eq-Operator", "at least"), "Value": ("Eq-Value", "one"),
      "Temporal-Unit": ("Eq-Temporal-Unit", "year")}, [_op(1, "GTEQ")], ("duration", bound(1.0), None, "year", None)),
    ("at least two prior regimens", ("Procedure", "regimens"), "Minimum-Count",
     {"Operator": ("Eq-Operator", "at least"), "Value": ("Eq-Value", "two")}, [_op(1, "GTEQ")],
     ("count", bound(2.0), None, None, None)),
    ("alcohol >= 24 g", ("Drug", "alcohol"), "Minimum-Count",
     {"Operator": ("Eq-Operator", ">="), "Value": ("Eq-Value", "24"), "Unit": ("Eq-Unit", "g")}, [_op(1, "GTEQ")],
     "count: " + R_COUNT_WITH_UNIT),
    ("fibrosis stage III-IV", ("Condition", "fibrosis"), "Stage",
     {"Unit": ("Eq-Unit", "stage"), "Value": ("Eq-Value", "III"), "Operator": ("Eq-Operator", "-"),
      "Value2": ("Eq-Value", "IV")}, ["A1\tEq-Operator-Value T4 BETWEEN"], ("grade", bound(3.0), bound(4.0), None, None)),
    # Child-Pugh letters are read as configs/grades.json reads them (A/B/C -> 1/2/3), on the subject
    # or between it and the comparison; other letters stay not a number
    ("Child-Pugh class C", ("Observation", "Child-Pugh"), "Stage",
     {"Unit": ("Eq-Unit", "class"), "Value": ("Eq-Value", "C")}, [], ("grade", bound(3.0), bound(3.0), None, None)),
    ("cirrhosis (Child Pugh B or better)", ("Condition", "cirrhosis"), "Stage",
     {"Value": ("Eq-Value", "B"), "Operator": ("Eq-Operator", "or better")}, [_op(2, "LTEQ")],
     ("grade", None, bound(2.0), None, None)),
    ("periodontitis grades B", ("Condition", "periodontitis"), "Stage",
     {"Unit": ("Eq-Unit", "grades"), "Value": ("Eq-Value", "B")}, [], "grade: " + R_NOT_A_NUMBER),
    # a sub-stage is read as its numeral where the comparison names a stage (configs/grades.json
    # substages, as the pipeline reads it); after another keyword it stays not a number
    ("NSCLC stage IIIB or IV", ("Condition", "NSCLC"), "Stage",
     {"Unit": ("Eq-Unit", "stage"), "Value": ("Eq-Value", "IIIB"), "Operator": ("Eq-Operator", "or"),
      "Value2": ("Eq-Value", "IV")}, ["A1\tEq-Operator-Value T4 BETWEEN"], ("grade", bound(3.0), bound(4.0), None, None)),
    ("myasthenia class IVa", ("Condition", "myasthenia"), "Stage",
     {"Unit": ("Eq-Unit", "class"), "Value": ("Eq-Value", "IVa")}, [], "grade: " + R_NOT_A_NUMBER),
    ("two of the following:", ("Criteria-Count", "the following"), "Min-Value",
     {"Value": ("Eq-Value", "two")}, [], ("count", bound(2.0), None, None, None)),
]


@pytest.mark.parametrize(("text", "subject", "role", "parts", "extra", "expected"), ROLE_CASES,
                         ids=[c[0] for c in ROLE_CASES])
def test_time_count_and_grade_mapping(tmp_path: Path, text: str, subject: tuple[str, str], role: str,
                                      parts: dict[str, tuple[str, str]], extra: list[str],
                                      expected: object) -> None:
    (tmp_path / "NCT00000001.txt").write_text(text, encoding="utf-8")
    ann = tmp_path / "NCT00000001.ann"
    ann.write_text(_doc_lines(text, subject, parts, extra, role), encoding="utf-8")
    doc, problems = read_brat(ann)
    assert problems == []
    records, unmapped, _, mapping_problems = map_document(doc, "x.txt", "x.ann")
    constraints = [c for r in records for c in r["constraints"]]
    if isinstance(expected, str):  # counted under "<category>: <reason>", on its .ann line
        assert constraints == [] and unmapped == Counter({expected: 1})
        assert [p.kind for p in mapping_problems] == ["unmapped"] and mapping_problems[0].line == 1 + len(parts) + 2
        return
    category, lower, upper, unit_text, direction = expected
    assert unmapped == Counter()
    [c] = constraints
    assert (c["category"], c["lower"], c["upper"], c["unit_text"]) == (category, lower, upper, unit_text)
    assert c["subject"] == ("criteria" if subject[0] == "Criteria-Count" else subject[1].lower())
    assert text[slice(*c["subject_span"])] == subject[1]
    assert c["unit"] == ("{grade}" if category == "grade" else None)
    if category == "temporal":
        assert c["anchor"] is None and c["direction"] == direction  # no Before/After relation: no anchor
    else:
        assert "anchor" not in c and "direction" not in c


@pytest.mark.parametrize(("text", "subject", "unit", "expected"), [
    # a Minimum-Count's Eq-Unit of words is the counted noun: the subject (GUIDELINE, counts)
    ("Presence of at least 4 sites with probing depth", ("Observation", "probing depth"), "sites",
     ("sites", bound(4.0), None)),
    ("recurrent instability in minimum two joints", ("Condition", "instability"), "joints",
     ("joints", bound(2.0), None)),
    # a repetition is no count; an amount keeps its unit and stays unmapped
    ("BP >= 160 mmHg on at least two occasions", ("Observation", "BP"), "occasions", R_COUNT_WITH_UNIT),
    ("alcohol at least 30 %", ("Drug", "alcohol"), "%", R_COUNT_WITH_UNIT),
])
def test_a_minimum_count_of_a_counted_noun_unit(tmp_path: Path, text: str, subject: tuple[str, str], unit: str,
                                               expected: object) -> None:
    op = "minimum" if "minimum" in text else "at least"
    value = "4" if " 4 " in text else "two" if "two" in text else "30"
    (tmp_path / "NCT00000001.txt").write_text(text, encoding="utf-8")
    ann = tmp_path / "NCT00000001.ann"
    parts = {"Operator": ("Eq-Operator", op), "Value": ("Eq-Value", value), "Unit": ("Eq-Unit", unit)}
    ann.write_text(_doc_lines(text, subject, parts, [_op(1, "GTEQ")], "Minimum-Count"), encoding="utf-8")
    doc, problems = read_brat(ann)
    assert problems == []
    records, unmapped, notes, _ = map_document(doc, "x.txt", "x.ann")
    constraints = [c for r in records for c in r["constraints"] if c["category"] == "count"]
    if isinstance(expected, str):
        assert constraints == [] and unmapped == Counter({"count: " + expected: 1})
        return
    name, lower, upper = expected
    [c] = constraints
    assert (c["subject"], text[slice(*c["subject_span"])], c["lower"], c["upper"]) == (name, unit, lower, upper)
    assert unmapped == Counter() and sum(notes.values()) >= 1


@pytest.mark.parametrize(("text", "least", "most", "lower", "upper", "scale_max"), [
    # the Max-Value after the list span is the list's size (GUIDELINE: scale_max, not a bound)
    ("at least three of the following four criteria", ("at least", "three"), "four", bound(3.0), None, 4.0),
    # written before it, it is a bound: "two or three of the above criteria"
    ("two or three of the following criteria", (None, "two"), "three", bound(2.0), bound(3.0), None),
])
def test_a_max_value_after_the_list_is_its_size(tmp_path: Path, text: str, least: tuple, most: str,
                                                lower: Optional[dict], upper: Optional[dict],
                                                scale_max: Optional[float]) -> None:
    op, low = least

    def tb(tid: str, kind: str, span_text: str, start: int) -> str:
        return f"{tid}\t{kind} {start} {start + len(span_text)}\t{span_text}"

    at_low, at_most, at_list = text.index(low), text.rindex(most), text.index("of the following")
    first = text.index(op) if op else at_low
    lines = [tb("T1", "Criteria-Count", "of the following", at_list), tb("T3", "Eq-Value", low, at_low),
             tb("T4", "Eq-Comparison", text[first:at_low + len(low)], first), tb("T5", "Eq-Value", most, at_most),
             tb("T6", "Eq-Comparison", most, at_most),
             "E1\tCriteria-Count:T1 Min-Value:E2 Max-Value:E3",
             "E2\tEq-Comparison:T4 " + ("Operator:T2 " if op else "") + "Value:T3", "E3\tEq-Comparison:T6 Value:T5"]
    if op:
        lines += [tb("T2", "Eq-Operator", op, first), "A1\tEq-Operator-Value T2 GTEQ"]
    (tmp_path / "NCT00000001.txt").write_text(text, encoding="utf-8")
    ann = tmp_path / "NCT00000001.ann"
    ann.write_text("\n".join(lines) + "\n", encoding="utf-8")
    doc, problems = read_brat(ann)
    assert problems == []
    records, unmapped, notes, _ = map_document(doc, "x.txt", "x.ann")
    constraints = [c for r in records for c in r["constraints"]]
    assert unmapped == Counter()
    assert [(c["subject"], c["category"]) for c in constraints] == [("criteria", "count")] * len(constraints)
    assert [c["lower"] for c in constraints if c["lower"]] == [lower]
    assert [c["upper"] for c in constraints if c["upper"]] == ([upper] if upper else [])
    assert {c["scale_max"] for c in constraints} == {scale_max}
    assert (sum(notes.values()) == 1) == (scale_max is not None)


@pytest.mark.parametrize(("event", "relation", "anchor", "direction"), [
    ("screening", "Before", "screening", "before"), ("randomisation", "Before", "randomization", "before"),
    ("surgery", "After", None, "after")])  # an event that is no anchor of ours: anchor not annotated
def test_a_window_related_to_an_event_gets_its_anchor_and_direction(tmp_path: Path, event: str, relation: str,
                                                                    anchor: Optional[str], direction: str) -> None:
    text = f"stroke within 3 months of {event}"
    parts = {"Operator": ("Eq-Operator", "within"), "Value": ("Eq-Value", "3"),
             "Temporal-Unit": ("Eq-Temporal-Unit", "months")}
    start = text.index(event)
    extra = [_op(1, "LTEQ"), f"T9\tStudy {start} {start + len(event)}\t{event}", "E9\tStudy:T9",
             f"R1\t{relation} Arg1:E2 Arg2:E9"]
    (tmp_path / "NCT00000001.txt").write_text(text, encoding="utf-8")
    ann = tmp_path / "NCT00000001.ann"
    ann.write_text(_doc_lines(text, ("Condition", "stroke"), parts, extra, "Temporality"), encoding="utf-8")
    doc, problems = read_brat(ann)
    assert problems == []
    records, unmapped, _, _ = map_document(doc, "x.txt", "x.ann")
    [c] = records[0]["constraints"]
    assert (c["upper"], c["anchor"], c["direction"]) == (bound(3.0), anchor, direction) and unmapped == Counter()


@pytest.mark.parametrize(("text", "value", "unit", "event", "relation", "anchor", "direction"), [
    ("injury in the 6 months prior to the study", "6", "months", "study", "Before", None, "before"),
    ("surgery two years prior to enrollment", "two", "years", "enrollment", "Before", "enrollment", "before"),
    ("contraception 3 months after the infusion", "3", "months", "infusion", "After", "infusion", "after")])
def test_a_bare_span_related_to_an_event_is_a_window_up_to_it(tmp_path: Path, text: str, value: str, unit: str,
                                                               event: str, relation: str, anchor: Optional[str],
                                                               direction: str) -> None:
    """No operator and no period, but a Before / After relation: "in the 6 months prior to the
    study" bounds the elapsed time from above, as "within" does (GUIDELINE, temporal)."""
    parts = {"Value": ("Eq-Value", value), "Temporal-Unit": ("Eq-Temporal-Unit", unit)}
    start = text.index(event)
    extra = [f"T9\tStudy {start} {start + len(event)}\t{event}", "E9\tStudy:T9", f"R1\t{relation} Arg1:E2 Arg2:E9"]
    (tmp_path / "NCT00000001.txt").write_text(text, encoding="utf-8")
    ann = tmp_path / "NCT00000001.ann"
    ann.write_text(_doc_lines(text, ("Condition", text.split()[0]), parts, extra, "Temporality"), encoding="utf-8")
    doc, problems = read_brat(ann)
    assert problems == []
    records, unmapped, _, _ = map_document(doc, "x.txt", "x.ann")
    [c] = records[0]["constraints"]
    number = {"two": 2.0}.get(value) or float(value)
    assert (c["lower"], c["upper"], c["anchor"], c["direction"]) == (None, bound(number), anchor, direction)
    assert unmapped == Counter()


@pytest.mark.parametrize(("text", "unit", "mapped"), [
    ("stroke within the past year", "year", True), ("infection in the last month", "month", True),
    ("stroke within the past years", "years", False)])  # a plural unit without a number: no bound
def test_a_window_on_a_singular_unit_without_a_number_is_one_of_it(tmp_path: Path, text: str, unit: str,
                                                                  mapped: bool) -> None:
    """"within the past year": LCT marks the operator and the unit, no value; one year (GUIDELINE,
    temporal; ``implied_one_units`` in configs/lct.json)."""
    parts = {"Operator": ("Eq-Operator", text.split()[1]), "Temporal-Unit": ("Eq-Temporal-Unit", unit)}
    (tmp_path / "NCT00000001.txt").write_text(text, encoding="utf-8")
    ann = tmp_path / "NCT00000001.ann"
    ann.write_text(_doc_lines(text, ("Condition", text.split()[0]), parts, ["A1\tEq-Operator-Value T2 LTEQ"],
                              "Temporality"), encoding="utf-8")
    doc, problems = read_brat(ann)
    assert problems == []
    records, unmapped, _, _ = map_document(doc, "x.txt", "x.ann")
    if mapped:
        [c] = records[0]["constraints"]
        assert (c["lower"], c["upper"]) == (None, bound(1.0))
    else:
        assert records[0]["constraints"] == [] and sum(unmapped.values()) == 1


def _during_doc(tmp_path: Path, owned: bool) -> tuple[list[dict], Counter]:
    """"taking antidepressants during the last 6 months" as LCT writes it: the drug's Temporality
    is "taking" (a period only) and the window is related to the drug by ``During``; with
    ``owned`` the window is also the drug's Duration role (then the relation adds nothing)."""
    text = "taking antidepressants during the last 6 months"
    (tmp_path / "NCT00000001.txt").write_text(text, encoding="utf-8")
    role = " Duration:E3" if owned else ""
    (tmp_path / "NCT00000001.ann").write_text(
        "T1\tEq-Comparison 0 6\ttaking\nT2\tEq-Temporal-Period 0 6\ttaking\n"
        "T3\tDrug 7 22\tantidepressants\nT4\tDrug-Name 7 22\tantidepressants\n"
        "T5\tEq-Comparison 34 47\tlast 6 months\nT6\tEq-Temporal-Period 34 38\tlast\n"
        "T7\tEq-Value 39 40\t6\nT8\tEq-Temporal-Unit 41 47\tmonths\n"
        f"E1\tDrug:T3 Name:T4 Temporality:E2{role}\nE2\tEq-Comparison:T1 Temporal-Period:T2\n"
        "E3\tEq-Comparison:T5 Temporal-Period:T6 Value:T7 Temporal-Unit:T8\n"
        "A1\tEq-Temporal-Period-Value T2 present\nA2\tEq-Temporal-Period-Value T6 past\n"
        "R1\tDuring Arg1:E1 Arg2:E3\n", encoding="utf-8")
    doc, problems = read_brat(tmp_path / "NCT00000001.ann")
    assert problems == []
    records, unmapped, _, _ = map_document(doc, "x.txt", "x.ann")
    return records[0]["constraints"], unmapped


def test_a_window_related_by_during_is_the_events_temporality(tmp_path: Path) -> None:
    """LCT relates some windows to their event (``During``) instead of giving them a role: read as
    its Temporality (``window_relations`` of configs/lct.json; GUIDELINE, LCT mapping)."""
    [c], unmapped = _during_doc(tmp_path, owned=False)
    assert (c["subject"], c["category"], c["lower"], c["upper"], c["unit_text"], c["direction"]) == \
        ("antidepressants", "temporal", None, bound(6.0), "months", "before")
    assert unmapped == Counter()


def test_a_window_held_in_a_role_is_not_read_again_from_its_relation(tmp_path: Path) -> None:
    """The window is the drug's Duration role too (a bare one, whose side is not written: not
    mapped); the During relation reads nothing more."""
    constraints, unmapped = _during_doc(tmp_path, owned=True)
    assert constraints == [] and unmapped == Counter({f"duration: {R_TIME_WITHOUT_SIDE}": 1})


def test_during_windows_of_the_shipped_corpus(by_id: dict[str, dict]) -> None:
    """Read from the .txt: "Taking any prophylactic medication during the previous one month"."""
    [c] = [c for c in by_id["NCT03862638-L008"]["constraints"] if c["category"] == "temporal"]
    assert (c["subject"], c["upper"], c["direction"]) == ("prophylactic medication", bound(1.0), "before")


def test_temporality_without_a_value_is_a_note_not_a_loss(tmp_path: Path) -> None:
    text = "history of stroke"
    (tmp_path / "NCT00000001.txt").write_text(text, encoding="utf-8")
    ann = tmp_path / "NCT00000001.ann"
    ann.write_text("T1\tCondition 11 17\tstroke\nT2\tEq-Comparison 0 7\thistory\nT3\tEq-Temporal-Period 0 7\thistory\n"
                   "E1\tCondition:T1 Temporality:E2\nE2\tEq-Comparison:T2 Temporal-Period:T3\n"
                   "A1\tEq-Temporal-Period-Value T3 past\n", encoding="utf-8")
    doc, problems = read_brat(ann)
    assert problems == []
    records, unmapped, notes, _ = map_document(doc, "x.txt", "x.ann")
    assert records[0]["constraints"] == [] and unmapped == Counter()
    assert sum(notes.values()) == 1


def test_negation_and_entities_on_an_inline_document(tmp_path: Path) -> None:
    text = "Exclusion Criteria:\n-  no platelet count < 50 x10^9/L within 4 weeks\n"
    ann = "\n".join([
        "T1\tNegation 23 25\tno",
        "T2\tObservation 26 40\tplatelet count",
        "T3\tEq-Operator 41 42\t<",
        "T4\tEq-Value 43 45\t50",
        "T5\tEq-Unit 46 53\tx10^9/L",
        "T6\tEq-Comparison 41 53\t< 50 x10^9/L",
        "T7\tEq-Comparison 54 68\twithin 4 weeks",
        "E1\tNegation:T1 Negates:E2",
        "E2\tObservation:T2 Numeric-Filter:E3 Temporality:E4",
        "E3\tEq-Comparison:T6 Operator:T3 Value:T4 Unit:T5",
        "E4\tEq-Comparison:T7",
        "A1\tEq-Operator-Value T3 LT",
        "A2\tObservation-Type-Value E2 lab",
    ]) + "\n"
    (tmp_path / "NCT00000002.txt").write_text(text, encoding="utf-8")
    (tmp_path / "NCT00000002.ann").write_text(ann, encoding="utf-8")
    doc, problems = read_brat(tmp_path / "NCT00000002.ann")
    assert problems == []
    records, unmapped, _, _ = map_document(doc, "NCT00000002.txt", "NCT00000002.ann")
    heading, record = records
    assert heading["section"] == record["section"] == "exclusion"
    assert record["criterion_id"] == "NCT00000002-L002" and record["offset"] == 20
    assert spans(record, "NEGATION") == ["no"]
    assert spans(record, "MEASUREMENT") == ["platelet count"]
    assert spans(record, "COMPARATOR") == ["<"] and spans(record, "VALUE") == ["50"]
    assert spans(record, "UNIT") == ["x10^9/L"]
    assert spans(record, "TEMPORAL") == ["within 4 weeks"]
    assert related(record, "negates") == {("no", "platelet count")}
    assert related(record, "has_value") == {("platelet count", "50")}
    assert related(record, "has_comparator") == {("50", "<")}
    assert related(record, "has_unit") == {("50", "x10^9/L")}
    assert related(record, "has_temporal") == {("platelet count", "within 4 weeks")}
    [constraint] = record["constraints"]
    assert constraint == {
        "subject": "platelet count", "subject_span": [6, 20], "category": "lab",
        "lower": None, "upper": bound(50.0, False), "unit": None, "unit_text": "x10^9/L",
        "scale_max": None, "condition": None, "negated": True}
    assert unmapped == Counter()


# -- real documents ------------------------------------------------------------------------------

def test_nct03860038_age_life_expectancy_and_ecog(by_id: dict[str, dict]) -> None:
    # batch1/NCT03860038.txt, lines 2, 6, 7: "1. Age ≥ 18, male or female;" /
    # "5. ... life expectancy of no less than 6 months;" / "6. ... ECOG (Eastern Cooperative
    # Oncology Group) performance status score of 0~2;"
    age = by_id["NCT03860038-L002"]
    assert (age["text"], age["section"]) == ("1. Age ≥ 18, male or female;", "inclusion")
    assert age["source"] == "batch1/NCT03860038.txt"
    [c] = age["constraints"]
    assert (c["subject"], c["category"], c["lower"], c["upper"]) == ("age", "age", bound(18.0),
                                                                      None)
    assert age["text"][slice(*c["subject_span"])] == "Age"
    assert related(age, "has_comparator") == {("18", "≥")}

    life = by_id["NCT03860038-L006"]
    [c] = life["constraints"]
    assert (c["subject"], c["lower"], c["upper"], c["unit_text"]) == (
        "life expectancy", bound(6.0), None, "months")
    assert spans(life, "COMPARATOR") == ["no less than"] and spans(life, "UNIT") == ["months"]

    ecog = by_id["NCT03860038-L007"]  # annotated Value=2, Value2=0: ordered into [0, 2]
    [c] = ecog["constraints"]
    assert (c["category"], c["lower"], c["upper"]) == ("score", bound(0.0), bound(2.0))
    assert spans(ecog, "SCORE") == ["ECOG", "Eastern Cooperative Oncology Group"]
    assert by_id["NCT03860038-L008"]["section"] == "exclusion"
    assert spans(by_id["NCT03860038-L011"], "TEMPORAL") == ["previously", "within 3 months"]


def test_nct03868592_labs_and_bmi(by_id: dict[str, dict]) -> None:
    # batch6/NCT03868592.txt line 2 "-  BMI 40 - 50 kg/m2." and line 11 "-  Chronic active
    # liver disease (Bilirubin > 17mmol/L, AST > 144 IU/L, or ALT>165IU/L)"
    [bmi] = by_id["NCT03868592-L002"]["constraints"]
    assert (bmi["subject"], bmi["category"], bmi["lower"], bmi["upper"], bmi["unit_text"]) == (
        "bmi", "vital", bound(40.0), bound(50.0), "kg/m2")
    liver = by_id["NCT03868592-L011"]
    assert liver["section"] == "exclusion"
    got = [(c["subject"], c["lower"], c["upper"], c["unit_text"]) for c in liver["constraints"]]
    assert got == [("bilirubin", bound(17.0, False), None, "mmol/L"),
                   ("ast", bound(144.0, False), None, "IU/L"),
                   ("alt", bound(165.0, False), None, "IU/L")]
    assert spans(liver, "UNIT") == ["mmol/L", "IU/L", "IU/L"]
    assert spans(liver, "CONDITION") == ["liver disease"]


def test_nct03866421_decimal_commas_and_joined_bounds(by_id: dict[str, dict]) -> None:
    # batch6/NCT03866421.txt line 3: "fasting glucose concentration < 7,0 mmol/ l and a 2-hour
    # glucose load ≥ 7,8 mmol/ l and < 11,1 mmol/ l OR ... Fasting blood glucose ≥ 6,1 mmol/ l
    # and < 7,0 mmol/ l ..."; line 13: "-  Weight > 130 kg OR"
    record = by_id["NCT03866421-L003"]
    got = [(c["subject"], c["lower"], c["upper"]) for c in record["constraints"]]
    assert got[:3] == [("glucose concentration", None, bound(7.0, False)),
                       ("2-hour glucose load", bound(7.8), bound(11.1, False)),
                       ("blood glucose", bound(6.1), bound(7.0, False))]
    assert {c["unit_text"] for c in record["constraints"]} == {"mmol/ l"}
    [weight] = by_id["NCT03866421-L013"]["constraints"]
    assert (weight["subject"], weight["lower"], weight["unit_text"]) == (
        "weight", bound(130.0, False), "kg")


def test_real_unmapped_cases_are_reported_on_their_lines(corpus: tuple[list[dict], dict],
                                                         by_id: dict[str, dict]) -> None:
    _, report = corpus
    # batch4/NCT03867682.txt line 8 "4. Estimated creatinine clearance ≥ 50 mL/min": the "≥" is
    # annotated but not linked to the comparison; reading it as "= 50" would be wrong.
    assert by_id["NCT03867682-L008"]["constraints"] == []
    assert report["per_document"]["NCT03867682"]["unlinked operator inside the comparison"] == 1
    unmapped = [p for p in report["problems"] if p["record"] == "NCT03867682-L008"]
    assert [(p["path"], p["kind"]) for p in unmapped] == [("batch4/NCT03867682.ann", "unmapped")]
    assert isinstance(unmapped[0]["line"], int)
    # batch10/NCT03861923.txt line 18: "SPADI score less than 10% or greater than 90%" is a
    # disjunction (LCT: Or): two constraints, not one range.
    spadi = by_id["NCT03861923-L018"]["constraints"]
    assert [(c["lower"], c["upper"]) for c in spadi] == [(None, bound(10.0, False)),
                                                         (bound(90.0, False), None)]


# -- the whole shipped corpus --------------------------------------------------------------------

def test_whole_corpus_loads_with_counts(corpus: tuple[list[dict], dict]) -> None:
    records, report = corpus
    n_docs = len(list(LCT.rglob("*.txt")))
    assert n_docs == 512
    assert report["documents"] == n_docs == len(report["per_document"])
    assert report["criteria"] == len(records) > 5000
    assert report["constraints"] == sum(len(r["constraints"]) for r in records) > 800
    totals: Counter[str] = Counter()
    for counts in report["per_document"].values():
        totals.update(counts)
    assert totals == Counter(report["unmapped"]) and all(n > 0 for n in totals.values())
    assert sum(report["unmapped"].values()) == sum(
        p["kind"] == "unmapped" for p in report["problems"])
    assert not [p for p in report["problems"] if p["kind"] != "unmapped"]  # BRAT-clean corpus
    assert all(set(p) == {"path", "line", "message", "record", "kind"}
               for p in report["problems"])


def test_every_record_is_valid(corpus: tuple[list[dict], dict]) -> None:
    records, _ = corpus
    texts: dict[str, str] = {}
    keys = ["trial_id", "criterion_id", "section", "source", "offset", "text", "entities",
            "relations", "constraints"]
    assert len({r["criterion_id"] for r in records}) == len(records)
    for r in records:
        assert list(r) == keys
        source = texts.setdefault(r["source"], (LCT / r["source"]).read_text(encoding="utf-8"))
        assert source[r["offset"]:r["offset"] + len(r["text"])] == r["text"] == r["text"].strip()
        assert r["criterion_id"].startswith(r["trial_id"] + "-L")
        assert r["section"] in ("inclusion", "exclusion", None)
        ids = {e["id"] for e in r["entities"]}
        assert len(ids) == len(r["entities"])
        for e in r["entities"]:
            assert 0 <= e["start_offset"] < e["end_offset"] <= len(r["text"])
        assert all(rel["from_id"] in ids and rel["to_id"] in ids for rel in r["relations"])
        subjects = {(e["start_offset"], e["end_offset"]) for e in r["entities"]
                    if e["label"] in ("MEASUREMENT", "SCORE")}
        for c in r["constraints"]:
            start, end = c["subject_span"]
            assert 0 <= start < end <= len(r["text"])
            assert c["lower"] is not None or c["upper"] is not None
            if c["lower"] and c["upper"]:
                assert c["lower"]["value"] <= c["upper"]["value"]
            assert c["category"] in ("lab", "vital", "measurement", "score", "age",
                                     "temporal", "duration", "count", "grade")
            if c["category"] in ("temporal", "duration", "count", "grade"):
                # the subject is the event's trigger (a Criteria-Count's: "criteria")
                assert c["subject"] in (r["text"][start:end].lower(), "criteria")
                assert ("anchor" in c) == ("direction" in c) == (c["category"] == "temporal")
                assert c.get("anchor") in (None, "screening", "enrollment", "randomization", "first dose",
                                           "infusion", "baseline", "consent")
            else:
                assert (start, end) in subjects


def test_real_windows_counts_and_grades(by_id: dict[str, dict]) -> None:
    """Read in batch9/NCT03861299.txt and batch7/NCT03860246.txt."""
    rec = by_id["NCT03861299-L017"]  # "Second primary malignancy within the past 5 years ..."
    [window] = [c for c in rec["constraints"] if c["category"] == "temporal"]
    assert rec["text"][slice(*window["subject_span"])] == "malignancy"
    assert (window["lower"], window["upper"], window["unit_text"]) == (None, bound(5.0), "years")
    assert (window["anchor"], window["direction"]) == (None, "before")
    rec = by_id["NCT03861299-L004"]  # "... (Sawaya Grading II and II)": Roman numerals
    [grade] = [c for c in rec["constraints"] if c["category"] == "grade"]
    assert (grade["subject"], grade["lower"], grade["upper"], grade["unit"]) == ("sawaya", bound(2.0), bound(2.0),
                                                                                  "{grade}")
    rec = by_id["NCT03860246-L002"]  # "... with ≥2 of the following risk factors ..."
    [count] = rec["constraints"]
    assert (count["subject"], count["category"], count["lower"], count["upper"]) == ("criteria", "count", bound(2.0),
                                                                                      None)
    assert rec["text"][slice(*count["subject_span"])] == "the following"


def test_time_count_and_grade_losses_are_counted_per_category(corpus: tuple[list[dict], dict]) -> None:
    records, report = corpus
    categories = Counter(c["category"] for r in records for c in r["constraints"])
    assert all(categories[k] > 20 for k in ("temporal", "duration", "count", "grade"))
    lost = {k.split(": ", 1)[0] for k in report["unmapped"] if ": " in k}
    assert lost == {"temporal", "duration", "count", "grade"}
    assert any("period without a value" in k or "without a value" in k for k in report["notes"])


def test_lct_gold_against_itself_scores_every_mapped_category_perfectly(corpus: tuple[list[dict], dict]) -> None:
    from pipeline.components.units import default_normalizer
    from pipeline.evaluation.metrics import evaluate_records

    records, _ = corpus
    preds = [{"text": r["text"], "entities": [], "relations": [],
              "constraints": [{**c, "span": c["subject_span"]} for c in r["constraints"]]} for r in records]
    m, _ = evaluate_records([{**r, "annotated": ["constraints"]} for r in records], preds,
                            default_normalizer().normalize)
    per = m["constraints"]["per_category"]
    assert all(v["f1"] == 1.0 for v in per.values()), per
    anchors = sum((c["lower"] is not None) + (c["upper"] is not None)
                  for r in records for c in r["constraints"] if c.get("anchor"))
    assert anchors > 0 and m["constraints"]["anchored"]["anchor"]["total"] == anchors
    assert m["constraints"]["anchor_accuracy"] == m["constraints"]["direction_accuracy"] == 1.0
