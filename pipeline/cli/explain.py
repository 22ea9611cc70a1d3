"""``eligex explain``: which rule matched what, what ConText saw, how constraints were assembled."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _find_gold(gold: Path, fmt: str, criterion_id: str) -> dict:
    from pipeline.evaluation.gold import load_gold
    from pipeline.explain.trace import find_criterion

    if not gold.exists():
        _fail(f"{gold}: no such file or folder")
    records, _, _ = load_gold(gold, fmt)
    rec = find_criterion(records, criterion_id)
    if rec is None:
        _fail(f"{gold}: no gold criterion with id {criterion_id!r} ({len(records)} criteria read)")
    return rec


def _find_output(path: Path, criterion_id: str) -> dict:
    from pipeline.core.jsonl import read_jsonl
    from pipeline.explain.trace import find_criterion

    if not path.is_file():
        _fail(f"{path}: no such file")
    records, _, problems = read_jsonl(path)
    for p in problems:
        typer.echo(f"warning: {p} (line skipped)", err=True)
    rec = find_criterion(records, criterion_id)
    if rec is None:
        _fail(f"{path}: no record with criterion_id {criterion_id!r}")
    return rec


def _read_stdin() -> str:
    """The criterion given on standard input ('-'): one criterion, its trailing newline dropped;
    wrapped lines stay as they are (the pipeline reads a criterion over several lines)."""
    data = sys.stdin.buffer.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        _fail(f"<stdin>: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})")
    text = text.rstrip("\r\n")
    if not text.strip():
        _fail("<stdin>: empty (no criterion text)")
    return text


def explain(
    text: Optional[str] = typer.Argument(None, help="A criterion text to explain; '-' reads it from standard input."),
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
    from pipeline.components.nlp import describe_load_error, load_or_build
    from pipeline.core.io import OutputError, write_atomic
    from pipeline.evaluation.gold import GOLD_FORMATS
    from pipeline.explain.html import render_html
    from pipeline.explain.text import render_text
    from pipeline.explain.trace import explain_criterion
    from pipeline.rules.loading import RuleError
    from pipeline.rules.sources import rule_sources

    sources_given = sum(x is not None for x in (text, gold, input_path))
    if sources_given != 1:
        _fail("give exactly one of: a TEXT, --gold PATH --criterion-id ID, --input FILE --criterion-id ID")
    if (gold is not None or input_path is not None) and not criterion_id:
        _fail("--gold and --input need --criterion-id")
    if text is not None and criterion_id:
        _fail("--criterion-id goes with --gold or --input, not with a TEXT")
    if fmt not in GOLD_FORMATS:
        _fail(f"--format must be {' or '.join(GOLD_FORMATS)}")

    if text == "-":
        text = _read_stdin()
    gold_rec = stored = None
    criterion = None
    if gold is not None:
        gold_rec = _find_gold(gold, fmt, criterion_id)
        text, criterion = gold_rec["text"], gold_rec
    elif input_path is not None:
        stored = _find_output(input_path, criterion_id)
        text, criterion = stored["text"], stored

    try:
        nlp = load_or_build(model, configs)
    except (RuleError, FileNotFoundError) as exc:
        typer.echo(describe_load_error(exc), err=True)
        raise typer.Exit(1 if isinstance(exc, RuleError) else 2)
    expl = explain_criterion(nlp, text, rule_sources(configs), criterion, stored=stored, gold=gold_rec,
                             stored_name=str(input_path), gold_name=str(gold))
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
