"""``eligex explain`` and pipeline/explain/ (explanation, trace, text, html): rule ids with file:line, ConText, constraints, HTML."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rule_files import CONFIGS, defined_at
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.explain.explanation import build_explanation, token_span
from pipeline.explain.html import render_html
from pipeline.explain.text import render_text
from pipeline.explain.trace import explain_text
from pipeline.rules.sources import rule_sources

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "annotations" / "gold" / "seeds.jsonl"
TEXT = ("Cardiac function: Left ventricular ejection fraction (LVEF) ≥55%, "
        "no obvious abnormality in electrocardiogram;")


def gold_record(criterion_id: str) -> dict:
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec["criterion_id"] == criterion_id:
            return rec
    raise AssertionError(criterion_id)


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


# ----------------------------------------------------------------------------------------------
# pure functions
# ----------------------------------------------------------------------------------------------

def test_build_explanation_from_a_record_and_tokens():
    text = "Hb ≥ 9 g/dL; no fever"
    tokens = [{"i": i, "text": w, "start": s, "end": s + len(w), "sent_start": i in (0, 5)}
              for i, (w, s) in enumerate([("Hb", 0), ("≥", 3), ("9", 5), ("g/dL", 7), (";", 11), ("no", 13),
                                          ("fever", 16)])]
    record = {
        "criterion_id": "T-inc-01", "text": text,
        "entities": [
            {"id": 1, "label": "MEASUREMENT", "start": 0, "end": 2, "text": "Hb", "rule": "meas.hb", "norm": "hemoglobin"},
            {"id": 2, "label": "COMPARATOR", "start": 3, "end": 4, "text": "≥", "rule": "cmp.ge"},
            {"id": 3, "label": "VALUE", "start": 5, "end": 6, "text": "9", "rule": "value.number"},
            {"id": 4, "label": "CONDITION", "start": 16, "end": 21, "text": "fever", "rule": "abbrev.cond.fever",
             "negated": True},
        ],
        "relations": [{"id": 1, "from": 1, "to": 3, "type": "has_value"}],
        "constraints": [{"subject": "hemoglobin", "subject_text": "Hb", "subject_id": 1, "category": "lab",
                         "lower": {"value": 9, "inclusive": True}, "upper": None, "unit": "g/dL",
                         "unit_text": "g/dL", "scale_max": None, "negated": False, "condition": None,
                         "span": [0, 11], "rules": ["meas.hb", "cmp.ge", "value.number", "unit.mass"]}],
        "abbreviations": [],
    }
    modifiers = [{"category": "NEGATED_EXISTENCE", "rule": "neg.no", "cue": "no", "start": 13, "end": 15,
                  "scope": [16, 21], "targets": [[16, 21]]}]
    matched = record["entities"][:3] + [{"label": "UNIT", "start": 7, "end": 11, "text": "g/dL", "rule": "unit.mass"}]
    sources = {"meas.hb": "configs/entities/m.jsonl:3", "neg.no": "configs/context.jsonl:1",
               "cond.fever": "configs/entities/c.jsonl:9"}

    expl = build_explanation(record, tokens, modifiers, sources, matched=matched)

    hb = expl["entities"][0]
    assert (hb["rule"], hb["source"], hb["tokens"]) == ("meas.hb", "configs/entities/m.jsonl:3", [0, 1])
    assert expl["entities"][3]["source"] == "short form of configs/entities/c.jsonl:9"
    assert expl["entities"][3]["flags"] == {"negated": True}
    assert [d["rule"] for d in expl["dropped"]] == ["unit.mass"]
    mod = expl["modifiers"][0]
    assert (mod["cue"], mod["rule"], mod["source"], mod["scope_text"]) == ("no", "neg.no", "configs/context.jsonl:1", "fever")
    assert mod["targets"] == [{"start": 16, "end": 21, "text": "fever"}]
    c = expl["constraints"][0]
    assert (c["bound"], c["unit"], c["subject_span"]) == ("≥ 9", "g/dL", [0, 2])
    assert [r["id"] for r in c["rules"]] == ["meas.hb", "cmp.ge", "value.number", "unit.mass"]
    assert c["rules"][0]["source"] == "configs/entities/m.jsonl:3"
    assert expl["relations"] == [{"type": "has_value", "from": "Hb", "from_id": 1, "to": "9", "to_id": 3}]
    json.dumps(expl)  # plain data

    view = render_text(expl)
    assert "meas.hb" in view and "configs/entities/m.jsonl:3" in view
    assert "cue 'no'" in view and "targets: 'fever'" in view


def test_token_span():
    tokens = [{"i": 0, "start": 0, "end": 3}, {"i": 1, "start": 4, "end": 6}, {"i": 2, "start": 6, "end": 7}]
    assert token_span(tokens, 4, 7) == [1, 3]
    assert token_span(tokens, 3, 4) is None


def test_explain_text_with_the_pipeline(nlp):
    expl = explain_text(nlp, TEXT, rule_sources(CONFIGS))
    by_text = {e["text"]: e for e in expl["entities"]}
    assert by_text["Left ventricular ejection fraction"]["rule"] == "meas.lvef"
    assert by_text["LVEF"]["source"].endswith(defined_at("meas.lvef.abbr"))
    assert by_text["electrocardiogram"]["flags"].get("negated") is True
    neg = [m for m in expl["modifiers"] if m["category"] == "NEGATED_EXISTENCE"]
    assert [(m["cue"], m["rule"]) for m in neg] == [("no", "neg.no")]
    assert neg[0]["targets"][0]["text"] == "electrocardiogram"
    assert ("LVEF", "Left ventricular ejection fraction") in {(a["short_text"], a["long_text"]) for a in expl["abbreviations"]}
    (c,) = expl["constraints"]
    assert (c["subject"], c["lower"], c["upper"], c["unit"]) == ("lvef", {"value": 55, "inclusive": True}, None, "%")
    assert {"meas.lvef.abbr", "cmp.ge_symbol", "value.number"} <= {r["id"] for r in c["rules"]}
    assert [t["text"] for t in expl["tokens"][3:7]] == ["Left", "ventricular", "ejection", "fraction"]
    assert by_text["Left ventricular ejection fraction"]["tokens"] == [3, 7]


# ----------------------------------------------------------------------------------------------
# the command
# ----------------------------------------------------------------------------------------------

def test_explain_command_text_view(runner):
    result = runner.invoke(app, ["explain", TEXT])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "meas.lvef" in out and defined_at("meas.lvef") in out
    assert re.search(r"NEGATED_EXISTENCE\s+cue 'no'.*neg\.no", out)
    assert "targets: 'electrocardiogram'" in out
    assert "LVEF = Left ventricular ejection fraction" in out
    assert "1. lvef  ≥ 55 %" in out
    assert "8:LVEF" in out  # tokens with their indices


def test_explain_command_json(runner):
    result = runner.invoke(app, ["explain", TEXT, "--json"])
    assert result.exit_code == 0, result.output
    expl = json.loads(result.stdout)
    assert {"tokens", "entities", "modifiers", "abbreviations", "constraints"} <= set(expl)
    assert any(e["rule"] == "meas.ecg" for e in expl["entities"])


def test_explain_reads_the_criterion_from_stdin(runner):
    """'-' takes the criterion from standard input (a pipe from another command); its trailing
    newline is not part of the text, a wrapped criterion keeps its lines."""
    result = runner.invoke(app, ["explain", "-", "--json"], input=TEXT + "\n")
    assert result.exit_code == 0, result.output
    expl = json.loads(result.stdout)
    assert expl["text"] == TEXT
    assert any(e["rule"] == "meas.ecg" for e in expl["entities"])
    wrapped = "Hemoglobin of less than\n   9 g/dL\n"
    result = runner.invoke(app, ["explain", "-", "--json"], input=wrapped)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["text"] == wrapped.rstrip("\n")


@pytest.mark.parametrize("data, message", [(b"", "empty"), (b"  \n", "empty"),
                                           (b"Hb \xff 9", "not valid UTF-8 (byte 0xff at offset 3)")])
def test_explain_stdin_bad_input_is_a_clear_error(runner, data, message):
    result = runner.invoke(app, ["explain", "-"], input=data)
    assert result.exit_code == 2
    assert "<stdin>" in result.stderr and message in result.stderr


def test_explain_command_html(runner, tmp_path):
    out = tmp_path / "sub" / "explain.html"
    result = runner.invoke(app, ["explain", TEXT, "--html", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "Left ventricular ejection fraction" in page
    assert 'class="spans"' in page and "meas.lvef" in page and "neg.no" in page
    assert not re.search(r"<script[^>]*\bsrc\s*=\s*[\"']?(https?:)?//", page, re.I)
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?(https?:)?//", page, re.I)
    assert "http://" not in page and "https://" not in page
    assert [p.name for p in out.parent.iterdir()] == ["explain.html"]  # no temporary file left


def test_html_escapes_the_criterion_text(nlp):
    page = render_html(explain_text(nlp, "<script>alert(1)</script> hemoglobin ≥ 9 g/dL"))
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def test_explain_a_gold_criterion(runner):
    rec = gold_record("NCT06056921-inc-20")
    result = runner.invoke(app, ["explain", "--criterion-id", "NCT06056921-inc-20", "--gold", str(GOLD), "--json"])
    assert result.exit_code == 0, result.output
    expl = json.loads(result.stdout)
    assert expl["text"] == rec["text"]
    assert expl["criterion_id"] == "NCT06056921-inc-20"
    assert "evaluation" in expl and isinstance(expl["evaluation"]["errors"], list)
    text_view = runner.invoke(app, ["explain", "--criterion-id", "NCT06056921-inc-20", "--gold", str(GOLD)])
    assert "against gold" in text_view.stdout


def test_explain_from_an_extract_output(runner, tmp_path):
    stored = {"trial_id": "T1", "criterion_id": "T1-inc-02", "section": "inclusion", "text": "hemoglobin ≥60g/L",
              "constraints": [{"subject": "hemoglobin", "lower": {"value": 50, "inclusive": True}, "upper": None,
                               "unit": "g/L", "scale_max": None, "condition": None, "negated": False}]}
    path = tmp_path / "out.jsonl"
    path.write_text("not json\n" + json.dumps({"criterion_id": "T1-inc-01", "text": "x"}) + "\n"
                    + json.dumps(stored) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["explain", "--input", str(path), "--criterion-id", "T1-inc-02"])
    assert result.exit_code == 0, result.output
    assert "criterion T1-inc-02 (inclusion)" in result.stdout
    assert "meas.hemoglobin" in result.stdout
    # the stored record says ≥ 50; the current rules say ≥ 60: the difference is noted
    assert "stored record has hemoglobin ≥ 50 g/L" in result.stdout
    assert "the current rules give hemoglobin ≥ 60 g/L" in result.stdout


@pytest.mark.parametrize("args, message", [
    ([], "exactly one of"),
    (["some text", "--gold", str(GOLD)], "exactly one of"),
    (["--gold", str(GOLD)], "need --criterion-id"),
    (["--gold", str(GOLD), "--criterion-id", "NCT-nope"], "no gold criterion with id 'NCT-nope'"),
    (["--input", "/nonexistent/out.jsonl", "--criterion-id", "x"], "no such file"),
])
def test_explain_usage_errors(runner, args, message):
    result = runner.invoke(app, ["explain", *args])
    assert result.exit_code == 2
    assert message in result.output
