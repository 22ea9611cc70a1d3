"""Criteria that span wrapped lines: the pipeline reads them reflowed (pipeline/core/reflow.py),
records, ``explain``, the doccano conversion and the evaluator keep offsets into the original text."""

from __future__ import annotations

import json

import pytest

from pipeline.annotation.doccano.convert import to_doccano
from pipeline.annotation.doccano.validate import validate
from pipeline.components.units import default_normalizer
from pipeline.core.problems import Problem
from pipeline.core.reflow import OffsetMap, pipeline_text, remap_eligex
from pipeline.evaluation.metrics import evaluate_records
from pipeline.explain.trace import explain_text
from pipeline.extraction import run as batch_run
from pipeline.extraction import store as batch_store
from pipeline.ingest.readers import InputDoc

WRAPPED = ("Creatinine clearance < 30 ml/min or a history of hepatitis B (HBV) and\n"
           "             creatinine\n             clearance < 30 ml/min")
ONE_LINE = " ".join(WRAPPED.split())


def test_pipeline_text_joins_wrapped_lines_only():
    assert pipeline_text(WRAPPED) == ONE_LINE
    assert pipeline_text("a  b\tc") == "a  b\tc"  # no line break: unchanged
    assert pipeline_text("a \r\n  b\rc\u2028d") == "a b c d"


def test_offset_map_round_trip():
    omap = OffsetMap(WRAPPED)
    flat = pipeline_text(WRAPPED)
    for word_start in [i for i in range(len(flat)) if flat[i] != " " and (i == 0 or flat[i - 1] == " ")]:
        end = flat.find(" ", word_start)
        end = len(flat) if end < 0 else end
        assert WRAPPED[omap.start(word_start):omap.end(end)] == flat[word_start:end]


def test_remap_is_a_copy_and_a_no_op_without_breaks():
    data = {"entities": [{"start": 0, "end": 3, "text": "abc"}]}
    assert remap_eligex(data, "abc def") is data
    moved = remap_eligex({"entities": [{"start": 4, "end": 7, "text": "def"}]}, "abc\n  def")
    assert moved["entities"][0] == {"start": 6, "end": 9, "text": "def"}


def spans_are_slices(record):
    text = record["text"]
    for e in record["entities"]:
        assert text[e["start"]:e["end"]] == e["text"]
    for a in record["abbreviations"]:
        assert text[a["long"][0]:a["long"][1]] == a["long_text"]
        assert text[a["short"][0]:a["short"][1]] == a["short_text"]
    for c in record["constraints"]:
        assert 0 <= c["span"][0] < c["span"][1] <= len(text)


def test_a_wrapped_criterion_gives_what_its_one_line_form_gives(run):
    wrapped, one = run(WRAPPED), run(ONE_LINE)
    spans_are_slices(wrapped)
    assert [" ".join(e["text"].split()) for e in wrapped["entities"]] == [e["text"] for e in one["entities"]]
    assert [(c["subject"], c["upper"], c["unit"]) for c in wrapped["constraints"]] == \
        [(c["subject"], c["upper"], c["unit"]) for c in one["constraints"]]
    assert len(wrapped["constraints"]) == 2  # the second one crosses two line breaks


def test_explain_on_a_multi_line_criterion(nlp):
    expl = explain_text(nlp, WRAPPED)
    text = expl["text"]
    assert text == WRAPPED
    for tok in expl["tokens"]:
        assert text[tok["start"]:tok["end"]] == tok["text"]
    for ent in expl["entities"]:
        assert " ".join(text[ent["start"]:ent["end"]].split()) == " ".join(ent["text"].split())
    assert any(e["text"].startswith("creatinine\n") for e in expl["entities"])
    for m in expl["modifiers"]:
        assert 0 <= m["start"] < m["end"] <= len(text)


