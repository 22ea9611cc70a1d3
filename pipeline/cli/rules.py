"""``eligex rules ...``: checks for people who edit the rule files."""

from __future__ import annotations

from pathlib import Path

import typer

from pipeline.paths import configs_dir

app = typer.Typer(help="Validate rule files and see how each rule performs.", no_args_is_help=True)


@app.command("validate")
def validate(configs: Path = typer.Option(None, "--configs", help="Folder of rule files (default configs/).")) -> None:
    """Check every rule file against its schema; errors name file, line and rule id."""
    from pipeline.rules import validate_configs

    problems = validate_configs(configs or configs_dir())
    for p in problems:
        typer.echo(str(p), err=True)
    if problems:
        typer.echo(f"{len(problems)} problem(s) in rule files", err=True)
        raise typer.Exit(1)
    typer.echo("all rule files valid")
