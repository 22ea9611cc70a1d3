"""The evaluator's matching, on small hand-made records."""

from pipeline.evaluation.metrics import evaluate_records
from pipeline.components.units import default_normalizer


def gold(text, constraints, entities=(), relations=()):
    return {"criterion_id": "c1", "trial_id": "T", "text": text, "entities": list(entities),
            "relations": list(relations), "constraints": constraints}


def pred(text, constraints):
    return {"criterion_id": "c1", "text": text, "entities": [], "relations": [], "constraints": constraints}


def bound(v, inc=True):
    return {"value": v, "inclusive": inc}


def con(span, lower=None, upper=None, unit=None, category="lab"):
    return {"subject": "x", "subject_span": span, "span": span, "category": category,
            "lower": lower, "upper": upper, "unit": unit}


def run(g, p):
    m, errors = evaluate_records([g], [p], default_normalizer().normalize)
    return m["constraints"], errors


def test_ranges_count_in_bounds_and_numbers_compare_as_numbers():
    text = "hemoglobin 1.50-3 g/dL"
    c, _ = run(gold(text, [con([0, 10], bound(1.5), bound(3), "g/dL")]),
               pred(text, [con([0, 10], bound(1.50), None, "g/dl"), con([0, 10], None, bound(3.0), "g/dL")]))
    assert (c["tp"], c["fp"], c["fn"]) == (2, 0, 0)   # split range = merged range; 1.50 = 1.5; g/dl = g/dL


def test_partial_credit_names_the_part_that_fails():
    text = "hemoglobin ≥ 9 g/dL"
    c, errors = run(gold(text, [con([0, 10], bound(9), None, "g/dL")]),
                    pred(text, [con([0, 10], bound(9), None, "g/L")]))
    assert c["errors"] == {"unit_wrong": 1}
    assert (c["tp"], c["fp"], c["fn"]) == (0, 1, 1)   # the wrong-unit prediction is a false positive
    assert c["parts"]["subject+bounds"]["tp"] == 1 and c["parts"]["full"]["tp"] == 0
    assert c["unit_agreement"] == {"right": 0, "total": 1, "accuracy": 0.0}
    c, _ = run(gold(text, [con([0, 10], bound(9), None, "g/dL")]),
               pred(text, [con([0, 10], bound(8), None, "g/dL")]))
    assert c["errors"] == {"bound_wrong": 1, "spurious": 1}
    assert c["parts"]["subject"]["tp"] == 1
    assert c["unit_agreement"]["total"] == 0   # a wrong value is not a matched bound: no unit to agree on


def test_unit_agreement_counts_matched_bounds_only():
    text = "hemoglobin 9-12 g/dL"
    c, _ = run(gold(text, [con([0, 10], bound(9), bound(12), "g/dL")]),
               pred(text, [con([0, 10], bound(9), None, "g/dL"), con([0, 10], None, bound(12), "g/L")]))
    assert c["unit_agreement"] == {"right": 1, "total": 2, "accuracy": 0.5}


def test_points_and_no_unit_are_equal_for_scores():
    text = "MMSE score < 24"
    c, _ = run(gold(text, [con([0, 4], None, bound(24, False), "{point}", "score")]),
               pred(text, [con([0, 4], None, bound(24, False), None, "score")]))
    assert c["tp"] == 1 and c["fp"] == 0


def test_constraints_only_gold_scores_no_entities_relations_or_negation():
    text = "no hemoglobin < 9 g/dL"
    ents = [{"id": 1, "label": "NEGATION", "start": 0, "end": 2, "text": "no", "rule": "neg.no"},
            {"id": 2, "label": "MEASUREMENT", "start": 3, "end": 13, "text": "hemoglobin", "rule": "meas.hb"}]
    p = {**pred(text, [con([3, 13], None, bound(9, False), "g/dL")]), "entities": ents,
         "relations": [{"id": 1, "from": 1, "to": 2, "type": "negates"}]}
    g = {**gold(text, [con([3, 13], None, bound(9, False), "g/dL")]), "annotated": ["constraints"]}
    m, errors = evaluate_records([g], [p], default_normalizer().normalize)
    assert (m["constraints"]["tp"], m["constraints"]["fp"], m["constraints"]["fn"]) == (1, 0, 0)
    assert m["entities"]["fp"] == 0 and m["relations"]["fp"] == 0 and m["negation"]["fp"] == 0
    assert not [e for e in errors if not e["kind"].startswith("constraint")]
    # the same record fully annotated (no "annotated" key) counts the predicted entities
    m, _ = evaluate_records([gold(text, g["constraints"])], [p], default_normalizer().normalize)
    assert m["entities"]["fp"] == 2


