"""Segmentation scoring (pipeline/evaluation/boundaries.py) and its gold."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.evaluation.boundaries import load_boundaries, score
from pipeline.ingest.sections import compile_heading_rules
from pipeline.rules.loading import load_rules

ROOT = Path(__file__).resolve().parents[1]
RULES = compile_heading_rules(load_rules(ROOT / "configs" / "sections.jsonl", "section", strict=True)[0])
TEXT = "Inclusion Criteria:\n- Age ≥ 18 and\n  over\nPart A:\n- ECOG 0-1\n"


def crit(sub, population=None, parent=None, text=TEXT):
    start = text.index(sub)
    return {"start": start, "end": start + len(sub), "population": population, "parent": parent}


def test_exact_boundaries_population_and_parent():
    gold = [{"id": "T", "text": TEXT, "criteria": [crit("Age ≥ 18 and\n  over"), crit("ECOG 0-1", "part a")]}]
    metrics, errors = score(gold, RULES)
    assert metrics["boundaries"]["f1"] == 1.0 and metrics["population_accuracy"] == 1.0 and errors == []
    gold[0]["criteria"][1]["population"] = None
    gold[0]["criteria"][0]["end"] -= 4  # a criterion cut at the wrap is a miss and a spurious one
    metrics, errors = score(gold, RULES)
    b = metrics["boundaries"]
    assert (b["tp"], b["fp"], b["fn"]) == (1, 1, 1) and metrics["population_accuracy"] == 0.0
    assert {e["kind"] for e in errors} == {"missed", "spurious", "population"}


def test_bad_gold_lines_are_problems(tmp_path):
    f = tmp_path / "g.jsonl"
    f.write_text(json.dumps({"id": "T", "text": "abc", "criteria": [{"start": 0, "end": 9}]}) + "\n{\n",
                 encoding="utf-8")
    trials, problems = load_boundaries(f)
    assert trials == [] and [p.line for p in problems] == [1, 2]


def test_the_gold_is_up_to_date_with_the_reading_notes_and_scores_through_the_cli(tmp_path):
    check = subprocess.run([sys.executable, str(ROOT / "scripts" / "segmentation_gold.py"), "--check"],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    out = tmp_path / "m.json"
    result = CliRunner().invoke(app, ["evaluate", "--gold", str(ROOT / "annotations" / "segmentation"),
                                      "--format", "segmentation", "--json", str(out)])
    assert result.exit_code == 0, result.output
    metrics = json.loads(out.read_text(encoding="utf-8"))
    assert metrics["trials"] >= 6 and metrics["boundaries"]["f1"] >= 0.97
