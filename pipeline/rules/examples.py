"""The ``examples`` and ``not_examples`` of entity rules, checked through a pipeline's tokenizer
(``eligex rules validate --examples``)."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from pipeline.components.entities import EntityRuler, load_label_priority
from pipeline.core.problems import Problem
from pipeline.rules.loading import RULE_KINDS, RuleError, load_rules


def _where(rule: dict):
    path, _, line = rule.get("_source", "").rpartition(":")
    return path or "?", int(line) if line.isdigit() else None


def check_examples(nlp, rules: Sequence[dict], label_priority: Dict[str, int]) -> List[Problem]:
    """Problems with entity rules' ``examples`` and ``not_examples``.

    Each example is tokenised with ``nlp``'s tokenizer and matched by an entity component holding
    ``rules`` and ``label_priority`` (overlaps resolved as in the pipeline): an example must yield
    a span of the rule's label made by that rule id; a not_example must not.
    """
    ruler = EntityRuler(nlp, "eligex_entities_examples")
    ruler.set_rules(rules, label_priority)
    problems: List[Problem] = []
    for rule in rules:
        rid, label = rule["id"], rule["label"]
        path, line = _where(rule)
        for key, must in (("examples", True), ("not_examples", False)):
            for example in rule.get(key, []):
                doc = nlp.make_doc(example)
                ents = ruler(doc)._.eligex["entities"]
                own = [e for e in ents if e["rule"] == rid and e["label"] == label]
                if must and not own:
                    got = "; ".join(f"{e['label']} {e['text']!r} by {e['rule']}" for e in ents) or "no entity"
                    problems.append(Problem(path, line, f"example {example!r} gives no {label} span by this rule "
                                                        f"(got: {got})", record=rid))
                elif not must and own:
                    spans = ", ".join(repr(e["text"]) for e in own)
                    problems.append(Problem(path, line, f"not_example {example!r} gives {label} {spans} by this rule",
                                            record=rid))
    return problems


def check_rule_examples(nlp, configs: Path) -> Tuple[int, List[Problem]]:
    """How many examples/not_examples the entity rules under ``configs`` have, and their problems.
    Only the rules that pass the schema are checked (``validate_configs`` reports the others)."""
    rules, _ = load_rules(Path(configs) / RULE_KINDS["entity"][1], "entity")
    checked = sum(len(r.get("examples", [])) + len(r.get("not_examples", [])) for r in rules)
    try:
        label_priority = load_label_priority(Path(configs) / "labels.json")
    except RuleError:
        return checked, []  # labels.json's problems are reported by validate_configs
    return checked, check_examples(nlp, rules, label_priority)
