"""Our hand-annotated gold for the two sample trials: the issue's targets, via the CLI."""

import json
from pathlib import Path

from typer.testing import CliRunner

from pipeline.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "annotations" / "gold" / "seeds.jsonl"


def test_evaluate_seed_gold(tmp_path):
    out, errs = tmp_path / "m.json", tmp_path / "e.jsonl"
    res = CliRunner().invoke(app, ["evaluate", "--gold", str(GOLD), "--json", str(out), "--errors", str(errs)])
    assert res.exit_code == 0, res.output
    m = json.loads(out.read_text())
    for key in ("entities", "relations", "constraints", "negation"):
        assert {"precision", "recall", "f1", "tp", "fp", "fn"} <= set(m[key])
    assert m["constraints"]["f1"] >= 0.97
    scores = m["constraints"]["score_thresholds"]
    assert scores["total"] >= 13 and scores["right"] == scores["total"]
    assert m["entities"]["per_label"]["MEASUREMENT"]["recall"] >= 0.9
    for line in errs.read_text().splitlines():
        e = json.loads(line)
        assert e["criterion_id"] and e["kind"]


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
