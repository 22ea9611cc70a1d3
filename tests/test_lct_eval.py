"""The pipeline scored on the shipped LCT corpus (never ../shared).

A fast slice (batch1) guards against regressions; the whole development part, behind the ``slow``
marker (it runs in ``make test`` too), checks the issue's targets.
"""

from pathlib import Path

import pytest

from pipeline.evaluation.gold import load_gold

from pipeline.evaluation.metrics import MEASUREMENT_CATEGORIES, combined, evaluate_records
from pipeline.components.units import default_normalizer

LCT = Path(__file__).resolve().parents[1] / "annotations" / "external" / "lct"


def score(extractor, path):
    records, problems, info = load_gold(path, "brat-lct")
    preds = extractor.process_texts([r["text"] for r in records])
    metrics, errors = evaluate_records(records, preds, default_normalizer().normalize)
    return metrics, errors, records, preds


def measurement_figures(metrics):
    """P/R/F1 over the measurement categories, which carry the targets of the old issues."""
    return combined(metrics["constraints"]["per_category"], MEASUREMENT_CATEGORIES)


def test_slice_batch1(extractor):
    metrics, errors, records, preds = score(extractor, LCT / "batch1")
    c = measurement_figures(metrics)
    assert len(records) > 500
    assert c["precision"] >= 0.88 and c["recall"] >= 0.80, c
    # time windows and counts (issue #13) are scored beside them: every mapped gold bound counted
    per = metrics["constraints"]["per_category"]
    for cat in ("temporal", "count"):
        n = sum((x["lower"] is not None) + (x["upper"] is not None)
                for r in records for x in r["constraints"] if x["category"] == cat)
        assert n > 0 and per[cat]["tp"] + per[cat]["fn"] == n, cat
    assert metrics["negation"]["cue"]["f1"] >= 0.70
    # every predicted entity and constraint span is valid in its text
    for rec in preds:
        for e in rec["entities"]:
            assert rec["text"][e["start"]:e["end"]] == e["text"]
        for con in rec["constraints"]:
            assert 0 <= con["span"][0] < con["span"][1] <= len(rec["text"])
    # every error names its criterion; constraint errors say which part failed
    kinds = {e["kind"] for e in errors}
    assert {"constraint_subject_missed", "constraint_spurious"} <= kinds
    assert all(e["criterion_id"] and e["text"] for e in errors)


@pytest.mark.slow
def test_whole_development_part_meets_targets(extractor):
    metrics, _, records, _ = score(extractor, LCT)
    c = measurement_figures(metrics)
    assert len(records) > 5000
    assert c["precision"] >= 0.90, c
    assert c["recall"] >= 0.80, c
    assert metrics["negation"]["cue"]["f1"] >= 0.80, metrics["negation"]["cue"]
