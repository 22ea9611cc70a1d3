"""pipeline.reporting.compare: what changed between two evaluation runs."""

from __future__ import annotations

import copy
import re

import pytest
from report_records import scored_run, worse

from pipeline.reporting import compare_lines, compare_metrics, render_compare_html


@pytest.fixture()
def run():
    return scored_run()


def test_compare_lists_regressions_first(run):
    before = run[0]
    cmp = compare_metrics(before, worse(before))
    assert cmp["regressions"] == 1 and cmp["improvements"] == 1
    first = cmp["f1"][0]
    assert (first["status"], first["section"], first["name"]) == ("regression", "entity label", "CONDITION")
    assert first["delta"] == pytest.approx(-0.1)
    assert cmp["f1"][1]["status"] == "improvement"
    rules = {r["rule"]: r for r in cmp["rules"]}
    assert cmp["rules"][0]["rule"] == "cond.bad" and rules["cond.bad"]["status"] == "worse"
    assert rules["cond.hiv"]["status"] == "better" and rules["unit.gl"]["status"] == "better"
    assert rules["meas.age"]["status"] == "same"
    lines = compare_lines(cmp)
    assert lines.index("REGRESSIONS (F1 dropped): 1") < next(i for i, l in enumerate(lines) if "IMPROVEMENTS" in l)
    assert lines[-1] == "1 F1 figure(s) dropped"
    assert cmp["same_rules"] and not cmp["warnings"]


def test_compare_tolerance_and_identical_runs(run):
    before = run[0]
    assert compare_metrics(before, before)["regressions"] == 0
    assert compare_metrics(before, worse(before), tolerance=0.2)["regressions"] == 0


def test_compare_warns_when_the_gold_sets_differ(run):
    before = run[0]
    after = copy.deepcopy(before)
    after["documents"] = 99
    assert "different gold sets" in compare_metrics(before, after)["warnings"][0]


def test_compare_html(run):
    before = run[0]
    html = render_compare_html(compare_metrics(before, worse(before)))
    assert html.startswith("<!DOCTYPE html>") and "default-src 'none'" in html and "<script" not in html
    assert "1 F1 figure(s) dropped" in html and 'id="chart-delta"' in html
    rows = re.findall(r'<tr class="(\w*)"><td>(\w+)</td>', re.search(r'id="table-f1".*?</table>', html, re.S).group(0))
    assert rows[0] == ("regression", "regression")
