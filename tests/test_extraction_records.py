"""extraction/records.py: the records of a whole trial, completed together — the items of a list
inherit the condition of the criterion that opens it (``inherit_conditions``)."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.extraction.records import INHERITED_CONDITION_RULE, inherit_conditions
from pipeline.extraction.run import process_items
from pipeline.ingest.readers import InputDoc

ROOT = Path(__file__).resolve().parents[1]
CONFIG = json.loads((ROOT / "configs" / "constraints.json").read_text(encoding="utf-8"))
PATTERNS = CONFIG["condition_scope"] + CONFIG["list_condition_scope"]


def record(cid, text, parent=None, cond=None, constraints=()):
    ents = []
    if cond:
        start = text.index(cond)
        ents.append({"id": 1, "label": "CONDITION", "start": start, "end": start + len(cond), "text": cond})
    return {"criterion_id": cid, "text": text, "parent": parent, "entities": ents,
            "constraints": [dict(c, rules=["r"]) for c in constraints]}


def bound(subject, category="lab", condition=None):
    return {"subject": subject, "category": category, "condition": condition}


def test_items_inherit_through_nested_lists():
    recs = [
        record("T-01", "Disease activity meets the following requirements:"),
        record("T-02", "SLEDAI score ≥8 for SLE patients;", "T-01", "SLE", [bound("SLEDAI", "score", "SLE")]),
        record("T-03", "Patients with DM who have been diagnosed for at least 1 year and meet the following:",
               "T-01", "DM"),
        record("T-04", "MMT-8 is less than 125/150, and the following criteria:", "T-03", None,
               [bound("MMT-8", "score"), bound("age", "age")]),
        record("T-05", "CK ≥ 1.3 ULN", "T-04", None, [bound("creatine kinase")]),
        record("T-06", "ECOG 0~1 score;", None, None, [bound("ECOG", "score")]),
    ]
    inherit_conditions(recs, PATTERNS)
    got = {(r["criterion_id"], c["subject"]): (c["condition"], c.get("condition_from"), c["rules"][-1])
           for r in recs for c in r["constraints"]}
    assert got == {
        ("T-02", "SLEDAI"): ("SLE", None, "r"),  # its own scope, untouched; its parent has none
        ("T-04", "MMT-8"): ("DM", "T-03", INHERITED_CONDITION_RULE),
        ("T-04", "age"): (None, None, "r"),  # ages are never scoped to a condition
        ("T-05", "creatine kinase"): ("DM", "T-03", INHERITED_CONDITION_RULE),  # through T-04
        ("T-06", "ECOG"): (None, None, "r"),
    }


def test_an_item_keeps_its_own_condition():
    recs = [record("T-01", "Patients with DM who meet the following:", None, "DM"),
            record("T-02", "VAS ≥ 3 cm for RA patients", "T-01", "RA", [bound("VAS", "score", "RA")])]
    inherit_conditions(recs, PATTERNS)
    assert recs[1]["constraints"][0]["condition"] == "RA" and "condition_from" not in recs[1]["constraints"][0]


def test_the_seed_s_dm_items_carry_dm(extractor):
    path = ROOT / "annotations" / "seeds" / "NCT06056921.txt"
    [result] = process_items([InputDoc("NCT06056921", path.read_text(encoding="utf-8"), str(path), 1)], extractor)
    by_id = {r["criterion_id"]: r for r in result.records}
    opener = next(r for r in result.records if r["text"].startswith("Patients with DM who"))
    [mmt] = [c for r in result.records for c in r["constraints"] if c["subject"] == "MMT-8"]
    assert (mmt["condition"], mmt["condition_from"]) == ("DM", opener["criterion_id"])
    assert mmt["rules"][-1] == INHERITED_CONDITION_RULE
    for r in result.records:  # every inherited condition comes from an ancestor of its criterion
        for c in r["constraints"]:
            if c.get("condition_from"):
                up = r
                while up["criterion_id"] != c["condition_from"]:
                    up = by_id[up["parent"]]
    sledai = [c for r in result.records for c in r["constraints"] if c["subject"] == "SLEDAI"]
    assert [c["condition"] for c in sledai] == ["SLE"] and "condition_from" not in sledai[0]
