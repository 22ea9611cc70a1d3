"""Conversion, validation, merge and agreement of the doccano loop: pure functions, no server."""

from __future__ import annotations

import copy
import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.annotation import agreement as ag
from pipeline.annotation.doccano import client as dclient
from pipeline.annotation.doccano import convert
from pipeline.annotation.doccano import errors as doccano_errors
from pipeline.annotation.doccano import merge as merging
from pipeline.annotation.doccano import validate as validation
from pipeline.core.jsonl import read_jsonl

FIXTURE = Path(__file__).parent / "fixtures" / "doccano_gold.jsonl"


@pytest.fixture
def gold():
    records, _, problems = read_jsonl(FIXTURE)
    assert not problems
    return records


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


# ------------------------------------------------------------------ fixture and conversion


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


# ------------------------------------------------------------------ validation


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


# ------------------------------------------------------------------ merge


def write_gold(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def pulled_copy(records):
    """What pull gives back for unchanged records (doccano round trip)."""
    return [convert.from_doccano(fake_export(r, 10 * (n + 1), n + 1)) for n, r in enumerate(records)]


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


# ------------------------------------------------------------------ agreement


def test_agreement_identical(gold):
    rep = ag.agreement(gold, copy.deepcopy(gold))
    assert rep.criteria == 4
    assert rep.spans.f1 == 1.0 and rep.relations.f1 == 1.0 and rep.spans_unlabelled.f1 == 1.0
    assert rep.kappa_chars == pytest.approx(1.0)
    assert all(k == pytest.approx(1.0) for k in rep.kappa_per_label.values())
    assert rep.disagreements == []


def test_agreement_counts(gold):
    b = copy.deepcopy(gold)
    # B labels "hemoglobin" as SCORE (label disagreement) and misses the "%" unit and its relation
    b[0]["entities"][0]["label"] = "SCORE"
    b[3]["entities"] = [e for e in b[3]["entities"] if e["label"] != "UNIT"]
    b[3]["relations"] = [r for r in b[3]["relations"] if r["type"] != "has_unit"]
    rep = ag.agreement(gold, b)
    n_a = sum(len(r["entities"]) for r in gold)  # 19
    assert (rep.spans.a, rep.spans.b, rep.spans.both) == (n_a, n_a - 1, n_a - 2)
    assert rep.spans.f1 == pytest.approx(2 * (n_a - 2) / (2 * n_a - 1))
    assert rep.spans.precision == pytest.approx((n_a - 2) / (n_a - 1))
    assert rep.spans.recall == pytest.approx((n_a - 2) / n_a)
    assert (rep.spans_unlabelled.a, rep.spans_unlabelled.both) == (n_a, n_a - 1)
    assert rep.spans_per_label["UNIT"].recall == pytest.approx(2 / 3)
    assert rep.spans_per_label["SCORE"].to_dict()["b"] == 2
    # the has_value relation from hemoglobin now starts at a SCORE span, so it differs too
    n_rel = sum(len(r["relations"]) for r in gold)
    assert (rep.relations.a, rep.relations.b, rep.relations.both) == (n_rel, n_rel - 1, n_rel - 2)
    assert rep.relations_per_type["has_unit"].recall == pytest.approx(2 / 3)
    assert 0 < rep.kappa_chars < 1
    assert [d["criterion_id"] for d in rep.disagreements] == ["NCT09990001-inc-01", "NCT09990002-exc-01"]
    assert rep.disagreements[1]["spans_only_a"] == [{"start": 65, "end": 66, "label": "UNIT", "text": "%"}]


def test_agreement_pairs_by_criterion(gold):
    b = copy.deepcopy(gold[1:])
    b[0]["text"] += " "
    b.append({"criterion_id": "other", "text": "x", "entities": [], "relations": []})
    rep = ag.agreement(gold, b)
    assert rep.criteria == 2
    assert rep.left_out == {
        "only_a": ["NCT09990001-inc-01"],
        "only_b": ["other"],
        "text_differs": ["NCT09990001-inc-02"],
    }


def test_cohen_kappa_known_value():
    # 2x2 table [[20, 5], [10, 15]]: po = 0.7, pe = 0.5, kappa = 0.4
    xs = ["y"] * 25 + ["n"] * 25
    ys = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert ag.cohen_kappa(xs, ys) == pytest.approx(0.4)
    assert ag.cohen_kappa(["a", "a"], ["a", "a"]) is None
    assert ag.cohen_kappa([], []) is None
    with pytest.raises(ValueError):
        ag.cohen_kappa(["a"], [])


def test_char_kappa_skips_blanks_and_handles_overlap():
    a = [
        {
            "criterion_id": "c",
            "text": "ab cd",
            "entities": [
                {"id": 1, "label": "SCORE", "start_offset": 0, "end_offset": 5},
                {"id": 2, "label": "VALUE", "start_offset": 3, "end_offset": 5},
            ],
            "relations": [],
        }
    ]
    b = copy.deepcopy(a)
    kappa, per_label = ag.char_kappa(ag.pair_records(a, b)[0])
    assert kappa == pytest.approx(1.0)
    assert per_label["SCORE"] is None  # every character is inside SCORE for both: undefined
    assert per_label["VALUE"] == pytest.approx(1.0)


# ------------------------------------------------------------------ CLI (no server)


def test_agreement_cli_writes_json(tmp_path, gold):
    import typer

    from pipeline.cli.agreement import agreement

    app = typer.Typer()
    app.command()(agreement)
    app.command("noop")(lambda: None)  # keep sub-command parsing, as under eligex
    b = copy.deepcopy(gold)
    b[0]["entities"][0]["label"] = "SCORE"
    pa, pb, out = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "rep" / "agreement.json"
    write_gold(pa, gold)
    write_gold(pb, b)
    result = CliRunner().invoke(app, ["agreement", str(pa), str(pb), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "4 criteria compared" in result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["spans"]["both"] == 18
    assert report["disagreements"][0]["criterion_id"] == "NCT09990001-inc-01"


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_connect_errors_without_server(monkeypatch):
    for var in ("DOCCANO_URL", "DOCCANO_USERNAME", "DOCCANO_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(doccano_errors.DoccanoError, match="DOCCANO_URL, DOCCANO_USERNAME, DOCCANO_PASSWORD not set"):
        dclient.connect()
    env = {"DOCCANO_URL": f"http://127.0.0.1:{_closed_port()}", "DOCCANO_USERNAME": "a", "DOCCANO_PASSWORD": "b"}
    with pytest.raises(doccano_errors.DoccanoError, match="cannot reach doccano at http://127.0.0.1:.*is the server running"):
        dclient.connect(env)


def test_doccano_cli_push_reports_server_down(tmp_path, monkeypatch):
    from pipeline.cli.doccano import app

    monkeypatch.setenv("DOCCANO_URL", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("DOCCANO_USERNAME", "admin")
    monkeypatch.setenv("DOCCANO_PASSWORD", "x")
    result = CliRunner().invoke(app, ["push", str(FIXTURE), "--project", "p"])
    assert result.exit_code == 1
    assert "cannot reach doccano" in result.output
