"""Our hand-annotated gold for the two sample trials: the issue's targets, via the CLI."""

import json
from pathlib import Path

from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.evaluation.metrics import CATEGORIES, MEASUREMENT_CATEGORIES, combined

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "annotations" / "gold" / "seeds.jsonl"


def test_evaluate_seed_gold(tmp_path):
    out, errs = tmp_path / "m.json", tmp_path / "e.jsonl"
    res = CliRunner().invoke(app, ["evaluate", "--gold", str(GOLD), "--json", str(out), "--errors", str(errs)])
    assert res.exit_code == 0, res.output
    m = json.loads(out.read_text())
    for key in ("entities", "relations", "constraints", "negation"):
        assert {"precision", "recall", "f1", "tp", "fp", "fn"} <= set(m[key])
    # the measurement categories keep their target; time windows, durations, counts and grades
    # (issue #13) are scored beside them, whatever the pipeline produces today
    per = m["constraints"]["per_category"]
    assert combined(per, MEASUREMENT_CATEGORIES)["f1"] >= 0.97
    assert list(per) == list(CATEGORIES)
    gold = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()]
    for cat in ("temporal", "duration", "count", "grade"):  # every gold bound is counted
        n = sum((c["lower"] is not None) + (c["upper"] is not None)
                for r in gold for c in r["constraints"] if c["category"] == cat)
        assert n > 0 and per[cat]["tp"] + per[cat]["fn"] == n, cat
    anchored = m["constraints"]["anchored"]
    assert anchored["anchor"]["total"] == per["temporal"]["tp"]  # every seed window has its anchor
    scores = m["constraints"]["score_thresholds"]
    assert scores["total"] >= 13 and scores["right"] == scores["total"]
    assert m["entities"]["per_label"]["MEASUREMENT"]["recall"] >= 0.9
    for line in errs.read_text().splitlines():
        e = json.loads(line)
        assert e["criterion_id"] and e["kind"]


def test_evaluate_seed_gold_for_some_categories(tmp_path):
    out = tmp_path / "m.json"
    res = CliRunner().invoke(app, ["evaluate", "--gold", str(GOLD), "--json", str(out),
                                   "--categories", "temporal,count"])
    assert res.exit_code == 0, res.output
    c = json.loads(out.read_text())["constraints"]
    assert list(c["per_category"]) == ["temporal", "count"] and c["categories"] == ["count", "temporal"]
    assert c["tp"] + c["fn"] == sum(c["per_category"][k]["tp"] + c["per_category"][k]["fn"] for k in ("temporal", "count"))
    assert "only the constraint categories count, temporal" in res.output


def test_gold_offsets_match_sources():
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        source = (ROOT / rec["source"]).read_text(encoding="utf-8")
        assert source[rec["offset"]:rec["offset"] + len(rec["text"])] == rec["text"]
        for e in rec["entities"]:
            assert 0 <= e["start_offset"] < e["end_offset"] <= len(rec["text"])


def test_extract_seeds_cli(tmp_path):
    out = tmp_path / "x.jsonl"
    res = CliRunner().invoke(app, ["extract", str(ROOT / "annotations" / "seeds"), "-o", str(out), "--table"])
    assert res.exit_code == 0, res.output
    recs = [json.loads(l) for l in out.read_text().splitlines()]
    assert {r["trial_id"] for r in recs} == {"NCT06056921", "NCT06569472"}
    subjects = {(c["subject"], c["condition"]) for r in recs for c in r["constraints"]}
    assert {("SLEDAI", "SLE"), ("ESSDAI", "SS"), ("mRSS", "SSc"), ("BVAS", "ANCA-AAV"), ("MMT-8", "DM")} <= subjects  # MMT-8: a sub-item of "Patients with DM …:"
    assert "SLEDAI" in res.output  # the readable table


def test_seed_gold_against_itself_scores_every_category_perfectly():
    """The scoring machinery of every category, anchors included, on records in the output's shape."""
    from pipeline.components.units import default_normalizer
    from pipeline.evaluation.metrics import evaluate_records

    gold = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()]
    preds = [{"text": g["text"], "entities": [], "relations": [],
              "constraints": [{**c, "span": c["subject_span"], "rules": ["gold"]} for c in g["constraints"]]}
             for g in gold]
    m, _ = evaluate_records([{**g, "annotated": ["constraints"]} for g in gold], preds, default_normalizer().normalize)
    c = m["constraints"]
    assert all(v["f1"] == 1.0 for v in c["per_category"].values()), c["per_category"]
    assert c["anchor_accuracy"] == c["direction_accuracy"] == c["category_accuracy"] == 1.0
    assert c["anchored"]["anchor"]["total"] == c["per_category"]["temporal"]["tp"] == 13
