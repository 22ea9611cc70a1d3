"""Step 4, scope: the CONDITION a criterion scopes its thresholds to ("for SLE patients").

The same ``condition_scope`` patterns decide what condition the items of a list inherit from the
criterion that opens it (:func:`scoped_condition`, applied to whole trials after the pipeline by
:func:`pipeline.extraction.records.inherit_conditions`)."""

import re
from functools import lru_cache
from typing import List, Optional, Sequence, Tuple

import regex


@lru_cache(maxsize=256)
def _scope_parts(pattern: str) -> Optional[Tuple["regex.Pattern", "regex.Pattern"]]:
    """A condition-scope pattern split at its ``{COND}``: what must end right before the
    condition (a lookbehind, so ``\\b`` still sees the whole text) and what must follow it.
    Compiled once per pattern, whatever the condition; ``None`` without exactly one ``{COND}``."""
    if pattern.count("{COND}") != 1:
        return None
    before, after = pattern.split("{COND}")
    flags = regex.IGNORECASE | regex.V0
    return regex.compile(f"(?<=(?:{before}))", flags), regex.compile(after, flags)


@lru_cache(maxsize=8192)
def _scope_regex(pattern: str, condition_text: str) -> "re.Pattern":
    """A condition-scope pattern with ``{COND}`` filled in (only for patterns that
    :func:`_scope_parts` cannot split)."""
    return re.compile(pattern.replace("{COND}", f"(?P<cond>{re.escape(condition_text)})"), re.IGNORECASE)


def scope_conditions(text: str, ents: Sequence[dict], patterns: Sequence[str]) -> List[int]:
    """CONDITION entities the criterion scopes its thresholds to ("for SLE patients"): a
    ``condition_scope`` pattern matches with the entity in its ``{COND}``."""
    out = []
    for idx, e in enumerate(ents):
        if e["label"] != "CONDITION":
            continue
        for pat in patterns:
            parts = _scope_parts(pat)
            if parts is not None:
                if parts[0].match(text, e["start"]) and parts[1].match(text, e["end"]):
                    out.append(idx)
                    break
                continue
            rx = _scope_regex(pat, e["text"])
            if any(m.start("cond") == e["start"] for m in rx.finditer(text)):
                out.append(idx)
                break
    return out



def scoped_condition(text: str, ents: Sequence[dict], patterns: Sequence[str]) -> Optional[str]:
    """The condition (its ``norm``, else its text) of the first CONDITION entity a
    ``condition_scope`` pattern scopes ``text`` to, or ``None``. Used on the text of a criterion
    that opens a list ("Patients with DM who … meet the following conditions:"), whose items
    inherit it."""
    found = scope_conditions(text, ents, patterns)
    if not found:
        return None
    ent = ents[found[0]]
    return ent.get("norm") or ent["text"]
