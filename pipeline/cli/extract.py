"""``eligex extract``: criteria in, one JSON record per criterion out (the work is in pipeline.extraction:
run, store, progress, tables)."""

from __future__ import annotations

import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import List, Optional

import typer

#: problems echoed to the terminal one by one; the rest are only in the errors file
ECHO_PROBLEMS = 20


def extract(
    inputs: List[Path] = typer.Argument(..., help="Files or folders: .txt, ClinicalTrials.gov API v2 .json "
                                                  "(study or page), .jsonl/.ndjson, .csv/.tsv, AACT "
                                                  "eligibilities.txt; any of them .gz."),
    output: Path = typer.Option(..., "--output", "-o", help="Output JSONL (one record per criterion); '-' for stdout."),
    errors: Optional[Path] = typer.Option(None, "--errors", help="Errors JSONL (default: OUTPUT with .errors.jsonl)."),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="Built pipeline (default models/eligex, else built from configs/)."),
    n_process: int = typer.Option(1, "--n-process", "-n", min=1, help="Processes running the pipeline (worker "
                                                                      "processes when more than 1)."),
    batch_size: int = typer.Option(256, "--batch-size", min=1, help="Criteria per pipeline batch; a worker gets trials of about this many criteria as one chunk."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run: trials already in the "
                                                        "output are skipped, an unfinished one is redone."),
    table_out: Optional[Path] = typer.Option(None, "--table-out", help="Also write one row per constraint to "
                                                                       "this .csv or .parquet file."),
    table: bool = typer.Option(False, "--table", help="Also print a readable table of the constraints "
                                                      "(holds them in memory: for small runs)."),
    input_format: str = typer.Option("auto", "--format", help="Read every input as: auto, text, ctgov, "
                                                              "jsonl, csv, tsv, aact, parquet."),
    id_column: Optional[str] = typer.Option(None, "--id-column", help="CSV/TSV/JSONL column with the trial id."),
    text_column: Optional[str] = typer.Option(None, "--text-column", help="CSV/TSV/JSONL column with the criteria text."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress line, problems or summary on stderr."),
    engine: str = typer.Option("local", "--engine", help="Where the pipeline runs: local (this machine's "
                                                         "processes, -n) or spark (needs `make spark`)."),
    master: str = typer.Option("local[2]", "--master", help="Spark master for --engine spark: local[N] (a "
                                                            "loopback-only Spark here) or a cluster URL."),
) -> None:
    """Extract entities and constraints from eligibility criteria, trial by trial.

    Exit status: 0 when every trial was written without errors, 1 when any trial failed or any
    error was reported (see the errors file), 2 for unusable options, 130 when interrupted by Ctrl-C
    (SIGINT), 143 when terminated (SIGTERM); after either, ``--resume`` continues the run.
    """
    from pipeline.extraction.progress import ProgressLine, format_summary
    from pipeline.extraction.run import Counts, Terminated, TrialResult, run_batch, sigterm_as_interrupt
    from pipeline.extraction.store import OutputStore, ResumeError, errors_path_for, iter_records
    from pipeline.extraction.tables import open_table, table_format, write_table
    from pipeline.extraction.records import Extractor
    from pipeline.components.nlp import load
    from pipeline.ingest.readers import FORMATS, ReadOptions, read_inputs
    from pipeline.reporting.terminal import constraint_table

    started = time.time()
    to_stdout = str(output) == "-"
    if input_format not in FORMATS:
        raise typer.BadParameter(f"expected one of {', '.join(FORMATS)}", param_hint="--format")
    if engine not in ("local", "spark"):
        raise typer.BadParameter("expected local or spark", param_hint="--engine")
    if resume and to_stdout:
        raise typer.BadParameter("--resume needs an output file, not '-'", param_hint="--resume")
    if table_out is not None:
        try:
            table_format(table_out)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--table-out")
    out_path = None if to_stdout else output
    err_path = errors or (Path("eligex.errors.jsonl") if to_stdout else errors_path_for(output))

    from pipeline.spark.session import SparkJobFailed, SparkUnavailable, require_spark  # (no pyspark import)

    if engine == "spark":
        try:
            require_spark(model)
        except SparkUnavailable as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2)
    extractor = Extractor(load(model), batch_size=batch_size) if engine == "local" else None
    try:
        store = OutputStore(out_path, err_path, resume=resume)
    except ResumeError as exc:
        typer.echo(f"cannot resume: {exc}", err=True)
        raise typer.Exit(2)
    progress = ProgressLine(enabled=False if quiet else None)
    if not quiet:
        for note in store.state.notes:
            progress.message(f"resume: {note}")
        if store.done:
            progress.message(f"resume: {len(store.done):,} trial(s) already done")

    shown = {"problems": 0}
    printed: List[dict] = []
    live_table = open_table(table_out) if (table_out is not None and to_stdout) else None

    def on_result(result: TrialResult) -> None:
        for problem in result.problems:
            if not quiet and problem.kind != "warning" and shown["problems"] < ECHO_PROBLEMS:
                shown["problems"] += 1
                progress.message(f"error: {problem}")
        if table:
            printed.extend(r for r in result.records if r.get("constraints"))
        if live_table is not None:
            for record in result.records:
                live_table.add(record)

    paths = [p for p in (out_path, err_path, store.progress, table_out) if p is not None]
    read_options = ReadOptions(id_column=id_column, text_column=text_column, format=input_format)
    counts = Counts()
    interrupted = crashed = False
    status, how = 130, "interrupted"  # Ctrl-C; 143 (128 + SIGTERM's 15) when terminated
    try:
        with sigterm_as_interrupt():
            if engine == "spark":
                from pipeline.spark.engine import run_spark

                run_spark(inputs, read_options, store, model=model, master=master, batch_size=batch_size,
                          counts=counts, progress=progress, on_result=on_result, exclude=paths)
            else:
                run_batch(read_inputs(inputs, read_options, exclude=paths), extractor, store, n_process=n_process,
                          batch_size=batch_size, counts=counts, progress=progress, on_result=on_result,
                          keep_records=table or live_table is not None)
    except KeyboardInterrupt as exc:
        interrupted = True
        if isinstance(exc, Terminated):
            status, how = 143, "terminated"
    except BrokenProcessPool as exc:  # a worker was killed (out of memory?): stop, resumable
        crashed = True
        progress.message(f"error: a worker process died ({exc})")
    except SparkJobFailed as exc:  # a worker could not load the pipeline, an executor was lost, ...: resumable
        crashed = True
        progress.message(f"error: {exc}")
    finally:
        store.close()
        progress.close(counts)
        if live_table is not None:
            live_table.close()

    rows = None
    if table_out is not None and not (interrupted or crashed) and out_path is not None:
        rows = write_table(iter_records(out_path), table_out)
    if table:
        typer.echo(constraint_table(printed))
    if not quiet:
        if shown["problems"] < counts.errors:
            typer.echo(f"... {counts.errors - shown['problems']:,} more error(s) in {err_path}", err=True)
        typer.echo(format_summary(counts, time.time() - started, interrupted or crashed), err=True)
        where = f"-> {output}" + (f", table {table_out} ({rows:,} rows)" if rows is not None else "")
        if counts.errors or counts.warnings:
            where += f" (errors: {err_path})"
        typer.echo(where, err=True)
        if interrupted or crashed:
            typer.echo(f"{how if interrupted else 'stopped'}: run the same command with --resume "
                       "to continue", err=True)
    if interrupted:
        raise typer.Exit(status)
    if crashed:
        raise typer.Exit(1)
    if counts.failed or counts.errors:
        raise typer.Exit(1)
