"""pipeline.annotation.doccano.merge: pulled records into the gold file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from doccano_records import OUTPUT_RECORD, fake_export, pulled_copy, write_gold

from pipeline.annotation.doccano import convert
from pipeline.annotation.doccano import errors as doccano_errors
from pipeline.annotation.doccano import merge as merging
from pipeline.annotation.doccano import validate as validation
from pipeline.core.jsonl import read_jsonl

def test_merge_into_new_file(tmp_path, gold):
    target = tmp_path / "gold" / "seeds.jsonl"
    summary = merging.merge(target, pulled_copy(gold))
    assert summary.added == [r["criterion_id"] for r in gold]
    assert summary.backup is None and summary.written
    records, _, _ = read_jsonl(target)
    assert records == gold


def test_merge_unchanged_leaves_file_alone(tmp_path, gold):
    target = tmp_path / "seeds.jsonl"
    write_gold(target, gold)
    before = target.read_bytes()
    # a different key order in the file must not count as a change
    summary = merging.merge(target, pulled_copy(gold))
    assert summary.unchanged == [r["criterion_id"] for r in gold]
    assert not summary.added and not summary.changed and not summary.written
    assert target.read_bytes() == before
    assert list(tmp_path.iterdir()) == [target]


def test_merge_changed_added_and_backup(tmp_path, gold):
    target = tmp_path / "seeds.jsonl"
    write_gold(target, gold[:3])
    before = target.read_bytes()
    pulled = pulled_copy(gold)
    # annotator drops the unit of platelet count and its relation
    pulled[0]["entities"] = [e for e in pulled[0]["entities"] if e["label"] != "UNIT" or e["start_offset"] < 20]
    kept = {e["id"] for e in pulled[0]["entities"]}
    pulled[0]["relations"] = [r for r in pulled[0]["relations"] if r["to_id"] in kept]
    pulled[0]["constraints"] = []  # must not override the gold's hand-written constraints
    summary = merging.merge(target, pulled, now=__import__("datetime").datetime(2026, 1, 2, 3, 4, 5))
    assert summary.changed == ["NCT09990001-inc-01"]
    assert summary.added == ["NCT09990002-exc-01"]
    assert summary.unchanged == ["NCT09990001-inc-02", "NCT09990001-inc-03"]
    assert summary.review_constraints == ["NCT09990001-inc-01"]
    assert summary.missing_constraints == []  # the added record carried its constraints
    backup = Path(summary.backup)
    assert backup.name == "seeds.jsonl.20260102T030405000000Z.bak"
    assert backup.read_bytes() == before
    records, _, _ = read_jsonl(target)
    assert [r["criterion_id"] for r in records] == [r["criterion_id"] for r in gold]
    assert len(records[0]["entities"]) == 7 and len(records[0]["relations"]) == 5
    assert records[0]["constraints"] == gold[0]["constraints"]
    assert records[1:] == gold[1:]
    # unchanged lines are kept byte for byte
    assert target.read_text(encoding="utf-8").splitlines()[1:3] == before.decode("utf-8").splitlines()[1:3]


def test_merge_validation_error_leaves_gold_untouched(tmp_path, gold):
    target = tmp_path / "seeds.jsonl"
    write_gold(target, gold)
    before = target.read_bytes()
    mtime = target.stat().st_mtime_ns
    pulled = pulled_copy(gold)
    pulled[1]["entities"] = [{"id": 1, "label": "VALUE", "start_offset": 5, "end_offset": 500}]
    pulled[2]["text"] = pulled[2]["text"] + " (edited)"
    with pytest.raises(doccano_errors.ValidationFailed) as exc:
        merging.merge(target, pulled, path="exports/ann.jsonl")
    assert len(validation.errors(exc.value.problems)) == 2
    assert "left untouched" in str(exc.value) and "exports/ann.jsonl:2" in str(exc.value)
    assert target.read_bytes() == before and target.stat().st_mtime_ns == mtime
    assert list(tmp_path.iterdir()) == [target]


def test_merge_unreadable_gold_is_not_touched(tmp_path, gold):
    target = tmp_path / "seeds.jsonl"
    target.write_text(json.dumps(gold[0]) + "\n{broken\n", encoding="utf-8")
    before = target.read_bytes()
    with pytest.raises(doccano_errors.ValidationFailed):
        merging.merge(target, pulled_copy(gold))
    assert target.read_bytes() == before


def test_merge_new_criterion_without_constraints_is_flagged(tmp_path, gold):
    target = tmp_path / "seeds.jsonl"
    write_gold(target, gold[:1])
    new = convert.from_doccano(fake_export(OUTPUT_RECORD))
    summary = merging.merge(target, [new])
    assert summary.added == ["NCT09990003-inc-01"]
    assert summary.missing_constraints == ["NCT09990003-inc-01"]


def test_pick_annotator():
    folder = "annotations/exports/p-1"
    assert merging.pick_annotator({"a": [], "b": [{"x": 1}]}, None, "p", folder) == "b"
    assert merging.pick_annotator({"a": [], "b": []}, None, "p", folder) is None
    assert merging.pick_annotator({"a": [], "b": []}, "a", "p", folder) == "a"
    with pytest.raises(doccano_errors.DoccanoError, match="several annotators have annotations: a \\(1\\), b \\(2\\)"):
        merging.pick_annotator({"a": [1], "b": [1, 2]}, None, "p", folder)
    with pytest.raises(doccano_errors.DoccanoError, match="no annotator 'c' in project 'p' \\(members: a, b\\)"):
        merging.pick_annotator({"a": [1], "b": [1, 2]}, "c", "p", folder)
