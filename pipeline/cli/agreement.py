"""``eligex agreement A.jsonl B.jsonl``: inter-annotator agreement of two annotators' records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from pipeline.annotation import agreement as ag
from pipeline.core.io import OutputError, write_atomic
from pipeline.core.jsonl import read_jsonl


def _fmt(x: Optional[float]) -> str:
    return "   n/a" if x is None else f"{x:6.3f}"


def _row(name: str, prf: ag.PRF) -> str:
    return f"  {name:<16} F1 {_fmt(prf.f1)}  P {_fmt(prf.precision)}  R {_fmt(prf.recall)}  (A {prf.a}, B {prf.b}, both {prf.both})"


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
    left = report.left_out
    typer.echo(
        f"{report.criteria} criteria compared ({len(left['only_a'])} only in A, {len(left['only_b'])} only in B, "
        f"{len(left['text_differs'])} with different texts, skipped)"
    )
    typer.echo("spans (exact offsets and label):")
    typer.echo(_row("all", report.spans))
    typer.echo(_row("offsets only", report.spans_unlabelled))
    for label, prf in report.spans_per_label.items():
        typer.echo(_row(label, prf))
    typer.echo("relations (type and both spans exact):")
    typer.echo(_row("all", report.relations))
    for rtype, prf in report.relations_per_type.items():
        typer.echo(_row(rtype, prf))
    typer.echo(f"Cohen's kappa over {report.characters} non-blank characters: {_fmt(report.kappa_chars).strip()}")
    for label, k in report.kappa_per_label.items():
        typer.echo(f"  {label:<16} kappa {_fmt(k)}")
    typer.echo(
        f"{len(report.disagreements)} criteria with disagreements" + (f" (listed in {json_out})" if json_out else "")
    )
    if json_out:
        try:
            write_atomic(json_out, json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n", "--json",
                         parents=True)
        except OutputError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2)
