"""Coverage without gold (pipeline/evaluation/coverage.py, pipeline/reporting/coverage.py, eligex coverage)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.core.paths import configs_dir
from pipeline.evaluation.coverage import (CoverageRules, find_comparisons, measure, phrase_shape, tokenize)
from pipeline.reporting.coverage import coverage_lines, render_coverage_html

RULES = CoverageRules.from_file(configs_dir() / "coverage.json")


def comparisons(text):
    return [text[c.start:c.end] for c in find_comparisons(tokenize(text), RULES)]


@pytest.mark.parametrize("text, expected", [
    ("hemoglobin ≥60g/L", ["≥60"]),
    ("age at least 18 years", ["at least 18"]),
    ("18 years or older", ["18 years or older"]),
    ("creatinine > = 2 mg/dL", ["> = 2"]),
    ("greater than (>) 4.5", ["greater than (>) 4.5"]),
    ("within 4 weeks before screening", ["within 4"]),
    ("at least three prior regimens", ["at least three"]),
    ("3 or more swollen joints and 2 or more tender joints", ["3 or more", "2 or more"]),
    ("ALT < 2.5 x ULN and AST <= 3 x ULN", ["< 2.5", "<= 3"]),
    ("grade 2 or above was present within 2 weeks", ["2 or above", "within 2"]),
])
def test_finds_comparisons(text, expected):
    assert comparisons(text) == expected


@pytest.mark.parametrize("text", [
    "Inclusion criteria: 1. signed informed consent",  # an enumerator is no comparison
    "HIV infection",
    "above the knee amputation",  # a comparator word with no number near it
    "less than normal renal function; 3 lines",  # the clause ends before the number
    "= 5",  # a lone '=' is not a comparator
    "more than anyone could ever want is above all of the usual ten",  # beyond the gap
])
def test_finds_no_comparison(text):
    assert comparisons(text) == []


def test_offsets_are_valid_on_odd_text():
    text = "x\u00a0≥\t7\r\n≤ ５ ≥≥≥ 1e9 − 3 …"
    for tok in tokenize(text):
        assert text[tok.start:tok.end] == tok.text
    for c in find_comparisons(tokenize(text), RULES):
        assert 0 <= c.start <= c.num_start < c.num_end <= len(text)


def test_linear_in_the_text():
    """Work is bounded per token: a text 4 times longer finds 4 times the comparisons."""
    unit = "AST < 3 x ULN and at least 2 lines within 4 weeks; "
    one = find_comparisons(tokenize(unit * 100), RULES)
    four = find_comparisons(tokenize(unit * 400), RULES)
    assert len(four) == 4 * len(one) == 4 * 300


@pytest.mark.parametrize("text, entities, shape", [
    ("Sinus tachycardia ≥120 bpm.", [], "CMP NUM UNIT?"),
    ("creatinine ≤ 2.0 mg/dL", [{"start": 0, "end": 10, "label": "MEASUREMENT"},
                                  {"start": 15, "end": 22, "label": "UNIT"}], "SUBJ CMP NUM UNIT"),
    ("within 12 months prior to inclusion", [], "CMP NUM TIME prior to"),  # three words after the number
    ("at least three prior regimens", [], "CMP NUM-word prior WORD"),
    ("ALT < 2 x upper limit of normal", [], "CMP NUM x WORD"),
    ("3 or more swollen joints", [], "NUM CMP"),
])
def test_phrase_shape(text, entities, shape):
    tokens = tokenize(text)
    (first, *_) = find_comparisons(tokens, RULES)
    assert phrase_shape(tokens, first, entities, RULES) == shape


def record(text, constraints=(), entities=(), cid="T-inc-01", origin="text"):
    return {"trial_id": "T", "criterion_id": cid, "text": text, "constraints": list(constraints),
            "entities": list(entities), "origin": origin}


def test_measure_counts_and_groups():
    records = [
        record("hemoglobin ≥ 9 g/dL", [{"span": [0, 19]}], cid="T-inc-01"),
        record("within 4 weeks before screening", cid="T-inc-02"),
        record("within 6 months before screening and within 2 weeks of dosing", cid="T-inc-03"),
        record("HIV infection", cid="T-exc-01"),
        record("age ≥ 18", [{"span": [0, 8]}], cid="T-structured", origin="structured"),
    ]
    report = measure(records, RULES)
    assert (report.criteria, report.with_comparison, report.covered) == (4, 3, 1)
    assert (report.expressions, report.matched) == (4, 1)
    assert report.coverage == pytest.approx(1 / 3)
    top = report.ranked()[0]
    assert top.shape == "CMP NUM TIME before WORD"
    assert (top.criteria, top.expressions) == (2, 2)  # T-inc-02 and T-inc-03's first phrase
    assert {ex["criterion_id"] for ex in top.examples} == {"T-inc-02", "T-inc-03"}
    for ex in top.examples:
        start, end = ex["span"]
        assert ex["text"][start:end].startswith("within")
    doc = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert doc["shapes"][0]["shape"] == top.shape


def test_reports_render():
    report = measure([record("within 4 weeks <b>before</b>"), record("≥ 5 mg", [{"span": [0, 6]}])], RULES)
    lines = coverage_lines(report)
    assert lines[0].startswith("criteria: 2; with a comparison: 2; covered (>= 1 constraint): 1 = 50.0%")
    assert any("[within 4]" in line for line in lines)
    page = render_coverage_html(report)
    assert "<b>" not in page and "&lt;b&gt;" in page  # criterion text is escaped
    assert "<mark>within 4</mark>" in page


def test_rules_file_rejects_a_misspelt_key(tmp_path):
    from pipeline.rules.loading import RuleError

    data = json.loads((configs_dir() / "coverage.json").read_text())
    data["comparator_word"] = data.pop("comparator_words")
    bad = tmp_path / "coverage.json"
    bad.write_text(json.dumps(data, indent=1))
    with pytest.raises(RuleError, match="comparator_word"):
        CoverageRules.from_file(bad)


@pytest.mark.parametrize("data, message", [
    ({"comparator_words": "at least"}, "'comparator_words' must be a list"),
    ({"max_gap_words": -1}, "'max_gap_words' must be a non-negative integer"),
])
def test_rules_file_errors_name_the_key(data, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        CoverageRules.from_json(data, "configs/coverage.json")


def test_cli_on_raw_input_and_on_extract_output(tmp_path):
    runner = CliRunner()
    raw = tmp_path / "trials.jsonl"
    raw.write_text("\n".join(json.dumps(r) for r in [
        {"id": "NCT1", "text": "Inclusion Criteria:\n- hemoglobin >= 9 g/dL\n- within 4 weeks before screening"},
        {"id": "NCT2", "text": "Exclusion Criteria:\n- HIV infection"},
    ]) + "\n")
    html = tmp_path / "cov.html"
    out = tmp_path / "cov.json"
    result = runner.invoke(app, ["coverage", str(raw), "--html", str(html), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "criteria: 3; with a comparison: 2; covered (>= 1 constraint): 1 = 50.0%" in result.output
    counts = json.loads(out.read_text())
    assert counts["shapes"][0]["examples"][0]["trial_id"] == "NCT1"
    assert "<mark>within 4</mark>" in html.read_text()
    # the same figures from eligex extract's output
    records = tmp_path / "out.jsonl"
    assert runner.invoke(app, ["extract", str(raw), "-o", str(records), "-q"]).exit_code == 0
    again = runner.invoke(app, ["coverage", str(records)])
    assert again.exit_code == 0
    assert again.output.splitlines()[0] == result.output.splitlines()[0]


def test_cli_names_bad_lines(tmp_path):
    records = tmp_path / "out.jsonl"
    good = record("within 4 weeks")
    records.write_text(json.dumps(good) + "\n{not json\n")
    result = CliRunner().invoke(app, ["coverage", str(records)])
    assert result.exit_code == 1
    assert f"{records}:2" in result.output
