"""pipeline.reporting.errors_view: each error placed in its criterion text."""

from __future__ import annotations



from pipeline.reporting.errors_view import build_error_view


def test_error_view_relations_and_negations_found_in_the_text():
    text = "No HIV, hemoglobin > 9"
    errors = [{"criterion_id": "c1", "trial_id": "T", "text": text, "kind": "relation_fn", "type": "has_value",
               "from": "hemoglobin", "to": "9"},
              {"criterion_id": "c1", "trial_id": "T", "text": text, "kind": "negation_fp", "cue": "No",
               "target": "HIV", "rule": "neg.no"}]
    view = build_error_view(errors)
    rel, neg = view["errors"]
    assert rel["label"] == "relation:has_value" and rel["fg"] == [[8, 18], [21, 22]]
    assert neg["label"] == "negation" and neg["rules"] == ["neg.no"] and neg["fp"] == [[0, 2], [3, 6]]
    assert len(view["criteria"]) == 1


def test_error_view_names_a_wrong_anchor_on_a_matched_window():
    text = "live vaccine within 4 weeks before screening"
    g = {"subject": "live vaccine", "subject_text": "live vaccine", "side": "upper", "value": 4.0,
         "inclusive": True, "unit": "wk", "category": "temporal", "anchor": "screening", "direction": "before"}
    errors = [{"criterion_id": "c1", "trial_id": "T", "text": text, "kind": "constraint_anchor_wrong",
               "gold": g, "pred": {**g, "anchor": "now"}, "rule": ["temporal.within"]}]
    [e] = build_error_view(errors)["errors"]
    assert e["label"] == "constraint:temporal" and e["group"] == "constraint"
    assert "anchor wrong" in e["desc"] and "gold screening, predicted now" in e["desc"]
