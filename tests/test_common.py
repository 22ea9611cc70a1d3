"""pipeline.reporting.common: the run stamp and the metrics file check."""

from __future__ import annotations

import copy
import re

import pytest
from report_records import scored_run

from pipeline.evaluation.metrics import METRICS_VERSION
from pipeline.reporting import ReportError, check_metrics, load_metrics, render_report, stamp_metrics
from pipeline.rules.hashing import rules_hash


@pytest.fixture()
def run():
    return scored_run()


def test_stamp_puts_version_pipeline_version_hash_and_date_first():
    from pipeline import __version__

    stamped = stamp_metrics({"version": METRICS_VERSION, "documents": 3, "entities": {}})
    assert list(stamped)[:5] == ["version", "pipeline_version", "rules_hash", "date", "documents"]
    assert stamped["pipeline_version"] == __version__
    assert stamped["rules_hash"] == rules_hash()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamped["date"])


@pytest.mark.parametrize("bad, message", [
    ([1, 2], "not an eligex metrics file"),
    ({"documents": 3}, 'no "version"'),
    ({"version": METRICS_VERSION + 1, "documents": 3}, f"metrics version {METRICS_VERSION + 1}"),
    ({"version": METRICS_VERSION, "documents": 3}, "missing entities"),
])
def test_bad_metrics_are_refused_with_a_reason(bad, message):
    with pytest.raises(ReportError, match=re.escape(message)):
        check_metrics(bad, "x.json")


def test_empty_evaluation_is_refused(run):
    metrics = copy.deepcopy(run[0])
    metrics["documents"] = 0
    with pytest.raises(ReportError, match="no gold records"):
        check_metrics(metrics)
    with pytest.raises(ReportError, match="no gold records"):
        render_report(run[0], [], [], [])


def test_load_metrics_bad_files(tmp_path):
    with pytest.raises(ReportError, match="no such file"):
        load_metrics(tmp_path / "missing.json")
    (tmp_path / "broken.json").write_text("{nope")
    with pytest.raises(ReportError, match="not JSON"):
        load_metrics(tmp_path / "broken.json")
