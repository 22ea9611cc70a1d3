"""Hand-built entity records for the constraint-step tests (no pipeline involved).

A criterion is written as tokens separated by spaces; ``word|LABEL`` makes an entity of one
token, ``two_words|LABEL`` of several (``_`` joins its words), and ``|C:>=`` / ``|C:>=:postfix``
/ ``|U:scale`` give attributes (``|U:implied_value=1`` a number). Labels: M (MEASUREMENT), S (SCORE), C (COMPARATOR), V (VALUE),
U (UNIT), T (TEMPORAL), D (CONDITION). A ``.`` token ends a sentence.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Tuple

from pipeline.components.constraints.config import AssemblyConfig

LABELS = {"M": "MEASUREMENT", "S": "SCORE", "C": "COMPARATOR", "V": "VALUE", "U": "UNIT",
          "T": "TEMPORAL", "D": "CONDITION"}

#: the shipped word lists (configs/constraints.json)
CONFIG = AssemblyConfig.from_dict(json.loads(
    (Path(__file__).resolve().parents[1] / "configs" / "constraints.json").read_text(encoding="utf-8")))


def _attr(flag: str) -> Tuple[str, object]:
    """``scale`` → ("scale", True); ``implied_value=1`` → ("implied_value", 1.0)."""
    name, eq, value = flag.partition("=")
    return (name, float(value)) if eq else (name, True)


def criterion(spec: str) -> Tuple[str, List[str], List[int], List[int], List[dict]]:
    """``(text, words, sent_of, token_starts, entities)`` for ``spec``."""
    words: List[str] = []
    ents: List[dict] = []
    for item in spec.split():
        word, _, tag = item.partition("|")
        parts = word.split("_")
        start = len(words)
        words.extend(parts)
        if tag:
            code, *attrs = tag.split(":")
            ents.append({"label": LABELS[code], "token_start": start, "token_end": len(words),
                         "rule": f"test.{code.lower()}", "attrs": attrs})
    starts, pos = [], 0
    for w in words:
        starts.append(pos)
        pos += len(w) + 1
    text = " ".join(words)
    sent_of, sent = [], 0
    for w in words:
        sent_of.append(sent)
        if w == ".":
            sent += 1
    for e in ents:
        e["start"] = starts[e["token_start"]]
        e["end"] = starts[e["token_end"] - 1] + len(words[e["token_end"] - 1])
        e["text"] = text[e["start"]:e["end"]]
        attrs = e.pop("attrs")
        if e["label"] == "COMPARATOR":
            e["attrs"] = {"op": attrs[0], **dict(_attr(flag) for flag in attrs[1:])}
        elif attrs:
            e["attrs"] = dict(_attr(flag) for flag in attrs)
        if e["label"] in ("MEASUREMENT", "SCORE"):
            e["norm"] = e["text"].lower()
    return text, words, sent_of, starts, ents
