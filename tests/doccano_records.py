"""Records the doccano tests share: the gold fixture file, an eligex output record, and what
doccano's export gives back for a pushed record."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.annotation.doccano import convert

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "doccano_gold.jsonl"


def fake_export(record, first_span_id=100, example_id=7):
    """What doccano's JSONL export gives for a pushed record (doccano's own ids)."""
    conv = convert.to_doccano(record)
    ids = {}
    entities = []
    for n, (local, s, e, label) in enumerate(conv.spans):
        ids[local] = first_span_id + n
        entities.append({"id": first_span_id + n, "label": label, "start_offset": s, "end_offset": e})
    relations = [
        {"id": 500 + n, "from_id": ids[f], "to_id": ids[t], "type": rtype}
        for n, (f, t, rtype) in enumerate(conv.relations)
    ]
    # doccano writes entities in creation order; reverse them to prove order does not matter
    return {
        "id": example_id,
        "text": conv.text,
        **conv.meta,
        "entities": entities[::-1],
        "relations": relations,
        "Comments": [],
    }


OUTPUT_RECORD = {
    "trial_id": "NCT09990003",
    "criterion_id": "NCT09990003-inc-01",
    "section": "inclusion",
    "source": "annotations/seeds/NCT09990003.txt",
    "offset": 10,
    "text": "ECOG 0~1 score",
    "entities": [
        {"id": "e1", "label": "SCORE", "start": 0, "end": 4, "text": "ECOG", "rule": "score-names"},
        {"id": "e2", "label": "VALUE", "start": 5, "end": 6, "text": "0", "rule": "number"},
        {"id": "e3", "label": "COMPARATOR", "start": 6, "end": 7, "text": "~", "rule": "range"},
        {"id": "e4", "label": "VALUE", "start": 7, "end": 8, "text": "1", "rule": "number"},
    ],
    "relations": [
        {"from": "e1", "to": "e2", "type": "has_value"},
        {"from": "e1", "to": "e4", "type": "has_value"},
        {"from": "e2", "to": "e3", "type": "has_comparator"},
        {"from": "e4", "to": "e3", "type": "has_comparator"},
    ],
    "constraints": [{"subject": "ECOG", "lower": {"value": 0, "inclusive": True}}],
}


def write_gold(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def pulled_copy(records):
    """What pull gives back for unchanged records (doccano round trip)."""
    return [convert.from_doccano(fake_export(r, 10 * (n + 1), n + 1)) for n, r in enumerate(records)]
