"""``eligex doccano``: push criteria to doccano, pull the annotators' work back into the gold.

Thin over :mod:`pipeline.annotation.doccano`. Credentials: DOCCANO_URL, DOCCANO_USERNAME, DOCCANO_PASSWORD.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from pipeline.annotation.doccano import client as dclient
from pipeline.annotation.doccano import errors as doccano_errors
from pipeline.annotation.doccano import merge as merging
from pipeline.core.jsonl import read_jsonl

app = typer.Typer(
    help="Annotators' loop with doccano (scripts/doccano-server): push criteria with their "
    "annotations, pull each annotator's work back and merge it into the gold. "
    "Credentials from DOCCANO_URL, DOCCANO_USERNAME, DOCCANO_PASSWORD.",
    no_args_is_help=True,
)


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _warn(problems) -> None:
    for p in problems:
        if p.kind != "error":
            typer.echo(f"{p.kind}: {p}", err=True)


@app.command()
def push(
    records: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="Gold JSONL (annotations/GUIDELINE.md format) or eligex output JSONL."
    ),
    project: str = typer.Option(..., "--project", "-p", help="doccano project name (created when missing)."),
    labels: bool = typer.Option(
        True,
        "--labels/--no-labels",
        help="Upload the records' spans and relations for the logged-in user (--no-labels: texts only, for blind annotation).",
    ),
    confirm: Optional[bool] = typer.Option(
        None,
        "--confirm/--no-confirm",
        help="Mark the labelled criteria done for the logged-in user (default: yes for gold, no for eligex output).",
    ),
) -> None:
    """Upload criteria to a doccano project; criteria already there are not duplicated."""
    recs, lines, problems = read_jsonl(records)
    if problems:
        _fail(f"{records} has unreadable lines:\n" + "\n".join(f"  {p}" for p in problems))
    try:
        client = dclient.connect()
        pid = dclient.ensure_project(client, project)
        summary = dclient.push(client, pid, recs, labels=labels, confirm=confirm, path=str(records), lines=lines)
    except doccano_errors.DoccanoError as err:
        _fail(str(err))
    _warn(summary.problems)
    typer.echo(f"{records} -> doccano project {project!r} (id {pid}): {summary}")


@app.command()
def pull(
    project: str = typer.Option(..., "--project", "-p", help="doccano project name."),
    into: Optional[Path] = typer.Option(
        None,
        "--into",
        help="Gold JSONL to merge into (e.g. annotations/gold/seeds.jsonl); without it, only the exports are written.",
    ),
    exports: Path = typer.Option(
        Path("annotations/exports"),
        "--exports",
        help="Folder for the per-annotator exports (a dated sub-folder per pull).",
    ),
    annotator: Optional[str] = typer.Option(
        None, "--annotator", "-a", help="Whose annotations to merge (needed when several annotators have some)."
    ),
) -> None:
    """Export each annotator's work (gold format) and merge one annotator's into the gold.

    Changed criteria replace the gold's (hand-written constraints are kept), new ones are appended, the previous gold is kept as a timestamped .bak beside it. On any validation error the gold file is left untouched.
    """
    try:
        client = dclient.connect()
        pid = dclient.project_id_for(client, project)
        folder = dclient.export_folder(exports, project)
        per_annotator = dclient.pull(client, pid, exports_dir=folder)
    except doccano_errors.DoccanoError as err:
        _fail(str(err))
    for user, recs in per_annotator.items():
        typer.echo(f"{user}: {len(recs)} criteria -> {folder / (user + '.jsonl')}")
    if into is None:
        return
    try:
        annotator = merging.pick_annotator(per_annotator, annotator, project, folder)
    except doccano_errors.DoccanoError as err:
        _fail(str(err))
    if annotator is None:
        typer.echo(f"no annotator has annotated anything yet; {into} left as it was")
        return
    try:
        summary = merging.merge(into, per_annotator[annotator], path=str(folder / f"{annotator}.jsonl"))
    except doccano_errors.ValidationFailed as err:
        _fail(str(err))
    _warn(summary.problems)
    typer.echo(f"{annotator} -> {into}: {summary}")
    if summary.review_constraints:
        typer.echo(f"check the constraints of (spans or relations changed): {', '.join(summary.review_constraints)}")
    if summary.missing_constraints:
        typer.echo(f"write the constraints of (new, annotated): {', '.join(summary.missing_constraints)}")
