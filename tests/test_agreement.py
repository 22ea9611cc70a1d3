"""pipeline.annotation.agreement and ``eligex agreement``: two annotators' records compared."""

from __future__ import annotations

import copy
import json

import pytest
from doccano_records import write_gold
from typer.testing import CliRunner

from pipeline.annotation import agreement as ag

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
