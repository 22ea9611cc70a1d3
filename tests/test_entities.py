"""resolve_overlaps and rule priorities (pipeline/components/entities.py) on plain candidates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy

from pipeline.components.entities import Candidate, compile_rules, load_label_priority, resolve_overlaps
from pipeline.rules.loading import RuleError

ROOT = Path(__file__).resolve().parents[1]


def cand(name: str, start: int, end: int, priority: int, chars=None) -> Candidate:
    """A candidate over tokens [start, end); one token is 2 characters unless ``chars`` says."""
    s, e = chars or (2 * start, 2 * end)
    return Candidate(start, end, s, e, "LABEL", name, priority)


@pytest.mark.parametrize("candidates,kept", [
    # priority first, then length
    ([cand("long", 0, 3, 10), cand("short", 0, 1, 20)], ["short"]),
    ([cand("long", 0, 3, 10), cand("short", 0, 1, 10)], ["long"]),
    ([cand("low", 1, 2, 10), cand("high", 0, 3, 20)], ["high"]),
    # length is in characters, not tokens
    ([cand("two_tokens", 0, 2, 10, (0, 5)), cand("one_token", 0, 1, 10, (0, 9))], ["one_token"]),
    # ties: the earlier start, then the rule id
    ([cand("b", 1, 3, 10), cand("a", 0, 2, 10)], ["a"]),
    ([cand("later", 2, 4, 10), cand("earlier", 1, 3, 10)], ["earlier"]),
    ([cand("zeta", 0, 2, 10), cand("alpha", 0, 2, 10)], ["alpha"]),
    # nested: the outer span wins on length; an inner span of higher priority splits nothing off it
    ([cand("outer", 0, 4, 10), cand("inner", 1, 2, 10)], ["outer"]),
    ([cand("outer", 0, 4, 10), cand("inner", 1, 2, 30), cand("tail", 3, 4, 5)], ["inner", "tail"]),
    # adjacent and disjoint spans are all kept, in text order
    ([cand("right", 2, 4, 10), cand("left", 0, 2, 10)], ["left", "right"]),
    ([cand("c", 5, 6, 1), cand("a", 0, 1, 50), cand("b", 2, 3, 20)], ["a", "b", "c"]),
    # identical duplicates collapse; nothing in, nothing out
    ([cand("same", 0, 2, 10), cand("same", 0, 2, 10)], ["same"]),
    ([], []),
])
def test_resolve_overlaps(candidates, kept):
    out = resolve_overlaps(candidates)
    assert [c.rule for c in out] == kept
    assert all(a.end <= b.start for a, b in zip(out, out[1:]))  # no overlap, sorted


def test_resolve_overlaps_does_not_depend_on_input_order():
    cands = [cand("a", 0, 3, 10), cand("b", 2, 5, 10), cand("c", 4, 6, 30), cand("d", 0, 1, 10)]
    assert resolve_overlaps(cands) == resolve_overlaps(list(reversed(cands)))


@pytest.mark.parametrize("label,rule_priority,expected", [
    ("TEMPORAL", None, 50), ("VALUE", None, 10), ("VALUE", 5, 15), ("MEASUREMENT", -40, -5),
])
def test_priority_is_the_labels_plus_the_rules(label, rule_priority, expected):
    priority = load_label_priority(ROOT / "configs" / "labels.json")
    rule = {"id": "x.rule", "label": label, "phrases": ["word"]}
    if rule_priority is not None:
        rule["priority"] = rule_priority
    compiled = compile_rules(spacy.blank("en"), [rule], priority)
    assert compiled.meta["x.rule"] == (label, expected)


def test_label_priority_is_data():
    priority = load_label_priority(ROOT / "configs" / "labels.json")
    assert priority["TEMPORAL"] > priority["MEASUREMENT"] > priority["VALUE"]
    rule = {"id": "x.rule", "label": "VALUE", "phrases": ["word"]}
    assert compile_rules(spacy.blank("en"), [rule], {"VALUE": 99}).meta["x.rule"] == ("VALUE", 99)
    assert compile_rules(spacy.blank("en"), [rule], {}).meta["x.rule"] == ("VALUE", 0)


def test_a_misspelt_label_priority_is_an_error(tmp_path):
    data = json.loads((ROOT / "configs" / "labels.json").read_text(encoding="utf-8"))
    data["entity_priority"]["label"] = data["entity_priority"].pop("labels")
    path = tmp_path / "labels.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    with pytest.raises(RuleError, match="'label' was unexpected"):
        load_label_priority(path)
