"""``eligex rules ...``: checks for people who edit the rule files.

- ``validate``: every rule file against its schema (unknown keys, bad regexes, duplicate ids, bad
  labels); with ``--examples`` also each entity rule's ``examples`` / ``not_examples`` through the
  built pipeline's tokenizer and an entity component holding the rules under ``--configs``;
- ``stats``: per rule id, true and false positives on gold (from :func:`pipeline.evaluation.metrics.evaluate_records`),
  worst first, and the rules that never fired.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

import typer

from pipeline.explain.explanation import NO_SOURCE, source_of
from pipeline.core.paths import configs_dir
from pipeline.core.problems import Problem

app = typer.Typer(help="Validate rule files and see how each rule performs.", no_args_is_help=True)


# ----------------------------------------------------------------------------------------------
# examples / not_examples
# ----------------------------------------------------------------------------------------------

def _where(rule: dict):
    path, _, line = rule.get("_source", "").rpartition(":")
    return path or "?", int(line) if line.isdigit() else None


def check_examples(nlp, rules: Sequence[dict]) -> List[Problem]:
    """Problems with entity rules' ``examples`` and ``not_examples``.

    Each example is tokenised with ``nlp``'s tokenizer and matched by an entity component holding
    ``rules`` (overlaps resolved as in the pipeline): an example must yield a span of the rule's
    label made by that rule id; a not_example must not.
    """
    from pipeline.components.entities import EntityRuler

    ruler = EntityRuler(nlp, "eligex_entities_examples")
    ruler.set_rules(rules)
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


@app.command("validate")
def validate(
    configs: Path = typer.Option(None, "--configs", help="Folder of rule files (default configs/)."),
    examples: bool = typer.Option(False, "--examples", help="Also run each entity rule's examples/not_examples "
                                                            "through the built pipeline's tokenizer and the rules."),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="Built pipeline whose tokenizer --examples uses "
                                                                    "(default models/eligex, else built from configs/)."),
) -> None:
    """Check every rule file against its schema; errors name file, line and rule id."""
    from pipeline.rules.loading import RULE_KINDS, load_rules, validate_configs

    configs = configs or configs_dir()
    problems = validate_configs(configs)
    checked = 0
    if examples:
        from pipeline.components.nlp import load

        # only the rules that passed the schema; their problems are reported above
        rules, _ = load_rules(Path(configs) / RULE_KINDS["entity"][1], "entity")
        checked = sum(len(r.get("examples", [])) + len(r.get("not_examples", [])) for r in rules)
        problems += check_examples(load(model), rules)
    for p in problems:
        typer.echo(str(p), err=True)
    if problems:
        typer.echo(f"{len(problems)} problem(s) in rule files", err=True)
        raise typer.Exit(1)
    typer.echo("all rule files valid" + (f"; {checked} examples/not_examples pass" if examples else ""))


# ----------------------------------------------------------------------------------------------
# stats
# ----------------------------------------------------------------------------------------------

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
            "precision": round(tp / (tp + fp), 4) if tp + fp else None,
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


def _stats_lines(table: dict, show: int) -> List[str]:
    rows = table["rules"]
    header = ["rule", "label", "fp", "tp", "prec", "span≠", "c.fp", "c.tp", "out", "source"]
    cells = [[r["rule"], r["label"] or r["kind"], str(r["fp"]), str(r["tp"]),
              "-" if r["precision"] is None else f"{r['precision']:.2f}", str(r["boundary"]), str(r["constraint_fp"]),
              str(r["constraint_tp"]), str(r["output"]), r["source"] or ""] for r in rows]
    widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(header)]
    fmt = lambda cs: "  ".join(c.ljust(w) for c, w in zip(cs, widths)).rstrip()  # noqa: E731
    lines = [f"{table['gold']['criteria']} gold criteria from {table['gold']['path']}" if "gold" in table else "",
             "per rule, most false positives first. fp/tp: entities matched to gold by overlap; span≠: spans "
             "that overlap gold but with other offsets; c.fp/c.tp: constraint bounds the rule took part in; "
             "out: entities in the output",
             fmt(header), fmt(["-" * w for w in widths])]
    for r, c in zip(rows, cells):
        lines.append(fmt(c))
        for ex in r["fp_examples"][:show]:
            lines.append(f"    e.g. {ex}")
    never = table["never_fired"]
    silent = table["matched_never_output"]
    w = max([len(r["rule"]) for r in never + silent] + [4])
    lines.append("")
    lines.append(f"{len(never)} rule(s) never fired on this gold:")
    for r in never:
        lines.append(f"  {r['rule']:<{w}}  {r['label'] or r['kind']:<18} {r['source'] or ''}")
    if silent:
        lines.append("")
        lines.append(f"{len(silent)} entity rule(s) matched but never reached the output "
                     "(lost overlap resolution or dropped as unused):")
        for r in silent:
            lines.append(f"  {r['rule']:<{w}}  {r['label'] or r['kind']:<18} matched {r['matched']}x  {r['source'] or ''}")
    return [x for x in lines if x is not None]


@app.command("stats")
def stats(
    gold: Path = typer.Option(..., "--gold", help="Gold JSONL file or folder (or LCT folder with --format brat-lct)."),
    fmt: str = typer.Option("jsonl", "--format", help="jsonl (our doccano JSONL) or brat-lct."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write the per-rule figures as JSON."),
    show: int = typer.Option(2, "--show", help="False-positive examples to print under each rule."),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="Use this built pipeline (default: build from --configs now)."),
    configs: Optional[Path] = typer.Option(None, "--configs", help="Rule folder (default configs/)."),
) -> None:
    """Per rule: true and false positives on gold, worst first; and the rules that never fired."""
    from pipeline.cli.explain import load_pipeline
    from pipeline.components.entities import match_candidates
    from pipeline.evaluation.metrics import evaluate_records, load_gold
    from pipeline.explain.explanation import component_factory, display_path
    from pipeline.core.reflow import pipeline_text
    from pipeline.extraction.records import doc_to_record
    from pipeline.rules.loading import RULE_KINDS, load_rules
    from pipeline.ingest.sections import Criterion
    from pipeline.components.units import default_normalizer

    if fmt not in ("jsonl", "brat-lct"):
        raise typer.BadParameter("--format must be jsonl or brat-lct")
    if not gold.exists():
        typer.echo(f"error: {gold}: no such file or folder", err=True)
        raise typer.Exit(2)
    records, problems, _ = load_gold(gold, fmt)
    for p in problems[:5]:
        typer.echo(f"gold: {p}", err=True)
    if len(problems) > 5:
        typer.echo(f"gold: ... {len(problems) - 5} more problem(s) (`eligex evaluate` lists them all)", err=True)
    if not records:
        typer.echo(f"error: {gold}: no gold records", err=True)
        raise typer.Exit(2)

    nlp = load_pipeline(model, configs)
    ruler = next((proc for name, proc in nlp.pipeline if component_factory(nlp, name) == "eligex_entities"), None)
    fired: Dict[str, Counter] = {}
    preds = []
    for g, doc in zip(records, nlp.pipe([pipeline_text(r["text"]) for r in records])):
        data = doc._.eligex or {}
        crit = Criterion(text=g["text"], offset=0, section=g.get("section"), line=1,
                         criterion_id=g.get("criterion_id") or "", trial_id=g.get("trial_id") or "")
        preds.append(doc_to_record(crit, data))
        if ruler is not None and getattr(ruler, "_compiled", None) is not None:
            for c in match_candidates(doc, ruler._compiled):
                fired.setdefault(c.rule, Counter())["matched"] += 1
        for e in data.get("entities", []):
            fired.setdefault(e.get("rule"), Counter())["output"] += 1
        for m in data.get("context", []):
            fired.setdefault(m.get("rule"), Counter())["modifiers"] += 1
    metrics, errors = evaluate_records(records, preds, default_normalizer().normalize)

    defined: Dict[str, dict] = {}
    for kind in ("entity", "context"):
        rules, _ = load_rules(Path(configs or configs_dir()) / RULE_KINDS[kind][1], kind)
        for r in rules:
            defined.setdefault(r["id"], {"kind": kind, "label": r.get("label") or r.get("category"),
                                         "source": display_path(r["_source"])})
    table = {"gold": {"path": str(gold), "format": fmt, "criteria": len(records), "problems": len(problems)},
             **rule_table(metrics["rules"], defined, fired, errors)}
    for line in _stats_lines(table, show):
        typer.echo(line)
    if json_out:
        from pipeline.explain.explanation import write_atomic

        write_atomic(json_out, json.dumps(table, indent=2, ensure_ascii=False) + "\n")
