"""``eligex``: the command-line entry point; each command family lives in its own module."""

from __future__ import annotations

import typer

from pipeline import __version__
from pipeline.cli import agreement as agreement_cmd
from pipeline.cli import build as build_cmd
from pipeline.cli import coverage as coverage_cmd
from pipeline.cli import doccano as doccano_cmd
from pipeline.cli import evaluate as evaluate_cmd
from pipeline.cli import explain as explain_cmd
from pipeline.cli import extract as extract_cmd
from pipeline.cli import report as report_cmd
from pipeline.cli import rules as rules_cmd

app = typer.Typer(
    name="eligex",
    help="Structured, checkable constraints from clinical-trial eligibility criteria.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("extract")(extract_cmd.extract)
app.command("build")(build_cmd.build)
app.command("evaluate")(evaluate_cmd.evaluate)
app.command("explain")(explain_cmd.explain)
app.command("agreement")(agreement_cmd.agreement)
app.command("coverage")(coverage_cmd.coverage)
app.add_typer(rules_cmd.app, name="rules")
app.add_typer(doccano_cmd.app, name="doccano")
app.add_typer(report_cmd.app, name="report")


@app.command("version")
def version() -> None:
    """Print the eligex version."""
    typer.echo(__version__)


if __name__ == "__main__":  # pragma: no cover
    app()