def test_precision_recall_f1_is_none_where_nothing_is_counted():
    from pipeline.evaluation.metrics import precision_recall_f1, prf

    assert precision_recall_f1(0, 0, 0) == (None, None, None)
    assert precision_recall_f1(0, 0, 3) == (None, 0.0, 0.0)
    assert precision_recall_f1(0, 2, 0) == (0.0, None, 0.0)
    assert precision_recall_f1(1, 1, 0) == (0.5, 1.0, 2 * 0.5 / 1.5)
    # the evaluation JSON (metrics version 1) writes an undefined figure as 0.0
    assert prf(0, 0, 0) == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "tp": 0, "fp": 0, "fn": 0}


# -- categories (issue #13): per-category counts, families, anchors, --categories, annotated ----------

def tcon(span, lower=None, upper=None, unit="wk", anchor=None, direction=None, category="temporal"):
    c = con(span, lower, upper, unit, category)
    if category == "temporal":
        c.update(anchor=anchor, direction=direction)
    return c


def test_every_category_has_a_row_and_counts_its_own_bounds():
    text = "live vaccine within 4 weeks; at least 2 prior regimens; hemoglobin > 9 g/dL"
    g = gold(text, [tcon([0, 12], upper=bound(4), anchor="now", direction="before"),
                    con([38, 53], bound(2), category="count"), con([55, 65], bound(9, False), None, "g/dL")])
    p = pred(text, [tcon([0, 12], upper=bound(4), anchor="now", direction="before"),
                    con([55, 65], bound(9, False), None, "g/dL"), con([29, 37], bound(5), category="grade")])
    c, _ = run(g, p)
    per = c["per_category"]
    assert list(per) == ["age", "lab", "vital", "measurement", "score", "temporal", "duration", "count", "grade"]
    assert (per["temporal"]["tp"], per["count"]["fn"], per["lab"]["tp"], per["grade"]["fp"]) == (1, 1, 1, 1)
    assert per["duration"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "tp": 0, "fp": 0, "fn": 0}
    assert (c["tp"], c["fp"], c["fn"]) == (2, 1, 1)


def test_the_category_does_not_decide_the_match_but_is_scored():
    text = "life expectancy of at least 12 weeks"
    c, errors = run(gold(text, [con([0, 15], bound(12), None, "wk", "measurement")]),
                    pred(text, [con([0, 15], bound(12), None, "wk", "duration")]))
    assert (c["tp"], c["fp"], c["fn"]) == (1, 0, 0)  # counted under the gold category
    assert c["per_category"]["measurement"]["tp"] == 1 and c["per_category"]["duration"]["fp"] == 0
    assert c["category_accuracy"] == 0.0
    [e] = errors
    assert e["kind"] == "constraint_category_wrong" and (e["gold"]["category"], e["pred"]["category"]) == (
        "measurement", "duration")
    c, _ = run(gold(text, [con([0, 15], bound(12), None, "wk", "duration")]),
               pred(text, [con([0, 15], bound(12), None, "wk", "duration")]))
    assert c["category_accuracy"] == 1.0


def test_anchor_and_direction_are_accuracies_over_matched_temporal_bounds():
    text = "MI within 6 months before screening; vaccine within 4 weeks; trial within 3 months"
    g = gold(text, [tcon([0, 2], upper=bound(6), unit="mo", anchor="screening", direction="before"),
                    tcon([37, 44], upper=bound(4), anchor="now", direction="before"),
                    tcon([61, 66], upper=bound(3), unit="mo")])  # anchor/direction not annotated
    p = pred(text, [tcon([0, 2], upper=bound(6), unit="mo", anchor="screening", direction="before"),
                    tcon([37, 44], upper=bound(4), anchor="first dose", direction="after"),
                    tcon([61, 66], upper=bound(3), unit="mo", anchor="now", direction="before")])
    c, errors = run(g, p)
    assert c["tp"] == 3  # anchor and direction do not decide the match
    assert c["anchor_accuracy"] == 0.5 and c["direction_accuracy"] == 0.5
    assert c["anchored"] == {"anchor": {"right": 1, "total": 2}, "direction": {"right": 1, "total": 2}}
    wrong = [e for e in errors if e["kind"] in ("constraint_anchor_wrong", "constraint_direction_wrong")]
    assert [(e["gold"]["anchor"], e["pred"]["anchor"]) for e in wrong] == [("now", "first dose")] * 2
    c, _ = run(gold(text, []), pred(text, []))
    assert c["anchor_accuracy"] is None and c["anchored"]["anchor"] == {"right": 0, "total": 0}


