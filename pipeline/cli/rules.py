"""``eligex rules ...``: checks for people who edit the rule files.

- ``validate``: every rule file against its schema (:func:`pipeline.rules.loading.validate_configs`);
  with ``--examples`` also each entity rule's ``examples`` / ``not_examples``
  (:func:`pipeline.rules.examples.check_rule_examples`);
- ``stats``: per rule id, true and false positives on gold, worst first, and the rules that never
  fired (:func:`pipeline.evaluation.rule_stats.rule_stats`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from pipeline.core.paths import configs_dir

app = typer.Typer(help="Validate rule files and see how each rule performs.", no_args_is_help=True)


# ----------------------------------------------------------------------------------------------
# examples / not_examples
# ----------------------------------------------------------------------------------------------

@app.command("validate")
def validate(
    configs: Path = typer.Option(None, "--configs", help="Folder of rule files (default configs/)."),
    examples: bool = typer.Option(False, "--examples", help="Also run each entity rule's examples/not_examples "
                                                            "through the built pipeline's tokenizer and the rules."),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="Built pipeline whose tokenizer --examples uses "
                                                                    "(default models/eligex, else built from configs/)."),
) -> None:
    """Check every rule file against its schema; errors name file, line and rule id."""
    from pipeline.rules.loading import validate_configs

    configs = configs or configs_dir()
    problems = validate_configs(configs)
    checked = 0
    if examples:
        from pipeline.components.nlp import load
        from pipeline.rules.examples import check_rule_examples

        checked, example_problems = check_rule_examples(load(model), configs)
        problems += example_problems
    for p in problems:
        typer.echo(str(p), err=True)
    if problems:
        typer.echo(f"{len(problems)} problem(s) in rule files", err=True)
        raise typer.Exit(1)
    typer.echo("all rule files valid" + (f"; {checked} examples/not_examples pass" if examples else ""))


# ----------------------------------------------------------------------------------------------
# stats
# ----------------------------------------------------------------------------------------------

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
    from pipeline.components.nlp import describe_load_error, load_or_build
    from pipeline.core.io import OutputError, write_atomic
    from pipeline.evaluation.gold import GOLD_FORMATS, load_gold
    from pipeline.evaluation.rule_stats import rule_stats
    from pipeline.reporting.terminal import rule_stats_lines
    from pipeline.rules.loading import RuleError

    if fmt not in GOLD_FORMATS:
        raise typer.BadParameter(f"--format must be {' or '.join(GOLD_FORMATS)}")
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
    try:
        nlp = load_or_build(model, configs)
    except (RuleError, FileNotFoundError) as exc:
        typer.echo(describe_load_error(exc), err=True)
        raise typer.Exit(1 if isinstance(exc, RuleError) else 2)

    table = {"gold": {"path": str(gold), "format": fmt, "criteria": len(records), "problems": len(problems)},
             **rule_stats(nlp, records, configs)}
    for line in rule_stats_lines(table, show):
        typer.echo(line)
    if json_out:
        try:
            write_atomic(json_out, json.dumps(table, indent=2, ensure_ascii=False) + "\n", "--json", parents=True)
        except OutputError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2)
