"""``eligex evaluate``: report targets checked first, reports and stamped JSON written."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner
from report_records import REPO, page_data

from pipeline.cli.main import app
from pipeline.rules.hashing import rules_hash


@pytest.fixture()
def cli():
    return CliRunner()


def test_cli_evaluate_refuses_a_report_in_a_missing_folder_before_running(cli, tmp_path):
    res = cli.invoke(app, ["evaluate", "--gold", str(REPO / "annotations/gold/seeds.jsonl"),
                           "--report", str(tmp_path / "missing" / "r.html"), "--model", str(tmp_path / "no-model")])
    assert res.exit_code == 2
    assert "--report" in res.output and "does not exist" in res.output
    assert list(tmp_path.iterdir()) == []


def test_cli_evaluate_empty_gold_writes_no_report(cli, tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    res = cli.invoke(app, ["evaluate", "--gold", str(empty), "--report", str(tmp_path / "r.html"),
                           "--markdown", str(tmp_path / "r.md")])
    assert res.exit_code == 2 and "no gold records" in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.jsonl"]


MODEL = REPO / "models" / "eligex"


@pytest.mark.skipif(not (MODEL / "config.cfg").exists(), reason="models/eligex not built (make model)")
def test_cli_evaluate_report_markdown_and_stamped_json(cli, tmp_path):
    gold = REPO / "annotations/gold/seeds.jsonl"
    plain = cli.invoke(app, ["evaluate", "--gold", str(gold)])
    res = cli.invoke(app, ["evaluate", "--gold", str(gold), "--json", str(tmp_path / "m.json"),
                           "--errors", str(tmp_path / "e.jsonl"), "--report", str(tmp_path / "r.html"),
                           "--markdown", str(tmp_path / "m.md")])
    assert res.exit_code == 0, res.output
    # the terminal summary is unchanged by the new options
    assert res.stdout == plain.stdout
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert list(metrics)[:4] == ["version", "pipeline_version", "rules_hash", "date"]
    assert metrics["rules_hash"] == rules_hash()
    html = (tmp_path / "r.html").read_text()
    n_errors = len((tmp_path / "e.jsonl").read_text().splitlines())
    assert len(page_data(html)["errors"]) == n_errors
    assert metrics["rules_hash"] in html
    assert (tmp_path / "m.md").read_text().startswith("# eligex evaluation")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.jsonl", "m.json", "m.md", "r.html"]
    res = cli.invoke(app, ["evaluate", "--gold", str(gold), "--markdown", "-"])
    assert res.exit_code == 0 and res.stdout.startswith(plain.stdout) and "## Headline" in res.stdout


def test_unknown_category_is_a_usage_error_before_the_run(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli.main import app

    gold = tmp_path / "g.jsonl"
    gold.write_text('{"text": "x", "entities": [], "relations": []}\n', encoding="utf-8")
    res = CliRunner().invoke(app, ["evaluate", "--gold", str(gold), "--categories", "lab,temporl"])
    assert res.exit_code == 2
    assert "temporl" in res.output and "known: age" in res.output
