"""``eligex evaluate``: run the pipeline on gold texts and score it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer


def summary_lines(metrics: dict) -> list:
    lines = [f"{metrics['documents']} criteria"]
    for key in ("entities", "relations", "constraints", "negation"):
        m = metrics[key]
        lines.append(f"{key:<12} P {m['precision']:.3f}  R {m['recall']:.3f}  F1 {m['f1']:.3f}  "
                     f"(tp {m['tp']}, fp {m['fp']}, fn {m['fn']})")
    ov = metrics["entities"]["overlap"]
    lines.append(f"{'entities~':<12} P {ov['precision']:.3f}  R {ov['recall']:.3f}  F1 {ov['f1']:.3f}  (overlap)")
    lines.append("per label (strict | overlap F1):")
    for label, m in metrics["entities"]["per_label"].items():
        o = ov["per_label"].get(label, {})
        lines.append(f"  {label:<12} P {m['precision']:.3f} R {m['recall']:.3f} F1 {m['f1']:.3f} | {o.get('f1', 0):.3f}"
                     f"  (tp {m['tp']}, fp {m['fp']}, fn {m['fn']})")
    c = metrics["constraints"]
    lines.append(f"constraint errors by kind: {json.dumps(c['errors'])}")
    lines.append("constraint parts (bounds): " + "; ".join(
        f"{name} P {m['precision']:.3f} R {m['recall']:.3f}" for name, m in c.get("parts", {}).items()))
    lines.append(f"score thresholds right: {c['score_thresholds']['right']}/{c['score_thresholds']['total']}; "
                 f"condition accuracy {c['condition_accuracy']}; scale_max accuracy {c['scale_max_accuracy']}")
    cue = metrics["negation"]["cue"]
    lines.append(f"negation cues (overlap) P {cue['precision']:.3f}  R {cue['recall']:.3f}  F1 {cue['f1']:.3f}")
    lines.append(f"negation flag accuracy: {metrics['negation']['accuracy']} over {metrics['negation']['targets']} targets")
    return lines


def evaluate_segmentation(gold: Path, json_out: Optional[Path], errors_out: Optional[Path]) -> None:
    """Score the segmenter (boundaries, population, parent) against gold boundaries."""
    from pipeline.core.paths import configs_dir
    from pipeline.evaluation.boundaries import load_boundaries, score, summary_lines as segmentation_lines
    from pipeline.ingest.sections import compile_heading_rules
    from pipeline.rules.loading import load_rules

    if not gold.exists():
        typer.echo(f"error: {gold}: no such file or folder", err=True)
        raise typer.Exit(2)
    trials, problems = load_boundaries(gold)
    for p in problems:
        typer.echo(f"gold: {p}", err=True)
    if not trials:
        typer.echo(f"error: {gold}: no gold trials", err=True)
        raise typer.Exit(2)
    rules = compile_heading_rules(load_rules(configs_dir() / "sections.jsonl", "section", strict=True)[0])
    metrics, errors = score(trials, rules)
    for line in segmentation_lines(metrics):
        typer.echo(line)
    if json_out:
        json_out.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    if errors_out:
        errors_out.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in errors), encoding="utf-8")


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
) -> None:
    """Score the pipeline against gold annotations."""
    from pipeline.evaluation.metrics import evaluate_records, load_gold
    from pipeline.extraction.records import Extractor
    from pipeline.components.nlp import load
    from pipeline.reporting import ReportError, check_target, render_markdown, render_report, stamp_metrics, \
        write_atomic
    from pipeline.components.units import default_normalizer

    if fmt == "segmentation":
        return evaluate_segmentation(gold, json_out, errors_out)
    if fmt not in ("jsonl", "brat-lct"):
        raise typer.BadParameter("--format must be jsonl, brat-lct or segmentation")
    # report targets are checked before the (slow) run, so a typo costs nothing
    try:
        if report_out:
            check_target(report_out, "--report")
        if markdown_out and markdown_out != "-":
            check_target(Path(markdown_out), "--markdown")
    except ReportError as exc:
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
    extractor = Extractor(load(model))
    preds = extractor.process_texts([r["text"] for r in records])
    for g, p in zip(records, preds):
        p["trial_id"], p["criterion_id"], p["section"] = g.get("trial_id"), g.get("criterion_id"), g.get("section")
    metrics, errors = evaluate_records(records, preds, default_normalizer().normalize)
    metrics = stamp_metrics(metrics)  # + pipeline_version, rules_hash, date
    metrics["gold"] = {"path": str(gold), "format": fmt, "problems": len(problems), **info}
    for line in summary_lines(metrics):
        typer.echo(line)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(metrics, indent=2, ensure_ascii=False), encoding="utf-8")
    if errors_out:
        errors_out.parent.mkdir(parents=True, exist_ok=True)
        with errors_out.open("w", encoding="utf-8") as fh:
            for e in errors:
                fh.write(json.dumps(e, ensure_ascii=False) + "\n")
    if predictions_out:
        predictions_out.parent.mkdir(parents=True, exist_ok=True)
        with predictions_out.open("w", encoding="utf-8") as fh:
            for p in preds:
                fh.write(json.dumps(p, ensure_ascii=False) + "\n")
    try:
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
    except ReportError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)
