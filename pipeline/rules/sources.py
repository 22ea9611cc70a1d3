"""Where each rule is defined: ``file:line`` of every entity and ConText rule, for ``eligex explain``
and ``eligex rules stats``.

Rule ids made in code (not in ``configs/``) are listed in :data:`BUILTIN_RULES`; an abbreviation's
short form lent a long form's label (``abbrev.X``) points at rule ``X``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Optional

from pipeline.core.paths import configs_dir
from pipeline.rules.loading import RULE_KINDS, load_rules

#: rule ids not defined in configs/ and where they come from
BUILTIN_RULES = {"shape.np_comparator_value": "built-in: pipeline/components/shapes.py",
                 "shape.value_unit_np": "built-in: pipeline/components/shapes.py"}
ABBREV_PREFIX = "abbrev."
#: shown for a rule id defined nowhere in configs/ (made in code, or a model built from other rules)
NO_SOURCE = "not in configs/"


def display_path(source: str) -> str:
    """``/repo/configs/x.jsonl:3`` → ``configs/x.jsonl:3`` when under the working directory."""
    path, sep, line = source.rpartition(":")
    if not sep:
        return source
    try:
        rel = os.path.relpath(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return source
    return f"{rel if not rel.startswith('..') else path}:{line}"


def rule_definitions(configs: Optional[Path] = None) -> Dict[str, dict]:
    """Rule id → ``{"kind", "label", "source"}`` for every entity and ConText rule under ``configs``
    (``label``: an entity rule's label, a ConText rule's category; ``source``: ``file:line``).

    Loading is lenient: rules with problems are left out (``eligex rules validate`` reports them).
    """
    configs = Path(configs or configs_dir())
    out: Dict[str, dict] = {}
    for kind in ("entity", "context"):
        rules, _ = load_rules(configs / RULE_KINDS[kind][1], kind)
        for rule in rules:
            out.setdefault(rule["id"], {"kind": kind, "label": rule.get("label") or rule.get("category"),
                                        "source": display_path(rule["_source"])})
    return out


def rule_sources(configs: Optional[Path] = None) -> Dict[str, str]:
    """Rule id → ``file:line`` for every entity and ConText rule under ``configs``."""
    return {rid: d["source"] for rid, d in rule_definitions(configs).items()}


def source_of(rule_id: Optional[str], sources: Dict[str, str]) -> Optional[str]:
    """Where ``rule_id`` is defined; ``abbrev.X`` (a short form lent X's label) points at X."""
    if not rule_id:
        return None
    if rule_id in sources:
        return sources[rule_id]
    if rule_id in BUILTIN_RULES:
        return BUILTIN_RULES[rule_id]
    if rule_id.startswith(ABBREV_PREFIX):
        inner = source_of(rule_id[len(ABBREV_PREFIX):], sources)
        return f"short form of {inner}" if inner else "abbreviation (pipeline/components/abbreviations.py)"
    return None
