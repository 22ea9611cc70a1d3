"""Running a pipeline over one criterion component by component, for ``eligex explain``.

:func:`trace` keeps what the output record does not show: the entity rule matches that lost
overlap resolution and the entities as they stood before constraint assembly. :func:`process`
gives the output record with its :class:`Trace`; :func:`explain_text` and
:func:`explain_criterion` the explanation.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from pipeline.core.reflow import pipeline_text
from pipeline.components.entities import resolve_overlaps
from pipeline.components.nlp import component_factory
from pipeline.core import extensions
from pipeline.explain.explanation import build_explanation, compare_constraints, token_rows
from pipeline.extraction.records import doc_to_record
from pipeline.ingest.sections import Criterion


@dataclass
class Trace:
    """What one run of the pipeline over one text leaves behind, for :func:`build_explanation`."""

    doc: object
    tokens: List[dict]
    modifiers: List[dict]
    matched: List[dict] = field(default_factory=list)
    overridden: List[dict] = field(default_factory=list)


def trace(nlp, text: str) -> Trace:
    """Run ``nlp`` over ``text`` one component at a time, keeping the entity rule matches that
    lost overlap resolution and the entities as they stood before constraint assembly."""
    doc = nlp.make_doc(text)
    matched: List[dict] = []
    overridden: List[dict] = []
    for name, proc in nlp.pipeline:
        factory = component_factory(nlp, name)
        if factory == "eligex_entities":
            cands = proc.candidates(doc)
            kept = resolve_overlaps(cands)
            kept_set = set(kept)
            seen = set()
            for c in sorted(set(cands), key=lambda c: (c.start, c.end, c.rule)):
                if c in kept_set or (c.start, c.end, c.label, c.rule) in seen:
                    continue
                seen.add((c.start, c.end, c.label, c.rule))
                winner = next((k for k in kept if k.start < c.end and c.start < k.end), None)
                if winner is not None and winner.rule == c.rule and winner.start <= c.start and c.end <= winner.end:
                    continue  # a shorter phrase of the same rule inside its own longer match
                overridden.append({"label": c.label, "start": c.start_char, "end": c.end_char,
                                   "text": text[c.start_char:c.end_char], "rule": c.rule,
                                   "lost_to": winner.rule if winner else None})
        if factory == "eligex_constraints":
            matched = copy.deepcopy(extensions.state(doc)["entities"])
        doc = proc(doc)
    data = doc._.eligex or {}
    return Trace(doc, token_rows(doc), list(data.get("context", [])), matched, overridden)


def process(nlp, text: str, criterion: Optional[dict] = None) -> Tuple[dict, Trace]:
    """The output record of ``text`` (ids and section from ``criterion``) and its :class:`Trace`."""
    tr = trace(nlp, pipeline_text(text))  # a multi-line criterion is read reflowed
    criterion = criterion or {}
    crit = Criterion(text=text, offset=criterion.get("offset", 0) or 0, section=criterion.get("section"),
                     line=criterion.get("line", 1) or 1,
                     criterion_id=criterion.get("criterion_id") or "text-001",
                     trial_id=criterion.get("trial_id") or "")
    return doc_to_record(crit, tr.doc._.eligex or {}), _trace_on(tr, text)


def _trace_on(tr: Trace, text: str) -> Trace:
    """``tr`` (of the reflowed text) with its offsets moved to ``text``, as the record's are."""
    from pipeline.core.reflow import OffsetMap, has_breaks, remap_eligex

    if not has_breaks(text):
        return tr
    omap = OffsetMap(text)
    tokens = [{**t, "start": omap.start(t["start"]), "end": omap.end(t["end"])} for t in tr.tokens]
    moved = remap_eligex({"context": tr.modifiers, "entities": tr.matched + tr.overridden}, text)
    n = len(tr.matched)
    return Trace(tr.doc, tokens, moved["context"], moved["entities"][:n], moved["entities"][n:])


def explain_text(nlp, text: str, sources: Optional[Dict[str, str]] = None,
                 criterion: Optional[dict] = None) -> dict:
    """Run ``nlp`` over ``text`` and explain the result; ``criterion`` supplies ids/section."""
    record, tr = process(nlp, text, criterion)
    return build_explanation(record, tr.tokens, tr.modifiers, sources, tr.matched, tr.overridden)


def explain_criterion(nlp, text: str, sources: Dict[str, str], criterion: Optional[dict] = None,
                      stored: Optional[dict] = None, gold: Optional[dict] = None, stored_name: str = "",
                      gold_name: str = "gold") -> dict:
    """The explanation of ``text`` (ids and section from ``criterion``). With ``stored`` (an earlier
    output record of it, from ``stored_name``): notes on how the current rules read it otherwise.
    With ``gold`` (its gold record, from ``gold_name``): the differences from gold."""
    record, tr = process(nlp, text, criterion)
    expl = build_explanation(record, tr.tokens, tr.modifiers, sources, tr.matched, tr.overridden)
    if stored is not None:
        notes = compare_constraints(stored.get("constraints", []), record["constraints"])
        if notes:
            expl["notes"].append(f"{stored_name} was made with other rules than the current ones:")
            expl["notes"] += notes
    if gold is not None:
        from pipeline.components.units import default_normalizer
        from pipeline.evaluation.metrics import evaluate_records

        _, errors = evaluate_records([gold], [record], default_normalizer().normalize)
        expl["evaluation"] = {"gold": gold_name, "errors": errors}
    return expl


def find_criterion(records: Sequence[dict], criterion_id: str) -> Optional[dict]:
    """The first record with ``criterion_id`` and a text, or None."""
    return next((r for r in records if r.get("criterion_id") == criterion_id and isinstance(r.get("text"), str)),
                None)
