"""``eligex coverage``: which comparison-like expressions produced no constraint, grouped by shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer


def coverage(
    inputs: List[Path] = typer.Argument(..., help="eligex extract output (.jsonl) or any input eligex extract "
                                                  "reads (extracted here first)."),
    html: Optional[Path] = typer.Option(None, "--html", help="Also write the report as one HTML file."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Also write the counts and shapes as JSON."),
    top: int = typer.Option(20, "--top", min=1, help="Shapes listed on the terminal."),
    rules: Optional[Path] = typer.Option(None, "--rules", help="Comparison word lists (default "
                                                               "configs/coverage.json)."),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="Built pipeline, for inputs that are not "
                                                                     "extract output."),
    n_process: int = typer.Option(1, "--n-process", "-n", min=1, help="Processes running the pipeline."),
    input_format: str = typer.Option("auto", "--format", help="How to read inputs that are not extract output."),
) -> None:
    """Coverage on unlabelled text: the share of criteria holding a comparison (a comparator word or
    sign near a number) that produced a constraint, and the uncovered ones grouped by the shape of
    the phrase, biggest group first.

    Exit status: 0, 1 when some input could not be read (listed on stderr), 2 for unusable options.
    """
    from pipeline.core.paths import configs_dir
    from pipeline.evaluation.coverage import CoverageRules, iter_records, measure
    from pipeline.core.io import OutputError, check_target, write_atomic
    from pipeline.reporting.coverage import coverage_lines, render_coverage_html
    from pipeline.rules.loading import RuleError

    try:
        for target, option in ((html, "--html"), (json_out, "--json")):
            if target is not None:
                check_target(target, option)
        word_lists = CoverageRules.from_file(rules or configs_dir() / "coverage.json")
    except (OutputError, RuleError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)
    for path in inputs:
        if not path.exists():
            raise typer.BadParameter(f"{path}: no such file or folder", param_hint="INPUTS")
    problems: list = []
    report = measure(iter_records(inputs, model=model, n_process=n_process, input_format=input_format,
                                  problems=problems), word_lists)
    for line in coverage_lines(report, top=top):
        typer.echo(line)
    if json_out is not None:
        write_atomic(json_out, json.dumps(report.to_dict(), ensure_ascii=False, indent=1) + "\n", "--json")
        typer.echo(f"wrote {json_out}", err=True)
    if html is not None:
        write_atomic(html, render_coverage_html(report, sources=[str(p) for p in inputs]), "--html")
        typer.echo(f"wrote {html}", err=True)
    for problem in problems[:20]:
        typer.echo(f"error: {problem}", err=True)
    if len(problems) > 20:
        typer.echo(f"... {len(problems) - 20:,} more problem(s)", err=True)
    if problems:
        raise typer.Exit(1)
