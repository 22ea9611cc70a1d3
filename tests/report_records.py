"""Records the report tests share, scored with the real ``evaluate_records``, so the metrics and
error lines have exactly the shape ``eligex evaluate`` writes."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

from pipeline.evaluation.metrics import evaluate_records
from pipeline.reporting import stamp_metrics

REPO = Path(__file__).resolve().parents[1]
XSS = "</script><script>window.__pwned=1</script><b>"


def span(text: str, frag: str, start: int = 0) -> list:
    i = text.index(frag, start)
    return [i, i + len(frag)]


def gold_ent(i: int, label: str, s: list) -> dict:
    return {"id": i, "label": label, "start_offset": s[0], "end_offset": s[1]}


def pred_ent(i: int, label: str, s: list, text: str, rule: str) -> dict:
    return {"id": i, "label": label, "start": s[0], "end": s[1], "text": text[s[0]:s[1]], "rule": rule,
            "negated": False}


def make_records() -> tuple[list, list]:
    """Three criteria: a unit error + a missed condition; a wrong condition (and markup in the text);
    a spurious bound + a spurious value."""
    t1 = "Hemoglobin ≥ 60 g/L and SLE"
    hb, ge, v60, gl, sle = (span(t1, x) for x in ("Hemoglobin", "≥", "60", "g/L", "SLE"))
    g1 = {"trial_id": "NCT1", "criterion_id": "NCT1-inc-01", "section": "inclusion", "text": t1,
          "entities": [gold_ent(1, "MEASUREMENT", hb), gold_ent(2, "COMPARATOR", ge), gold_ent(3, "VALUE", v60),
                       gold_ent(4, "UNIT", gl), gold_ent(5, "CONDITION", sle)],
          "relations": [{"id": 1, "from_id": 1, "to_id": 3, "type": "has_value"},
                        {"id": 2, "from_id": 3, "to_id": 2, "type": "has_comparator"},
                        {"id": 3, "from_id": 3, "to_id": 4, "type": "has_unit"}],
          "constraints": [{"subject": "hemoglobin", "subject_span": hb, "category": "lab",
                           "lower": {"value": 60, "inclusive": True}, "upper": None, "unit": "g/L"}]}
    p1 = {"trial_id": "NCT1", "criterion_id": "NCT1-inc-01", "section": "inclusion", "text": t1,
          "entities": [pred_ent(1, "MEASUREMENT", hb, t1, "meas.hb"), pred_ent(2, "COMPARATOR", ge, t1, "cmp.ge"),
                       pred_ent(3, "VALUE", v60, t1, "value.number"), pred_ent(4, "UNIT", gl, t1, "unit.gl")],
          "relations": [{"id": 1, "from": 1, "to": 3, "type": "has_value"},
                        {"id": 2, "from": 3, "to": 2, "type": "has_comparator"},
                        {"id": 3, "from": 3, "to": 4, "type": "has_unit"}],
          "constraints": [{"subject": "hemoglobin", "subject_text": "Hemoglobin", "category": "lab",
                           "lower": {"value": 60, "inclusive": True}, "upper": None, "unit": "mg/dL",
                           "span": [hb[0], gl[1]], "subject_id": 1,
                           "rules": ["meas.hb", "cmp.ge", "value.number", "unit.gl"]}]}
    t2 = f"No history of HIV infection {XSS}"
    hiv, hist = span(t2, "HIV infection"), span(t2, "history")
    g2 = {"trial_id": "NCT2", "criterion_id": "NCT2-exc-01", "section": "exclusion", "text": t2,
          "entities": [gold_ent(1, "CONDITION", hiv)], "relations": [], "constraints": []}
    p2 = {"trial_id": "NCT2", "criterion_id": "NCT2-exc-01", "section": "exclusion", "text": t2,
          "entities": [pred_ent(1, "CONDITION", hist, t2, "cond.bad"),
                       pred_ent(2, "CONDITION", span(t2, "HIV"), t2, "cond.hiv")],
          "relations": [], "constraints": []}
    t3 = "Age 18 years or older"
    age, v18 = span(t3, "Age"), span(t3, "18")
    g3 = {"trial_id": "NCT2", "criterion_id": "NCT2-inc-01", "section": "inclusion", "text": t3,
          "entities": [], "relations": [], "constraints": []}
    p3 = {"trial_id": "NCT2", "criterion_id": "NCT2-inc-01", "section": "inclusion", "text": t3,
          "entities": [pred_ent(1, "MEASUREMENT", age, t3, "meas.age"), pred_ent(2, "VALUE", v18, t3, "value.number")],
          "relations": [],
          "constraints": [{"subject": "age", "subject_text": "Age", "category": "age",
                           "lower": {"value": 18, "inclusive": True}, "upper": None, "unit": "a",
                           "span": [0, v18[1]], "subject_id": 1, "rules": ["meas.age", "value.number"]}]}
    return [g1, g2, g3], [p1, p2, p3]


def scored_run() -> tuple:
    """Metrics, errors, gold and predicted records of :func:`make_records`, as `eligex evaluate` makes them."""
    gold, preds = make_records()
    metrics, errors = evaluate_records(gold, preds, lambda u: u)
    metrics = stamp_metrics(metrics, date="2026-01-02T03:04:05Z")
    metrics["gold"] = {"path": "tests/tiny.jsonl", "format": "jsonl", "problems": 0}
    return metrics, errors, gold, preds


def page_data(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="eligex-data">(.*?)</script>', html, re.S)
    assert m, "no data block"
    return json.loads(m.group(1))


def gold_as_predictions(gold: list) -> list:
    return [{"text": g["text"], "entities": [{"id": e["id"], "label": e["label"], "start": e["start_offset"],
                                              "end": e["end_offset"], "rule": "r"} for e in g["entities"]],
             "relations": [], "constraints": []} for g in gold]


def worse(metrics: dict) -> dict:
    """The same run with CONDITION F1 down, VALUE F1 up and one more false positive for cond.bad."""
    m = copy.deepcopy(metrics)
    m["entities"]["per_label"]["CONDITION"]["f1"] = round(m["entities"]["per_label"]["CONDITION"]["f1"] - 0.1, 4)
    m["entities"]["per_label"]["VALUE"]["f1"] = min(1.0, m["entities"]["per_label"]["VALUE"]["f1"] + 0.05)
    m["rules"]["cond.bad"]["fp"] += 1
    m["rules"]["cond.hiv"]["tp"] = m["rules"]["cond.hiv"].get("tp", 0) + 1
    m["rules"]["unit.gl"] = {"tp": 2}
    return m


def write_json(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data))
    return path
