"""The DataFrame API for notebooks: criteria text in a DataFrame → criterion records and constraints.

    from pipeline.spark.dataframe import extract_criteria
    records, constraints = extract_criteria(trials, id_column="nct_id", text_column="criteria")
    records.cache()   # both DataFrames come from one lazy computation: cache it when using both

Each row of the input is one trial, read as a JSON Lines object is (an integer id becomes its
digits; a null text is a problem, an empty one a trial written with no criteria and a warning) and run through
:func:`pipeline.extraction.partition.extract_partition` in the workers (the pipeline loaded once
per Python worker from the model folder). Nothing a row holds fails the job: a trial that cannot
be read or processed becomes rows with an ``error`` (the message) and ``error_kind`` (``error``, or
``warning`` beside a written trial).

``records`` (:data:`RECORD_SCHEMA`): one row per criterion record, as ``eligex extract`` writes
it (``record`` holds that JSON line), plus one row per problem. ``constraints``
(:data:`CONSTRAINT_SCHEMA`, flat): one row per constraint, plus one row per error of a trial.
Trials from different partitions with the same id are not checked against each other here (use
``eligex extract --engine spark`` for the file engine's run-wide rules, or dropDuplicates first).
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Iterable, Iterator, Optional, Tuple

from pipeline.extraction.run import DEFAULT_BATCH_SIZE
from pipeline.extraction.tables import table_rows
from pipeline.extraction.partition import ItemResult, extract_partition
from pipeline.ingest.readers import ReadOptions
from pipeline.spark.session import model_path, require_spark, worker_extractor

CONSTRAINT_FIELDS = (("subject", "string"), ("category", "string"), ("lower", "double"),
                     ("lower_inclusive", "boolean"), ("upper", "double"), ("upper_inclusive", "boolean"),
                     ("unit", "string"), ("negated", "boolean"), ("condition", "string"), ("anchor", "string"),
                     ("direction", "string"), ("origin", "string"),
                     ("value", "string"), ("rules", "array<string>"))
_CONSTRAINT_STRUCT = ", ".join(f"{name}: {kind}" for name, kind in CONSTRAINT_FIELDS)
#: the records DataFrame (a DDL string)
RECORD_SCHEMA = ("trial_id string, criterion_id string, section string, origin string, text string, offset int, "
                 f"constraints array<struct<{_CONSTRAINT_STRUCT}>>, record string, error string, error_kind string, "
                 "source string, line int")
#: the constraints DataFrame's columns, in order
CONSTRAINT_SCHEMA = ("trial_id", "criterion_id", "section") + tuple(name for name, _ in CONSTRAINT_FIELDS) + ("error",)


def _constraint_values(record: dict) -> list:
    """The record's constraints as tuples in :data:`CONSTRAINT_FIELDS` order."""
    out = []
    for row, c in zip(table_rows(record), record.get("constraints") or ()):
        row["rules"] = list(c.get("rules") or [])
        for name in ("lower", "upper"):
            row[name] = None if row[name] is None else float(row[name])
        row["condition"] = None if row["condition"] is None else str(row["condition"])
        out.append(tuple(row[name] for name, _ in CONSTRAINT_FIELDS))
    return out


def result_rows(result) -> Iterator[tuple]:
    """Rows of :data:`RECORD_SCHEMA` for one trial's result: its records, then its problems."""
    for record in result.records:
        yield (record.get("trial_id"), record.get("criterion_id"), record.get("section"), record.get("origin"),
               record.get("text"), record.get("offset"), _constraint_values(record),
               json.dumps(record, ensure_ascii=False), None, None, record.get("source"), record.get("line"))
    for problem in result.problems:
        criterion = problem.record if problem.record and problem.record != result.trial_id else None
        yield (result.trial_id or problem.record, criterion, None, None, None, None, [], None, problem.message,
               problem.kind, problem.path, problem.line)


def _rows(table_rows: Iterable, source: str, id_column: str, text_column: str) -> Iterator[tuple]:
    for row in table_rows:
        yield "record", source, None, {id_column: row[0], text_column: row[1]}


def work(table_rows, *, model: str, batch_size: int, source: str, id_column: str, text_column: str):
    """The function each partition runs: table rows in, :data:`RECORD_SCHEMA` rows out."""
    extractor = worker_extractor(model, batch_size)
    options = ReadOptions(id_column=id_column, text_column=text_column)
    rows = _rows(table_rows, source, id_column, text_column)
    for out in extract_partition(rows, extractor, options=options, batch_size=batch_size):
        if isinstance(out, ItemResult):
            yield from result_rows(out.result)


def extract_criteria(df, *, id_column: str = "id", text_column: str = "text", model: Optional[Path] = None,
                     batch_size: int = DEFAULT_BATCH_SIZE, source: str = "dataframe",
                     partitions: Optional[int] = None) -> Tuple[object, object]:
    """``(records, constraints)`` DataFrames for the trials of ``df`` (see the module docstring).

    ``model``: the built pipeline folder the workers load (default ``models/eligex``; on a cluster
    a path every worker can read). ``source``: what the records and errors name as their input.
    ``partitions``: repartition ``df`` into that many first (at least two per core keeps every core
    busy to the end; about 64 trials each is half a second of work); by default ``df`` is run as it
    is partitioned.
    """
    require_spark(model)
    from pyspark.sql import functions as F

    fn = partial(work, model=model_path(model), batch_size=batch_size, source=source, id_column=id_column,
                 text_column=text_column)
    table = df.select(id_column, text_column)
    if partitions is not None:
        table = table.repartition(partitions)
    rdd = table.rdd.mapPartitions(fn)
    records = df.sparkSession.createDataFrame(rdd, RECORD_SCHEMA)
    exploded = records.select("trial_id", "criterion_id", "section", F.explode_outer("constraints").alias("c"),
                              "error", "error_kind")
    constraints = exploded.where(F.col("c").isNotNull() | (F.col("error_kind") == "error")).select(
        "trial_id", "criterion_id", "section", *[F.col("c")[name].alias(name) for name, _ in CONSTRAINT_FIELDS],
        "error")
    return records, constraints
