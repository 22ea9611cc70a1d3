"""``eligex evaluate``: run the pipeline on gold texts and score it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer


def evaluate(
    gold: Path = typer.Option(..., "--gold", help="Gold JSONL file or folder (or LCT folder with --format brat-lct)."),
    fmt: str = typer.Option("jsonl", "--format",
                            help="jsonl (our doccano JSONL), brat-lct, or segmentation (criterion boundaries, "
                                 "annotations/segmentation/)."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write the figures as JSON."),
    errors_out: Optional[Path] = typer.Option(None, "--errors", help="Write every false positive/negative as JSONL."),
    predictions_out: Optional[Path] = typer.Option(None, "--predictions", help="Write the predicted records as JSONL."),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="Built pipeline (default models/eligex)."),
    report_out: Optional[Path] = typer.Option(
        None, "--report", help="Write one self-contained HTML report (charts, tables, every error in context)."),
    markdown_out: Optional[str] = typer.Option(
        None, "--markdown", help="Write a Markdown summary to this file, or to standard output with '-'."),
    categories: Optional[str] = typer.Option(
        None, "--categories",
        help="Score only the constraints of these categories (comma-separated: age, lab, vital, measurement, "
             "score, temporal, duration, count, grade); entities, relations and negation are scored as always."),
) -> None:
    """Score the pipeline against gold annotations."""
    from pipeline.components.nlp import load
    from pipeline.evaluation.gold import GOLD_FORMATS, load_gold
    from pipeline.evaluation.metrics import check_categories
    from pipeline.evaluation.run import evaluate as run_evaluation
    from pipeline.core.io import OutputError, check_target, write_atomic, write_lines_atomic
    from pipeline.reporting import ReportError, render_markdown, render_report, stamp_metrics
    from pipeline.reporting.terminal import metrics_summary_lines

    if fmt == "segmentation":
        return _segmentation(gold, json_out, errors_out)
    if fmt not in GOLD_FORMATS:
        raise typer.BadParameter(f"--format must be {', '.join(GOLD_FORMATS)} or segmentation")
    scored = None
    if categories is not None:
        try:
            scored = check_categories(c.strip() for c in categories.split(",") if c.strip())
            if not scored:
                raise ValueError("no category given")
        except ValueError as exc:
            typer.echo(f"error: --categories: {exc}", err=True)
            raise typer.Exit(2)
    # report targets are checked before the (slow) run, so a typo costs nothing
    try:
        if report_out:
            check_target(report_out, "--report")
        if markdown_out and markdown_out != "-":
            check_target(Path(markdown_out), "--markdown")
    except (ReportError, OutputError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)
    if not gold.exists():
        typer.echo(f"error: {gold}: no such file or folder", err=True)
        raise typer.Exit(2)
    records, problems, info = load_gold(gold, fmt)
    for p in problems:
        typer.echo(f"gold: {p}", err=True)
    if not records:
        typer.echo(f"error: {gold}: no gold records", err=True)
        raise typer.Exit(2)
    metrics, errors, preds = run_evaluation(load(model), records, scored)
    metrics = stamp_metrics(metrics)  # + pipeline_version, rules_hash, date
    metrics["gold"] = {"path": str(gold), "format": fmt, "problems": len(problems), **info}
    for line in metrics_summary_lines(metrics):
        typer.echo(line)
    try:
        if json_out:
            write_atomic(json_out, json.dumps(metrics, indent=2, ensure_ascii=False), "--json", parents=True)
        if errors_out:
            write_lines_atomic(errors_out, (json.dumps(e, ensure_ascii=False) for e in errors), "--errors", parents=True)
        if predictions_out:
            write_lines_atomic(predictions_out, (json.dumps(p, ensure_ascii=False) for p in preds), "--predictions",
                               parents=True)
        if markdown_out:
            text = render_markdown(metrics)
            if markdown_out == "-":
                typer.echo("")
                typer.echo(text, nl=False)
            else:
                write_atomic(Path(markdown_out), text, "--markdown")
        if report_out:
            write_atomic(report_out, render_report(metrics, errors, records, preds), "--report")
            typer.echo(f"report: {report_out}", err=True)
    except (ReportError, OutputError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)


def _segmentation(gold: Path, json_out: Optional[Path], errors_out: Optional[Path]) -> None:
    """``--format segmentation``: the segmenter (boundaries, population, parent) against gold."""
    from pipeline.core.io import write_atomic, write_lines_atomic
    from pipeline.evaluation.boundaries import evaluate_file, summary_lines

    if not gold.exists():
        typer.echo(f"error: {gold}: no such file or folder", err=True)
        raise typer.Exit(2)
    metrics, errors, problems = evaluate_file(gold)
    for p in problems:
        typer.echo(f"gold: {p}", err=True)
    if not metrics:
        typer.echo(f"error: {gold}: no gold trials", err=True)
        raise typer.Exit(2)
    for line in summary_lines(metrics):
        typer.echo(line)
    if json_out:
        write_atomic(json_out, json.dumps(metrics, indent=2) + "\n", "--json", parents=True)
    if errors_out:
        write_lines_atomic(errors_out, (json.dumps(e, ensure_ascii=False) for e in errors), "--errors", parents=True)
