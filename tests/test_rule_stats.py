"""pipeline.evaluation.rule_stats: per-rule figures, worst first."""

from collections import Counter

from pipeline.evaluation.rule_stats import rule_table


def test_rule_table_is_sorted_by_false_positives():
    metrics_rules = {"a.one": {"tp": 5, "fp": 1}, "b.two": {"tp": 0, "fp": 3, "constraint_fp": 2},
                     "c.three": {"tp": 2, "fp": 0, "constraint_tp": 2}}
    defined = {rid: {"kind": "entity", "label": "X", "source": f"f.jsonl:{n}"}
               for n, rid in enumerate(["a.one", "b.two", "c.three", "d.never", "e.silent"], start=1)}
    fired = {"a.one": Counter(matched=6, output=6), "b.two": Counter(matched=3, output=3),
             "c.three": Counter(matched=2, output=2), "e.silent": Counter(matched=4)}
    errors = [{"kind": "entity_fp", "criterion_id": "x-1", "label": "X", "span_text": "foo", "span": [0, 3],
               "rule": "b.two"},
              {"kind": "entity_fp", "criterion_id": "x-2", "label": "X", "span_text": "bar", "span": [0, 3],
               "rule": "a.one"},
              {"kind": "entity_fp", "criterion_id": "x-3", "label": "X", "span_text": "baz", "span": [0, 3],
               "rule": "a.one"}]
    table = rule_table(metrics_rules, defined, fired, errors)
    assert [r["rule"] for r in table["rules"]] == ["b.two", "a.one", "c.three"]
    assert table["rules"][1]["precision"] == round(5 / 6, 4)
    assert table["rules"][1]["boundary"] == 1  # two strict false positives, one of them an overlap fp
    assert table["rules"][0]["fp_examples"] == ["x-1: entity_fp X 'foo' (no gold span with these exact offsets)"]
    assert [r["rule"] for r in table["never_fired"]] == ["d.never"]
    assert [r["rule"] for r in table["matched_never_output"]] == ["e.silent"]
