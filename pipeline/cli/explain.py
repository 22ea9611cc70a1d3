"""``eligex explain``: which rule matched what, what ConText saw, how constraints were assembled."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer


def load_pipeline(model: Optional[Path], configs: Optional[Path]):
    """The built pipeline at ``model`` if given, else one built now from ``configs`` (default
    ``configs/``), so that rule edits show without ``make model`` and ``file:line`` match."""
    from pipeline.components.nlp import build, load
    from pipeline.rules.loading import RuleError

    try:
        if model is not None:
            return load(model)
        return build(configs)
    except RuleError as exc:
        for p in exc.problems:
            typer.echo(str(p), err=True)
        typer.echo("the rule files have problems (see `eligex rules validate`)", err=True)
        raise typer.Exit(1)
    except FileNotFoundError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _find_gold(gold: Path, fmt: str, criterion_id: str) -> dict:
    from pipeline.evaluation.gold import load_gold

    if not gold.exists():
        _fail(f"{gold}: no such file or folder")
    records, _, _ = load_gold(gold, fmt)
    for rec in records:
        if rec.get("criterion_id") == criterion_id:
            return rec
    _fail(f"{gold}: no gold criterion with id {criterion_id!r} ({len(records)} criteria read)")


def _find_output(path: Path, criterion_id: str) -> dict:
    from pipeline.core.jsonl import read_jsonl

    if not path.is_file():
        _fail(f"{path}: no such file")
    records, _, problems = read_jsonl(path)
    for p in problems:
        typer.echo(f"warning: {p} (line skipped)", err=True)
    for rec in records:
        if rec.get("criterion_id") == criterion_id and isinstance(rec.get("text"), str):
            return rec
    _fail(f"{path}: no record with criterion_id {criterion_id!r}")


def explain(
    text: Optional[str] = typer.Argument(None, help="A criterion text to explain."),
    criterion_id: Optional[str] = typer.Option(None, "--criterion-id", help="Take the criterion with this id from --gold or --input."),
    gold: Optional[Path] = typer.Option(None, "--gold", help="Gold JSONL file/folder (or LCT folder with --format brat-lct); also shows the differences from gold."),
    fmt: str = typer.Option("jsonl", "--format", help="Format of --gold: jsonl or brat-lct."),
    input_path: Optional[Path] = typer.Option(None, "--input", help="An `eligex extract` output JSONL; the criterion is re-run with the current rules."),
    html_out: Optional[Path] = typer.Option(None, "--html", help="Also write a self-contained HTML view (displaCy spans + tables)."),
    as_json: bool = typer.Option(False, "--json", help="Print the explanation as JSON instead of the text view."),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="Use this built pipeline (default: build from --configs now)."),
    configs: Optional[Path] = typer.Option(None, "--configs", help="Rule folder (default configs/)."),
) -> None:
    """Explain how the pipeline reads one criterion: tokens, rule matches (with file:line),
    ConText modifiers, abbreviations and the assembled constraints."""
    from pipeline.explain.explanation import (build_explanation, compare_constraints, process, render_html, render_text,
                                  rule_sources)
    from pipeline.core.io import OutputError, write_atomic

    sources_given = sum(x is not None for x in (text, gold, input_path))
    if sources_given != 1:
        _fail("give exactly one of: a TEXT, --gold PATH --criterion-id ID, --input FILE --criterion-id ID")
    if (gold is not None or input_path is not None) and not criterion_id:
        _fail("--gold and --input need --criterion-id")
    if text is not None and criterion_id:
        _fail("--criterion-id goes with --gold or --input, not with a TEXT")
    if fmt not in ("jsonl", "brat-lct"):
        _fail("--format must be jsonl or brat-lct")

    gold_rec = stored = None
    criterion = None
    if gold is not None:
        gold_rec = _find_gold(gold, fmt, criterion_id)
        text, criterion = gold_rec["text"], gold_rec
    elif input_path is not None:
        stored = _find_output(input_path, criterion_id)
        text, criterion = stored["text"], stored

    nlp = load_pipeline(model, configs)
    sources = rule_sources(configs)
    record, tr = process(nlp, text, criterion)
    expl = build_explanation(record, tr.tokens, tr.modifiers, sources, tr.matched, tr.overridden)
    if stored is not None:
        notes = compare_constraints(stored.get("constraints", []), record["constraints"])
        if notes:
            expl["notes"].append(f"{input_path} was made with other rules than the current ones:")
            expl["notes"] += notes
    if gold_rec is not None:
        from pipeline.evaluation.metrics import evaluate_records
        from pipeline.components.units import default_normalizer

        _, errors = evaluate_records([gold_rec], [record], default_normalizer().normalize)
        expl["evaluation"] = {"gold": str(gold), "errors": errors}

    if html_out is not None:
        try:
            write_atomic(html_out, render_html(expl), "--html", parents=True)
        except OutputError as exc:
            _fail(str(exc))
        typer.echo(f"wrote {html_out}", err=True)
    if as_json:
        typer.echo(json.dumps(expl, ensure_ascii=False, indent=2))
    else:
        typer.echo(render_text(expl))
