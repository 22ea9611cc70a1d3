"""pipeline.annotation.doccano.convert: records <-> doccano examples (no server)."""

from __future__ import annotations

from doccano_records import OUTPUT_RECORD, fake_export

from pipeline.annotation.doccano import convert
from pipeline.annotation.doccano import validate as validation

def test_fixture_is_valid_gold(gold):
    assert len(gold) == 4
    assert validation.validate(gold) == []


def test_to_doccano_keeps_metadata_and_constraints(gold):
    conv = convert.to_doccano(gold[0])
    assert conv.text == gold[0]["text"]
    for key in ("trial_id", "criterion_id", "section", "source", "offset", "constraints"):
        assert conv.meta[key] == gold[0][key]
    assert not {"text", "entities", "relations"} & set(conv.meta)
    assert len(conv.spans) == 8 and len(conv.relations) == 6
    assert conv.spans[0] == (1, 0, 10, "MEASUREMENT")
    assert conv.relations[0] == (1, 3, "has_value")


def test_output_record_is_normalized():
    assert convert.is_output_record(OUTPUT_RECORD)
    rec = convert.normalize(OUTPUT_RECORD)
    assert rec["entities"][0] == {"id": "e1", "label": "SCORE", "start_offset": 0, "end_offset": 4, "text": "ECOG"}
    assert rec["relations"][0] == {"id": 1, "from_id": "e1", "to_id": "e2", "type": "has_value"}
    assert "constraints" not in rec  # pipeline constraints never become gold
    conv = convert.to_doccano(OUTPUT_RECORD)
    assert set(conv.meta) == {"trial_id", "criterion_id", "section", "source", "offset"}
    assert conv.relations == [
        ("e1", "e2", "has_value"),
        ("e1", "e4", "has_value"),
        ("e2", "e3", "has_comparator"),
        ("e4", "e3", "has_comparator"),
    ]
    assert validation.validate([OUTPUT_RECORD]) == []


def test_gold_record_is_not_output(gold):
    assert not any(convert.is_output_record(r) for r in gold)
    assert convert.normalize(gold[0]) == gold[0]


def test_from_doccano_round_trip(gold):
    for n, rec in enumerate(gold):
        back = convert.from_doccano(fake_export(rec, first_span_id=100 * (n + 1), example_id=n + 1))
        assert convert.annotation_key(back) == convert.annotation_key(rec)
        assert back == rec  # fixture entities are numbered in text order, so even ids agree
        assert list(back)[:6] == ["trial_id", "criterion_id", "section", "source", "offset", "text"]


def test_from_doccano_renumbers_in_text_order():
    exported = {
        "id": 3,
        "text": "AST and ALT≤3.0 ULN",
        "criterion_id": "X-inc-01",
        "entities": [
            {"id": 40, "label": "VALUE", "start_offset": 12, "end_offset": 15},
            {"id": 41, "label": "MEASUREMENT", "start_offset": 0, "end_offset": 3},
        ],
        "relations": [{"id": 9, "from_id": 41, "to_id": 40, "type": "has_value"}],
        "Comments": [{"id": 1, "comment": "check"}],
    }
    rec = convert.from_doccano(exported)
    assert rec == {
        "criterion_id": "X-inc-01",
        "text": "AST and ALT≤3.0 ULN",
        "entities": [
            {"id": 1, "label": "MEASUREMENT", "start_offset": 0, "end_offset": 3},
            {"id": 2, "label": "VALUE", "start_offset": 12, "end_offset": 15},
        ],
        "relations": [{"id": 1, "from_id": 1, "to_id": 2, "type": "has_value"}],
    }


def test_output_round_trip_through_doccano():
    back = convert.from_doccano(fake_export(OUTPUT_RECORD))
    assert convert.annotation_key(back) == convert.annotation_key(convert.normalize(OUTPUT_RECORD))
    assert "constraints" not in back
    assert back["trial_id"] == "NCT09990003" and back["offset"] == 10
