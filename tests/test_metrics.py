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
    c, _ = run(gold(text, [con([0, 10], bound(9), None, "g/dL")]),
               pred(text, [con([0, 10], bound(8), None, "g/dL")]))
    assert c["errors"] == {"bound_wrong": 1, "spurious": 1}
    assert c["parts"]["subject"]["tp"] == 1


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