def test_doccano_round_trip_of_a_multi_line_criterion(run):
    record = run(WRAPPED)
    record.update(trial_id="T", criterion_id="T-inc-01", section="inclusion")
    assert validate([record]) == []
    example = to_doccano(record)
    assert example.text == WRAPPED
    for _, s, e, _ in example.spans:
        assert WRAPPED[s:e].strip() == WRAPPED[s:e] and s < e


def test_evaluator_on_a_multi_line_criterion(extractor):
    [pred] = extractor.process_texts([WRAPPED])
    gold = {"criterion_id": pred["criterion_id"], "trial_id": "T", "text": WRAPPED,
            "entities": [], "relations": [], "constraints": [
                {"subject": "creatinine clearance", "span": c["span"], "subject_span": c["subject_span"],
                 "category": c["category"], "lower": None, "upper": {"value": 30, "inclusive": False},
                 "unit": "mL/min"} for c in pred["constraints"]]}
    metrics, _ = evaluate_records([gold], [pred], default_normalizer().normalize)
    assert (metrics["constraints"]["tp"], metrics["constraints"]["fp"], metrics["constraints"]["fn"]) == (2, 0, 0)


@pytest.mark.parametrize("text", ["", "Inclusion Criteria:\n\nExclusion Criteria:\n"])
def test_empty_or_heading_only_trial_is_written_with_a_warning(extractor, tmp_path, text):
    docs = [InputDoc("E1", text, "in.jsonl", 1), InputDoc("OK", "Inclusion Criteria:\n- Age ≥ 18\n", "in.jsonl", 2),
            Problem("in.jsonl", 3, "not JSON")]
    out = tmp_path / "out.jsonl"
    counts = batch_run.Counts()
    with batch_store.OutputStore(out, batch_store.errors_path_for(out)) as store:
        batch_run.run_batch(docs, extractor, store, counts=counts)
    errors = [json.loads(x) for x in batch_store.errors_path_for(out).read_text(encoding="utf-8").splitlines()]
    assert (counts.written, counts.failed) == (2, 1)  # the unreadable record is still a failure
    [warning] = [e for e in errors if e["record"] == "E1"]
    assert warning["kind"] == "warning" and "no criteria" in warning["message"]
    assert [json.loads(x)["trial_id"] for x in out.read_text(encoding="utf-8").splitlines()] == ["OK"]


def test_a_negated_phrase_moves_with_its_cue_across_a_wrap(nlp):
    """Found by the fuzzing: the target of a NEGATION cue with no entity in scope stayed in the
    reflowed coordinates."""
    from pipeline.extraction.records import Extractor

    checked = 0
    for text in ("patients with no\n     prior surgery", "0\n nO<"):
        record = Extractor(nlp).process_texts([text])[0]
        for e in record["entities"]:
            assert text[e["start"]:e["end"]] == e["text"]
            if e.get("target"):
                assert text[e["target"][0]:e["target"][1]] == e["target_text"]
                checked += 1
    assert checked >= 1


def constraint_texts_are_slices(record):
    """A constraint's subject and unit texts are its entities' source texts (not the reflowed ones)."""
    spans_are_slices(record)
    by_id = {e["id"]: e for e in record["entities"]}
    units = {e["text"] for e in record["entities"] if e["label"] == "UNIT"}
    for c in record["constraints"]:
        assert c["subject_text"] == by_id[c["subject_id"]]["text"]
        assert c["unit_text"] is None or c["unit_text"] in units
        s, e = c["subject_span"]
        assert 0 <= s < e <= len(record["text"])


@pytest.mark.parametrize("brk", ["\n   ", "\r\n", "\r", "\x85", "\u2028", "\x0c"])
@pytest.mark.parametrize("text", ["Creatinine{}clearance < 30 ml/min", "eGFR ≥ 60 mL/min/1.73{}m2",
                                  "Hemoglobin ≥ 9 g/{}dL and creatinine{}clearance > 40 ml/min"])
def test_subject_and_unit_texts_cross_any_line_break(run, brk, text):
    text = text.replace("{}", brk)
    record = run(text)
    constraint_texts_are_slices(record)
    assert record["constraints"] and any(brk in c["subject_text"] + (c["unit_text"] or "")
                                         for c in record["constraints"])


