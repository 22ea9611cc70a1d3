"""pipeline.annotation.doccano.validate: problems of records before push or merge."""

from __future__ import annotations

import copy

from doccano_records import OUTPUT_RECORD

from pipeline.annotation.doccano import validate as validation

def messages(problems):
    return " | ".join(p.message for p in problems)


def test_validate_offsets_outside_text(gold):
    rec = copy.deepcopy(gold[0])
    rec["entities"][0]["end_offset"] = len(rec["text"]) + 3
    problems = validation.validate([rec], path="x.jsonl")
    assert len(validation.errors(problems)) == 1
    assert "outside the text" in problems[0].message
    assert problems[0].record == rec["criterion_id"] and problems[0].line == 1 and problems[0].path == "x.jsonl"


def test_validate_empty_and_non_integer_spans(gold):
    rec = copy.deepcopy(gold[0])
    rec["entities"][0]["end_offset"] = rec["entities"][0]["start_offset"]
    rec["entities"][1]["start_offset"] = "11"
    msgs = messages(validation.validate([rec]))
    assert "outside the text (length 44) or empty" in msgs
    assert "offsets must be integers" in msgs


def test_validate_span_text_must_match_record_text():
    rec = copy.deepcopy(OUTPUT_RECORD)
    rec["entities"][0]["text"] = "ECOG score"
    problems = validation.validate([rec])
    assert "span text 'ECOG score' is not the record text there ('ECOG')" in messages(problems)


def test_validate_relation_ends_labels_and_types(gold):
    rec = copy.deepcopy(gold[2])
    rec["relations"][0]["to_id"] = 99
    rec["relations"][1]["type"] = "has_range"
    rec["entities"][0]["label"] = "SCALE"
    msgs = messages(validation.validate([rec]))
    assert "to_id 99 is not an entity of this record" in msgs
    assert "unknown type 'has_range'" in msgs
    assert "unknown label 'SCALE'" in msgs


def test_validate_criterion_ids(gold):
    rec = copy.deepcopy(gold[0])
    del rec["criterion_id"]
    assert "no criterion_id" in messages(validation.validate([rec]))
    problems = validation.validate([gold[0], gold[0]], lines=[3, 8])
    assert problems[0].line == 8 and "also on line 3" in problems[0].message


def test_validate_text_against_sources(gold):
    pulled = copy.deepcopy(gold[0])
    pulled["text"] = pulled["text"].replace("hemoglobin", "haemoglobin")
    problems = validation.validate([pulled], gold)
    assert "text differs from the source record's" in messages(problems)
    assert validation.validate([gold[0]], {gold[0]["criterion_id"]: gold[0]}) == []


def test_validate_source_file(tmp_path, gold):
    rec = copy.deepcopy(gold[0])
    (tmp_path / "annotations" / "seeds").mkdir(parents=True)
    body = "x" * rec["offset"] + rec["text"] + "\n"
    (tmp_path / rec["source"]).write_text(body, encoding="utf-8")
    assert validation.validate([rec], root=tmp_path) == []
    rec["offset"] += 1
    assert "text is not at offset" in messages(validation.validate([rec], root=tmp_path))
    rec["source"] = "annotations/seeds/missing.txt"
    problems = validation.validate([rec], root=tmp_path)
    assert problems[0].kind == "warning" and not validation.errors(problems)


def test_validate_duplicate_span_is_a_warning(gold):
    rec = copy.deepcopy(gold[0])
    rec["entities"].append({"id": 9, "label": "MEASUREMENT", "start_offset": 0, "end_offset": 10})
    problems = validation.validate([rec])
    assert [p.kind for p in problems] == ["warning"]
