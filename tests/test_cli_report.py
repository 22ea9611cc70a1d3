"""``eligex report compare``: exit codes, HTML, bad input."""

from __future__ import annotations


import pytest
from typer.testing import CliRunner
from report_records import scored_run, worse, write_json

from pipeline.cli.main import app


@pytest.fixture()
def run():
    return scored_run()


@pytest.fixture()
def cli():
    return CliRunner()



def test_cli_compare_exit_codes_and_html(run, cli, tmp_path):
    before = write_json(tmp_path / "before.json", run[0])
    after = write_json(tmp_path / "after.json", worse(run[0]))
    res = cli.invoke(app, ["report", "compare", str(before), str(after)])
    assert res.exit_code == 0, res.output
    assert "REGRESSIONS (F1 dropped): 1" in res.output and "entity label CONDITION" in res.output
    res = cli.invoke(app, ["report", "compare", str(before), str(after), "--fail-on-regression",
                           "--html", str(tmp_path / "diff.html")])
    assert res.exit_code == 1
    assert (tmp_path / "diff.html").read_text().startswith("<!DOCTYPE html>")
    res = cli.invoke(app, ["report", "compare", str(before), str(before), "--fail-on-regression"])
    assert res.exit_code == 0 and "no F1 dropped" in res.output


def test_cli_compare_bad_input(run, cli, tmp_path):
    good = write_json(tmp_path / "good.json", run[0])
    other = write_json(tmp_path / "other.json", {**run[0], "version": 99})
    res = cli.invoke(app, ["report", "compare", str(other), str(good)])
    assert res.exit_code == 2 and "metrics version 99" in res.output
    res = cli.invoke(app, ["report", "compare", str(good), str(good), "--html", str(tmp_path / "no" / "d.html")])
    assert res.exit_code == 2 and "does not exist" in res.output
    assert not (tmp_path / "no").exists()
