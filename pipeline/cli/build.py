"""``eligex build``: assemble the pipeline from configs/ into models/."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from pipeline.core.paths import configs_dir, default_model_dir


def build(
    output: Path = typer.Option(None, "--output", "-o", help="Where to write the pipeline (default models/eligex)."),
    configs: Optional[Path] = typer.Option(None, "--configs", help="Rule and config folder (default configs/)."),
) -> None:
    """Build the spaCy pipeline from configs/eligex.cfg and the rule files, and save it."""
    from pipeline.components.nlp import build as build_nlp
    from pipeline.rules.loading import RuleError

    out = output or default_model_dir()
    try:
        nlp = build_nlp(configs or configs_dir(), out)
    except RuleError as exc:
        typer.echo(f"rule errors, nothing built:\n{exc}", err=True)
        raise typer.Exit(2)
    typer.echo(f"built {out} ({', '.join(nlp.pipe_names)})")
