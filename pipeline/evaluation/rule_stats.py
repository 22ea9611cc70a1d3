"""How each rule performs on gold (``eligex rules stats``): true and false positives per rule id,
worst first, the rules that never fired and those whose matches never reach the output."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from pipeline.core.reflow import pipeline_text
from pipeline.components.nlp import pipe_by_factory
from pipeline.components.units import default_normalizer
from pipeline.evaluation.metrics import evaluate_records, precision_recall_f1
from pipeline.extraction.records import doc_to_record
from pipeline.ingest.sections import Criterion
from pipeline.rules.sources import NO_SOURCE, rule_definitions, source_of


def run_with_firings(nlp, records: Sequence[dict]) -> Tuple[List[dict], Dict[str, Counter]]:
    """The predicted record of every gold record's text, and per rule id a Counter of ``matched``
    (entity rule matches before overlap resolution), ``output`` (entities in the output) and
    ``modifiers`` (ConText cues found)."""
    ruler = pipe_by_factory(nlp, "eligex_entities")
    fired: Dict[str, Counter] = {}
    preds = []
    for g, doc in zip(records, nlp.pipe([pipeline_text(r["text"]) for r in records])):
        data = doc._.eligex or {}
        crit = Criterion(text=g["text"], offset=0, section=g.get("section"), line=1,
                         criterion_id=g.get("criterion_id") or "", trial_id=g.get("trial_id") or "")
        preds.append(doc_to_record(crit, data))
        if ruler is not None:
            for c in ruler.candidates(doc):
                fired.setdefault(c.rule, Counter())["matched"] += 1
        for e in data.get("entities", []):
            fired.setdefault(e.get("rule"), Counter())["output"] += 1
        for m in data.get("context", []):
            fired.setdefault(m.get("rule"), Counter())["modifiers"] += 1
    return preds, fired


def rule_stats(nlp, records: Sequence[dict], configs: Optional[Path] = None) -> dict:
    """:func:`rule_table` of ``nlp`` run over the gold ``records``, with the rules under ``configs``."""
    preds, fired = run_with_firings(nlp, records)
    metrics, errors = evaluate_records(records, preds, default_normalizer().normalize)
    return rule_table(metrics["rules"], rule_definitions(configs), fired, errors)


def rule_table(metrics_rules: Dict[str, dict], defined: Dict[str, dict], fired: Dict[str, Counter],
               errors: Iterable[dict] = (), max_examples: int = 3) -> dict:
    """Per-rule figures, worst first, and the defined rules that never fired.

    ``metrics_rules`` is ``metrics["rules"]`` of :func:`pipeline.evaluation.metrics.evaluate_records`;
    ``defined`` maps rule id → ``{"kind", "label", "source"}`` for every rule in the config files;
    ``fired`` maps rule id → Counter of ``matched`` (rule matches), ``output`` (entities in the
    output), ``modifiers`` (ConText cues found); ``errors`` are the evaluation errors, whose
    ``rule`` gives example false positives.
    """
    examples: Dict[str, List[str]] = {}
    strict_fp: Counter = Counter()
    for e in errors:
        kind = e.get("kind")
        if kind not in ("entity_fp", "constraint_spurious", "negation_fp"):
            continue
        rules = e.get("rule") or []
        for r in rules if isinstance(rules, list) else [rules]:
            if kind == "entity_fp":
                strict_fp[r] += 1
            bucket = examples.setdefault(r, [])
            if len(bucket) < max_examples:
                if kind == "entity_fp":
                    what = f"{e['label']} {e['span_text']!r} (no gold span with these exact offsets)"
                elif kind == "negation_fp":
                    what = f"negation {e['cue']!r} → {e['target']!r}"
                else:
                    p = e["pred"]
                    what = f"bound {p['subject_text']!r} {p['side']} {p['value']:g} {p['unit'] or ''}".rstrip()
                bucket.append(f"{e.get('criterion_id') or '?'}: {kind} {what}")
    ids = set(metrics_rules) | {r for r, c in fired.items() if c.get("output")}
    rows = []
    for rid in ids:
        m = metrics_rules.get(rid, {})
        d = defined.get(rid) or defined.get(rid[len("abbrev."):] if rid.startswith("abbrev.") else "", {})
        tp, fp = m.get("tp", 0), m.get("fp", 0)
        rows.append({
            "rule": rid,
            "kind": d.get("kind") or ("abbreviation" if rid.startswith("abbrev.") else "built-in"),
            "label": d.get("label"),
            "source": d.get("source") or source_of(rid, {}) or NO_SOURCE,
            "tp": tp,
            "fp": fp,
            "precision": _rounded(precision_recall_f1(tp, fp, 0)[0]),
            "boundary": max(0, strict_fp.get(rid, 0) - fp),
            "constraint_tp": m.get("constraint_tp", 0),
            "constraint_fp": m.get("constraint_fp", 0),
            "matched": fired.get(rid, Counter()).get("matched", 0),
            "output": fired.get(rid, Counter()).get("output", 0),
            "fp_examples": examples.get(rid, []),
        })
    rows.sort(key=lambda r: (-r["fp"], -r["constraint_fp"], -r["boundary"], r["tp"] + r["constraint_tp"], r["rule"]))
    never = []
    for rid, d in sorted(defined.items()):
        c = fired.get(rid, Counter())
        if not c.get("matched") and not c.get("modifiers"):
            never.append({"rule": rid, "kind": d["kind"], "label": d.get("label"), "source": d.get("source")})
    silent = [{"rule": rid, "kind": d["kind"], "label": d.get("label"), "source": d.get("source"),
               "matched": fired[rid]["matched"]}
              for rid, d in sorted(defined.items())
              if d["kind"] == "entity" and fired.get(rid, Counter()).get("matched") and not fired[rid].get("output")]
    return {"rules": rows, "never_fired": never, "matched_never_output": silent}


def _rounded(x: Optional[float]) -> Optional[float]:
    return None if x is None else round(x, 4)
