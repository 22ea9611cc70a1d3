"""``eligex extract``: criteria in, one JSON record per criterion out."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import List, Optional

import typer


def extract(
    inputs: List[Path] = typer.Argument(..., help=".txt files, folders, ClinicalTrials.gov study JSON, JSONL (id, text)."),
    output: Path = typer.Option(..., "--output", "-o", help="Output JSONL (one record per criterion); '-' for stdout."),
    errors: Optional[Path] = typer.Option(None, "--errors", help="Errors JSONL (default: OUTPUT with .errors.jsonl)."),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="Built pipeline (default models/eligex, else built from configs/)."),
    batch_size: int = typer.Option(256, "--batch-size", help="Criteria per spaCy batch."),
    table: bool = typer.Option(False, "--table", help="Also print a readable table of the constraints."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary on stderr."),
) -> None:
    """Extract entities and constraints from eligibility criteria."""
    from pipeline.extract import Extractor
    from pipeline.nlp import load
    from pipeline.readers import read_inputs
    from pipeline.report import constraint_table

    started = time.time()
    nlp = load(model)
    extractor = Extractor(nlp, batch_size=batch_size)
    if str(output) == "-":
        out_fh = sys.stdout
        err_path = errors or Path("eligex.errors.jsonl")
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        out_fh = output.open("w", encoding="utf-8")
        err_path = errors or output.with_name(output.name.rsplit(".", 1)[0] + ".errors.jsonl")
    counts = {"trials": 0, "criteria": 0, "constraints": 0, "problems": 0}
    records = []
    with err_path.open("w", encoding="utf-8") as err_fh:
        try:
            for kind, item in extractor.process(read_inputs(inputs)):
                if kind == "record":
                    out_fh.write(json.dumps(item, ensure_ascii=False) + "\n")
                    counts["criteria"] += 1
                    counts["constraints"] += len(item["constraints"])
                    if table:
                        records.append(item)
                elif kind == "problem":
                    err_fh.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")
                    counts["problems"] += 1
                    if not quiet:
                        typer.echo(f"error: {item}", err=True)
                elif kind == "done":
                    counts["trials"] += 1
                    out_fh.flush()
        finally:
            if out_fh is not sys.stdout:
                out_fh.close()
    if table:
        typer.echo(constraint_table(records))
    if not quiet:
        typer.echo(
            f"{counts['trials']} trials, {counts['criteria']} criteria, {counts['constraints']} constraints, "
            f"{counts['problems']} problems in {time.time() - started:.1f}s -> {output}"
            + (f" (errors: {err_path})" if counts["problems"] else ""),
            err=True,
        )
    if counts["problems"]:
        raise typer.Exit(1)
