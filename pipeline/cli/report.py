"""``eligex report ...``: reports about evaluation runs (``eligex evaluate --json`` files)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(help="Compare evaluation runs and write readable reports.", no_args_is_help=True)


@app.command("compare")
def compare(
    before: Path = typer.Argument(..., help="Metrics of the earlier run (eligex evaluate --json)."),
    after: Path = typer.Argument(..., help="Metrics of the later run."),
    html: Optional[Path] = typer.Option(None, "--html", help="Also write the comparison as one HTML file."),
    fail_on_regression: bool = typer.Option(False, "--fail-on-regression",
                                            help="Exit with status 1 when any F1 dropped."),
    tolerance: float = typer.Option(0.0, "--tolerance", min=0.0,
                                    help="Ignore F1 drops up to this much (e.g. 0.005)."),
    all_rules: bool = typer.Option(False, "--all-rules", help="List unchanged rules too."),
) -> None:
    """What changed between two evaluation runs, per label and per rule, regressions first.

    Exit status: 0, or 1 with --fail-on-regression when an F1 dropped, 2 on unusable input.
    """
    from pipeline.core.io import OutputError, check_target, write_atomic
    from pipeline.reporting import ReportError, compare_lines, compare_metrics, load_metrics, render_compare_html

    try:
        if html:
            check_target(html, "--html")
        cmp = compare_metrics(load_metrics(before), load_metrics(after), tolerance=tolerance,
                              before_name=str(before), after_name=str(after))
        for line in compare_lines(cmp, all_rules=all_rules):
            typer.echo(line)
        if html:
            write_atomic(html, render_compare_html(cmp), "--html")
            typer.echo(f"wrote {html}")
    except (ReportError, OutputError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)
    if fail_on_regression and cmp["regressions"]:
        typer.echo(f"failing: {cmp['regressions']} F1 figure(s) dropped (--fail-on-regression)", err=True)
        raise typer.Exit(1)