def test_sex_is_an_accuracy_over_matched_bounds_whose_gold_annotates_populations():
    text = "Hb >= 13 g/dL (men) or >= 12 g/dL (women); ANC >= 1.5"
    men, women = {"population": {"sex": "male"}}, {"population": {"sex": "female"}}
    g = gold(text, [{**con([0, 2], bound(13), None, "g/dL"), **men}, {**con([0, 2], bound(12), None, "g/dL"), **women},
                    {**con([44, 47], bound(1.5)), "population": None}])
    p = pred(text, [{**con([0, 2], bound(13), None, "g/dL"), **men}, {**con([0, 2], bound(12), None, "g/dL"), **men},
                    {**con([44, 47], bound(1.5)), "population": None}])
    c, errors = run(g, p)
    assert c["tp"] == 3  # the population does not decide the match
    assert c["sex_accuracy"] == 0.5 and c["sex_matches"] == {"right": 1, "total": 2}  # ANC: no sex on either side
    [e] = [e for e in errors if e["kind"] == "constraint_sex_wrong"]
    assert (e["gold"]["sex"], e["pred"]["sex"]) == ("female", "male")
    # gold without a population key does not annotate populations: nothing is scored
    c, _ = run(gold(text, [con([0, 2], bound(13), None, "g/dL")]),
               pred(text, [{**con([0, 2], bound(13), None, "g/dL"), **men}]))
    assert c["sex_accuracy"] is None and c["sex_matches"] == {"right": 0, "total": 0}


def test_categories_restrict_the_constraint_figures():
    text = "live vaccine within 4 weeks; hemoglobin > 9 g/dL"
    g = gold(text, [tcon([0, 12], upper=bound(4)), con([29, 39], bound(9, False), None, "g/dL")])
    p = pred(text, [con([29, 39], bound(9, False), None, "g/dL"), con([0, 4], bound(1), category="count")])
    m, _ = evaluate_records([g], [p], default_normalizer().normalize, categories=["lab", "age"])
    c = m["constraints"]
    assert (c["tp"], c["fp"], c["fn"]) == (1, 0, 0) and list(c["per_category"]) == ["age", "lab"]
    assert c["categories"] == ["age", "lab"]
    m, _ = evaluate_records([g], [p], default_normalizer().normalize)
    assert (m["constraints"]["tp"], m["constraints"]["fp"], m["constraints"]["fn"]) == (1, 1, 1)
    assert m["constraints"]["categories"] is None
    import pytest
    with pytest.raises(ValueError, match="temporl.*known: age"):
        evaluate_records([g], [p], default_normalizer().normalize, categories=["temporl"])


def test_categories_a_gold_record_does_not_annotate_are_not_penalised():
    from pipeline.evaluation.metrics import annotated_categories

    text = "hemoglobin > 9 g/dL within 4 weeks"
    p = pred(text, [con([0, 10], bound(9, False), None, "g/dL"), tcon([0, 10], upper=bound(4))])
    g = {**gold(text, [con([0, 10], bound(9, False), None, "g/dL")]),
         "annotated": ["constraints:lab", "constraints:age"]}
    c, _ = run(g, p)
    assert (c["tp"], c["fp"], c["fn"]) == (1, 0, 0)  # the window is set aside, not false
    g["annotated"] = ["constraints"]  # every category annotated: the window is a false positive
    c, _ = run(g, p)
    assert c["per_category"]["temporal"]["fp"] == 1
    assert annotated_categories({"text": ""}) is None
    assert annotated_categories({"annotated": ["entities"]}) == frozenset()
    assert annotated_categories({"annotated": ["constraints:count"]}) == {"count"}


def test_an_unknown_annotated_entry_is_a_problem_naming_file_and_line(tmp_path):
    from pipeline.evaluation.gold import load_gold

    path = tmp_path / "g.jsonl"
    path.write_text('{"text": "x", "entities": [], "relations": [], "annotated": ["constraints:temporal"]}\n'
                    '{"text": "y", "entities": [], "relations": [], "annotated": ["constraints:time"]}\n',
                    encoding="utf-8")
    records, problems, _ = load_gold(path)
    assert [r["text"] for r in records] == ["x"]
    [p] = problems
    assert p.line == 2 and "constraints:time" in p.message and str(path) in str(p)
