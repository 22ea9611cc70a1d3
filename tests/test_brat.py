"""Tests of the BRAT standoff reader (pipeline/evaluation/corpora/brat.py) on small inline fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.evaluation.corpora.brat import (
    AnnotationConf,
    Span,
    read_annotation_conf,
    read_brat,
    read_brat_dir,
)

REPO = Path(__file__).parents[1]
LCT_CONF = REPO / "annotations" / "external" / "lct" / "annotation.conf"

#          0         1         2         3         4
#          0123456789012345678901234567890123456789012345
TEXT = "Platelet count >= 100 x10^9/L.\nAge 18-65 years\n"

GOOD_ANN = "\n".join([
    "T1\tObservation 0 14\tPlatelet count",
    "T2\tEq-Operator 15 17\t>=",
    "T3\tEq-Value 18 21\t100",
    "T4\tEq-Unit 22 29\tx10^9/L",
    "T5\tEq-Comparison 15 29\t>= 100 x10^9/L",
    "T6\tAge 31 34\tAge",
    "T7\tEq-Value 35 37\t18",
    "T8\tEq-Value 38 40\t65",
    "T9\tEq-Comparison 35 46\t18-65 years",
    "T10\tObservation-Name 0 8;9 14\tPlatelet count",
    "E1\tObservation:T1 Numeric-Filter:E2",
    "E2\tEq-Comparison:T5 Operator:T2 Value:T3 Unit:T4",
    "E3\tAge:T6 Numeric-Filter:E4 ",
    "E4\tEq-Comparison:T9 Value:T7 Value2:T8",
    "E5\tEq-Comparison:T9 Value:T7 Value:T8",
    "A1\tObservation-Type-Value E1 lab",
    "A2\tEq-Operator-Value T2 GTEQ",
    "M3\tNegated E3",
    "R1\tAnd Arg1:E2 Arg2:E4",
    "*\tEquiv T3 T7",
    "#1\tAnnotatorNotes T1\tcount of platelets",
    "N1\tReference T1 UMLS:C0032181\tPlatelet Count",
    "",
])


def write(tmp_path: Path, ann: str, text: str | None = TEXT, name: str = "doc") -> Path:
    """Write ``name.ann`` (and ``name.txt`` unless ``text`` is None); return the .ann path."""
    ann_path = tmp_path / f"{name}.ann"
    ann_path.parent.mkdir(parents=True, exist_ok=True)
    ann_path.write_text(ann, encoding="utf-8")
    if text is not None:
        ann_path.with_suffix(".txt").write_text(text, encoding="utf-8")
    return ann_path


def test_good_document_reads_every_line_type(tmp_path: Path) -> None:
    doc, problems = read_brat(write(tmp_path, GOOD_ANN))
    assert problems == []
    assert doc.doc_id == "doc" and doc.text == TEXT
    assert len(doc.textbounds) == 10 and len(doc.events) == 5
    assert doc.textbounds["T4"].spans == (Span(22, 29),)
    assert doc.textbounds["T4"].text == "x10^9/L"


def test_discontinuous_span(tmp_path: Path) -> None:
    doc, problems = read_brat(write(tmp_path, GOOD_ANN))
    tb = doc.textbounds["T10"]
    assert problems == []
    assert tb.spans == (Span(0, 8), Span(9, 14))
    assert tb.is_discontinuous and (tb.start, tb.end) == (0, 14)
    assert not doc.textbounds["T1"].is_discontinuous


def test_events_keep_roles_as_written(tmp_path: Path) -> None:
    doc, _ = read_brat(write(tmp_path, GOOD_ANN))
    age_filter = doc.events["E4"]
    assert age_filter.type == "Eq-Comparison" and age_filter.trigger == "T9"
    assert age_filter.arguments == (("Value", "T7"), ("Value2", "T8"))
    assert age_filter.args("Value2") == ["T8"]
    assert doc.events["E5"].args("Value") == ["T7", "T8"]  # a repeated role stays repeated
    assert doc.events["E3"].arguments == (("Numeric-Filter", "E4"),)  # trailing space
    assert doc.span_of("E1") is doc.textbounds["T1"]
    assert doc.type_of("E2") == "Eq-Comparison" and doc.type_of("R1") == "And"


def test_attributes_relations_equivalences_notes_normalisations(tmp_path: Path) -> None:
    doc, _ = read_brat(write(tmp_path, GOOD_ANN))
    assert doc.attributes_of("E1") == {"Observation-Type-Value": "lab"}
    assert doc.attributes_of("T2") == {"Eq-Operator-Value": "GTEQ"}
    assert doc.attributes["M3"].value is None  # binary attribute, legacy M prefix
    assert doc.relations["R1"].arguments == (("Arg1", "E2"), ("Arg2", "E4"))
    assert [(e.type, e.ids) for e in doc.equivalences] == [("Equiv", ("T3", "T7"))]
    assert doc.notes["#1"].text == "count of platelets" and doc.notes["#1"].target == "T1"
    norm = doc.normalizations["N1"]
    assert (norm.resource, norm.entry, norm.text) == ("UMLS", "C0032181", "Platelet Count")


def test_crlf_and_blank_lines_are_fine(tmp_path: Path) -> None:
    ann = "T1\tObservation 0 14\tPlatelet count\r\n\r\n\nT2\tEq-Value 18 21\t100\r\n"
    doc, problems = read_brat(write(tmp_path, ann))
    assert problems == []
    assert doc.textbounds["T1"].text == "Platelet count" and doc.textbounds["T2"].line == 4


# (the bad line, message fragment); the bad line is always line 2, after a good T1.
BAD_LINES = [
    ("T2\tEq-Value 18 99\t100", "out of range"),
    ("T2\tEq-Value 18 21\t101", "differs from the .txt"),
    ("T2\tEq-Value 0 8;9 14\tPlatelet_count", "differs from the .txt"),
    ("T2\tEq-Value 18 21", "malformed text-bound"),
    ("T2\tEq-Value 18 x\t100", "malformed offsets"),
    ("T2\tEq-Value 21 18\t100", "empty or reversed"),
    ("T2\tEq-Value 18 18\t", "empty or reversed"),
    ("T1\tEq-Value 18 21\t100", "duplicate id T1"),
    ("X1\tSomething T1", "unknown line type 'X'"),
    ("T1 Eq-Value 18 21 100", "no tab"),
    ("Tx-1\tEq-Value 18 21\t100", "malformed id"),
    ("E1\tObservation:T1 Numeric-Filter:E9", "refers to E9, which is not defined"),
    ("E1\tObservation:T1 Numeric-Filter=E9", "malformed argument"),
    ("E1\t", "no 'Type:Trigger'"),
    ("E1\tAge:T1", "has trigger T1 of type 'Observation'"),
    ("A1\tObservation-Type-Value E7 lab", "refers to E7, which is not defined"),
    ("A1\tObservation-Type-Value T1 lab extra", "malformed attribute"),
    ("R1\tAnd Arg1:T1 Arg2:T8", "refers to T8, which is not defined"),
    ("R1\tAnd Arg1:T1", "malformed relation"),
    ("*\tEquiv T1 T5", "equivalence refers to T5"),
    ("*\tEquiv", "malformed equivalence"),
    ("#1\tAnnotatorNotes T1 T2\tnote", "malformed note"),
    ("#1\tAnnotatorNotes T4\tnote", "refers to T4"),
    ("N1\tReference T1 UMLS\tx", "malformed normalisation"),
    ("N1\tReference T3 UMLS:C1\tx", "refers to T3"),
]


@pytest.mark.parametrize(("bad_line", "fragment"), BAD_LINES)
def test_each_bad_line_is_one_problem_on_its_line(tmp_path: Path, bad_line: str,
                                                  fragment: str) -> None:
    ann = f"T1\tObservation 0 14\tPlatelet count\n{bad_line}\n"
    doc, problems = read_brat(write(tmp_path, ann))
    assert len(problems) == 1, problems
    problem = problems[0]
    assert problem.line == 2 and fragment in problem.message
    assert problem.path == str(tmp_path / "doc.ann") and problem.kind == "error"
    assert "T1" in doc.textbounds  # the good line survives
    assert len(doc.textbounds) + len(doc.events) + len(doc.attributes) + len(doc.relations) \
        + len(doc.equivalences) + len(doc.notes) + len(doc.normalizations) == 1


def test_skipping_cascades_to_annotations_that_refer_to_a_skipped_one(tmp_path: Path) -> None:
    ann = "\n".join([
        "T1\tObservation 0 14\tPlatelet count",
        "T2\tEq-Comparison 15 29\t>= 100 x10^9/L",
        "T3\tEq-Value 18 21\tWRONG",                   # skipped: text differs
        "E1\tObservation:T1 Numeric-Filter:E2",        # skipped: E2 is skipped
        "E2\tEq-Comparison:T2 Value:T3",               # skipped: T3 is skipped
        "A1\tObservation-Type-Value E1 lab",           # skipped: E1 is skipped
    ])
    doc, problems = read_brat(write(tmp_path, ann))
    assert [p.line for p in sorted(problems, key=lambda p: p.line)] == [3, 4, 5, 6]
    by_line = {p.line: p.message for p in problems}
    assert "T3, which was skipped (line 3)" in by_line[5]
    assert "E2, which was skipped (line 5)" in by_line[4]
    assert "E1, which was skipped (line 4)" in by_line[6]
    assert set(doc.textbounds) == {"T1", "T2"} and not doc.events and not doc.attributes


def test_unknown_type_with_allowed_types(tmp_path: Path) -> None:
    ann = "T1\tObservation 0 14\tPlatelet count\nT2\tGizmo 18 21\t100\nE1\tGadget:T1\n"
    doc, problems = read_brat(write(tmp_path, ann), allowed_types={"Observation"})
    assert [(p.line, "'Gizmo'" in p.message or "'Gadget'" in p.message) for p in problems] \
        == [(2, True), (3, True)]
    assert set(doc.textbounds) == {"T1"}
    _, no_check = read_brat(write(tmp_path, ann))
    assert [p.line for p in no_check] == [3]  # without the conf only the trigger type clashes


def test_ann_without_txt_is_a_file_problem_and_spans_are_unchecked(tmp_path: Path) -> None:
    doc, problems = read_brat(write(tmp_path, "T1\tObservation 0 14\tanything\n", text=None))
    assert [(p.line, "no text file" in p.message) for p in problems] == [(None, True)]
    assert doc.text is None and doc.txt_path is None and "T1" in doc.textbounds


def test_undecodable_ann_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    ann_path = write(tmp_path, "")
    ann_path.write_bytes(b"T1\tObservation 0 14\t\xff\xfe\n")
    doc, problems = read_brat(ann_path)
    assert len(problems) == 1 and "not valid UTF-8" in problems[0].message
    assert not doc.textbounds


def test_read_brat_dir_is_sorted_recursive_and_reports_orphan_txt(tmp_path: Path) -> None:
    write(tmp_path, "T1\tObservation 0 14\tPlatelet count\n", name="b/two")
    write(tmp_path, "T1\tObservation 0 14\tPlatelet count\n", name="a/one")
    write(tmp_path, "T1\tObservation 0 14\tPlatelet count\n", name="a/zero")
    (tmp_path / "b" / "three.txt").write_text(TEXT, encoding="utf-8")
    results = list(read_brat_dir(tmp_path))
    assert [Path(d.ann_path).relative_to(tmp_path).as_posix() for d, _ in results] == \
        ["a/one.ann", "a/zero.ann", "b/three.ann", "b/two.ann"]
    orphan, orphan_problems = results[2]
    assert orphan.text == TEXT and not orphan.textbounds
    assert [p.kind for p in orphan_problems] == ["warning"]
    assert all(problems == [] for _, problems in results[:2] + results[3:])


def test_read_annotation_conf_of_the_shipped_lct() -> None:
    conf = read_annotation_conf(LCT_CONF)
    assert isinstance(conf, AnnotationConf)
    assert {"Eq-Value", "Eq-Operator", "Eq-Unit", "Observation-Name"} <= conf.entities
    assert {"Observation", "Age", "Eq-Comparison", "Negation"} <= conf.events
    assert {"Abbrev-Of", "And", "Or"} <= conf.relations
    assert {"Eq-Operator-Value", "Observation-Type-Value"} <= conf.attributes
    assert "Observation" in conf.span_types and "Eq-Value" in conf.span_types
    assert "Arg1:Age" not in conf.relations


def test_event_with_a_mistyped_trigger_is_skipped_and_so_is_what_refers_to_it(
        tmp_path: Path) -> None:
    ann = "T1\tObservation 0 14\tPlatelet count\nE1\tAge:T1\nA1\tNegated E1\n"
    doc, problems = read_brat(write(tmp_path, ann))
    assert [(p.line, p.message) for p in problems] == [
        (2, "event E1 of type 'Age' has trigger T1 of type 'Observation'"),
        (3, "A1 refers to E1, which was skipped (line 2)"),
    ]
    assert not doc.events and not doc.attributes
