"""``eligex agreement A.jsonl B.jsonl``: inter-annotator agreement of two annotators' records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from pipeline.annotation import agreement as ag
from pipeline.reporting.terminal import agreement_lines
from pipeline.core.io import OutputError, write_atomic
from pipeline.core.jsonl import read_jsonl


def agreement(
    a: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="Annotator A's records (gold JSONL, e.g. an export of eligex doccano pull).",
        ),
    ],
    b: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Annotator B's records.")],
    json_out: Annotated[
        Optional[Path],
        typer.Option("--json", "--json-out", help="Also write the full report (with the disagreements) as JSON here."),
    ] = None,
) -> None:
    """Agreement between two annotators: span and relation F1 (exact match), Cohen's kappa over characters."""
    recs = []
    for path in (a, b):
        records, _, problems = read_jsonl(path)
        for p in problems:
            typer.echo(f"warning: {p} (line skipped)", err=True)
        recs.append(records)
    report = ag.agreement(recs[0], recs[1])
    for line in agreement_lines(report, json_out):
        typer.echo(line)
    if json_out:
        try:
            write_atomic(json_out, json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n", "--json",
                         parents=True)
        except OutputError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2)
