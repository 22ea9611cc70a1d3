"""``eligex explain``: why the pipeline read a criterion the way it did.

An *explanation* is a plain JSON-serialisable dict built by the pure function
:func:`build_explanation` from one output record, the Doc's tokens and the ConText modifiers:
the tokens (with indices), every entity span with the rule that made it and that rule's
``file:line``, spans a rule matched but that did not reach the output (lost in overlap resolution
or dropped as orphans by constraint assembly), the ConText modifiers (cue, rule, scope, targets),
the abbreviations and the assembled constraints with the rules behind each.

:mod:`pipeline.explain.trace` runs a pipeline to collect those inputs; :mod:`pipeline.explain.text`
and :mod:`pipeline.explain.html` render an explanation.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

from pipeline.reporting.bounds import format_bound
from pipeline.rules.sources import source_of

ENTITY_FLAGS = ("negated", "uncertain", "historical", "hypothetical", "family", "exception", "result")


def token_rows(doc) -> List[dict]:
    """The tokens of a Doc as ``{i, text, start, end, sent_start}``."""
    return [{"i": t.i, "text": t.text, "start": t.idx, "end": t.idx + len(t.text),
             "sent_start": bool(t.is_sent_start) or t.i == 0} for t in doc]


def token_span(tokens: Sequence[dict], start: int, end: int) -> Optional[List[int]]:
    """The token range ``[first, last + 1)`` covering characters ``[start, end)``."""
    idx = [t["i"] for t in tokens if t["start"] < end and start < t["end"]]
    return [idx[0], idx[-1] + 1] if idx else None


def _rule_ref(rule_id: Optional[str], sources: Dict[str, str]) -> dict:
    return {"id": rule_id, "source": source_of(rule_id, sources)}


def _entity_view(ent: dict, text: str, tokens: Sequence[dict], sources: Dict[str, str]) -> dict:
    view = {
        "id": ent.get("id"),
        "label": ent["label"],
        "start": ent["start"],
        "end": ent["end"],
        "tokens": token_span(tokens, ent["start"], ent["end"]),
        "text": ent.get("text", text[ent["start"]:ent["end"]]),
        "rule": ent.get("rule"),
        "source": source_of(ent.get("rule"), sources),
        "norm": ent.get("norm"),
        "category": ent.get("category"),
        "flags": {k: ent[k] for k in ENTITY_FLAGS if ent.get(k)},
    }
    if ent.get("attrs"):
        view["attrs"] = dict(ent["attrs"])
    if ent.get("target"):  # a negation cue whose target is a phrase, not an entity
        a, b = ent["target"][0], ent["target"][1]
        view["target"] = {"start": a, "end": b, "text": ent.get("target_text") or text[a:b]}
    return view


def _key(ent: dict) -> Tuple:
    return ent["start"], ent["end"], ent["label"], ent.get("rule")


def build_explanation(record: dict, tokens: Sequence[dict], modifiers: Sequence[dict] = (),
                      sources: Optional[Dict[str, str]] = None, matched: Sequence[dict] = (),
                      overridden: Sequence[dict] = ()) -> dict:
    """The explanation of one processed criterion.

    ``record`` is an output record (:func:`pipeline.extraction.records.doc_to_record`); ``tokens`` come from
    :func:`token_rows`; ``modifiers`` are ``doc._.eligex["context"]``; ``sources`` maps rule ids
    to ``file:line``; ``matched`` are the entities before constraint assembly (those not in the
    output were dropped); ``overridden`` are rule matches that lost overlap resolution, each with
    ``lost_to`` (the rule id of the span that won).
    """
    sources = sources or {}
    text = record["text"]

    def span_text(a: int, b: int) -> str:
        return text[a:b]

    entities = [_entity_view(e, text, tokens, sources) for e in record.get("entities", [])]
    by_id = {e["id"]: e for e in entities if e.get("id") is not None}
    out_keys = {_key(e) for e in record.get("entities", [])}
    dropped = [dict(_entity_view(e, text, tokens, sources), reason="not used in a constraint")
               for e in matched if _key(e) not in out_keys]
    lost = []
    for e in overridden:
        view = _entity_view(e, text, tokens, sources)
        view["reason"] = f"overlaps {e['lost_to']} (higher priority or longer)" if e.get("lost_to") else "overlap"
        view["lost_to"] = e.get("lost_to")
        lost.append(view)

    mods = []
    for m in modifiers:
        scope = m.get("scope")
        mods.append({
            "category": m["category"],
            "direction": m.get("direction"),
            "cue": m["cue"],
            "start": m["start"],
            "end": m["end"],
            "tokens": token_span(tokens, m["start"], m["end"]),
            "rule": m.get("rule"),
            "source": source_of(m.get("rule"), sources),
            "scope": list(scope) if scope else None,
            "scope_text": span_text(*scope) if scope else None,
            "targets": [{"start": a, "end": b, "text": span_text(a, b)} for a, b in m.get("targets", [])],
        })

    abbreviations = [{"short_text": a["short_text"], "long_text": a["long_text"],
                      "short": list(a["short"]), "long": list(a["long"])}
                     for a in record.get("abbreviations", [])]

    constraints = []
    for c in record.get("constraints", []):
        subj = by_id.get(c.get("subject_id"))
        span = c.get("span")
        constraints.append({
            "subject": c.get("subject"),
            "subject_text": c.get("subject_text"),
            "subject_span": [subj["start"], subj["end"]] if subj else None,
            "category": c.get("category"),
            "bound": format_bound(c.get("lower"), c.get("upper")),
            "lower": c.get("lower"),
            "upper": c.get("upper"),
            "unit": c.get("unit"),
            "unit_text": c.get("unit_text"),
            "scale_max": c.get("scale_max"),
            "condition": c.get("condition"),
            "negated": bool(c.get("negated")),
            "context": c.get("context") or {},
            "span": list(span) if span else None,
            "span_text": span_text(*span) if span else None,
            "rules": [_rule_ref(r, sources) for r in c.get("rules", [])],
        })

    relations = []
    for r in record.get("relations", []):
        a, b = by_id.get(r.get("from")), by_id.get(r.get("to"))
        if a and b:
            relations.append({"type": r["type"], "from": a["text"], "from_id": a["id"],
                              "to": b["text"], "to_id": b["id"]})

    return {
        "trial_id": record.get("trial_id"),
        "criterion_id": record.get("criterion_id"),
        "section": record.get("section"),
        "text": text,
        "tokens": [dict(t) for t in tokens],
        "entities": entities,
        "dropped": dropped,
        "overridden": lost,
        "modifiers": mods,
        "abbreviations": abbreviations,
        "relations": relations,
        "constraints": constraints,
        "notes": [],
    }


def compare_constraints(stored: Sequence[dict], current: Sequence[dict]) -> List[str]:
    """Differences between the constraints of a stored record and of a fresh run (as notes)."""
    def view(c: dict) -> Tuple:
        return (c.get("subject"), format_bound(c.get("lower"), c.get("upper")), c.get("unit"),
                c.get("scale_max"), c.get("condition"), bool(c.get("negated")))

    a = [view(c) for c in stored]
    b = [view(c) for c in current]
    notes = []
    for v in a:
        if v not in b:
            notes.append(f"stored record has {v[0]} {v[1]} {v[2] or ''}".rstrip() + ", the current rules do not")
    for v in b:
        if v not in a:
            notes.append(f"the current rules give {v[0]} {v[1]} {v[2] or ''}".rstrip() + ", the stored record does not")
    return notes