def test_a_lead_is_read_but_never_in_the_record():
    """The subject a heading names ("Age: " before "15 to 65") is read by the pipeline; what lies in
    it leaves the record, and the constraint says where its subject came from."""
    lead = "Age: "
    eligex = {
        "entities": [{"id": 1, "label": "MEASUREMENT", "start": 0, "end": 3, "text": "Age", "context_ids": [1]},
                     {"id": 2, "label": "VALUE", "start": 5, "end": 7, "text": "15", "context_ids": [1]}],
        "context": [{"start": 0, "end": 3, "cue": "Age"}, {"start": 8, "end": 10, "cue": "to", "scope": [0, 13]}],
        "abbreviations": [{"long": [0, 3], "short": [5, 7]}],
        "relations": [{"id": 1, "from": 1, "to": 2, "type": "has_value"}],
        "constraints": [{"subject_id": 1, "subject_text": "Age", "subject_span": [0, 3], "span": [0, 13],
                         "rules": ["meas.age"]}],
    }
    text = "15 to\n 65"
    assert pipeline_text(text, lead) == "Age: 15 to 65"
    out = remap_eligex(eligex, text, len(lead), "heading.rule")
    assert [e["text"] for e in out["entities"]] == ["15"] and out["entities"][0]["context_ids"] == [0]
    assert out["context"] == [{"start": 3, "end": 5, "cue": "to", "scope": [0, 9]}]
    assert out["abbreviations"] == [] and out["relations"] == []
    [c] = out["constraints"]
    assert (c["subject_id"], c["subject_span"], c["subject_text"], c["span"]) == (None, None, "Age", [0, 9])
    assert c["subject_from"] == "heading" and c["rules"] == ["meas.age", "heading.rule"]
    assert eligex["entities"][0]["text"] == "Age"  # a copy


def test_an_nci_age_item_is_an_age_constraint(extractor):
    text = ("Inclusion Criteria:\n\n        Age:\n\n          -  15 to 65\n\n        Life expectancy:\n\n"
            "          -  At least 12 weeks\n\n        Renal:\n\n          -  Creatinine no greater than 1.5 mg/dL\n")
    [result] = batch_run.process_items([InputDoc("T", text, "in.jsonl", 1)], extractor)
    got = []
    for r in result.records:
        constraint_texts_are_slices(dict(r, constraints=[c for c in r["constraints"] if c["subject_id"]]))
        assert text[r["offset"]:r["offset"] + len(r["text"])] == r["text"]
        for c in r["constraints"]:
            heading_rule = c["rules"][-1] if c.get("subject_from") else None
            got.append((r["text"], c["subject"], c["lower"], c["upper"], c.get("subject_from"), heading_rule))
    assert got == [
        ("15 to 65", "age", {"value": 15, "inclusive": True}, {"value": 65, "inclusive": True}, "heading",
         "subheading.subject.named"),
        ("At least 12 weeks", "life expectancy", {"value": 12, "inclusive": True}, None, "heading",
         "subheading.subject.named"),
        ("Creatinine no greater than 1.5 mg/dL", "creatinine", None, {"value": 1.5, "inclusive": True}, None, None),
    ]


def test_plain_copy_is_a_deep_copy_of_plain_data():
    import copy

    from pipeline.core.reflow import plain_copy

    shared = {"span": [1, 2]}
    value = {"entities": [shared, {"text": "x", "n": 1.5, "ok": True, "none": None}], "again": shared,
             "pair": (1, [2])}
    out = plain_copy(value)
    assert out == value == copy.deepcopy(value)
    assert out["entities"][0] is out["again"] and out["again"] is not shared  # shared as in the original
    out["again"]["span"].append(3)
    assert shared == {"span": [1, 2]} and out["entities"][0]["span"] == [1, 2, 3]
    assert out["pair"] == (1, [2]) and out["pair"][1] is not value["pair"][1]  # other types: deepcopy
