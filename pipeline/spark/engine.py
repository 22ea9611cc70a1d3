"""``eligex extract --engine spark``: the same inputs, records, errors and counts as the local engine.

The driver walks the inputs as the local engine does (:func:`pipeline.ingest.readers.input_files`)
and turns them into input rows (:mod:`pipeline.extraction.partition`): a JSON Lines file as raw
lines, parsed in the workers; the formats whose records span lines (text, CT.gov JSON, CSV, AACT,
Parquet) as the items their readers make. The rows go to Spark in waves of
``WAVE_PARTITIONS × parallelism`` partitions of at most ``partition_rows`` rows each (at least two
partitions per core), two waves in flight so no core waits for a wave's slowest partition; every
partition runs :func:`~pipeline.extraction.partition.extract_partition` in a Python worker that has
loaded the pipeline once. The results come back in input order and the driver writes them with
the local engine's :class:`~pipeline.extraction.store.OutputStore` (so ``--resume`` and the progress
file work as they do locally), applying the two run-wide rules: a repeated trial id fails as a
duplicate, and the counts add up (``trials in = written + failed + done before``).

Memory on the driver is bounded by the two waves in flight.
"""

from __future__ import annotations

import itertools
import math
import re
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Iterator, List, Optional, Set

from pipeline.core.problems import Problem
from pipeline.extraction.run import DEFAULT_BATCH_SIZE, Counts, TrialResult, duplicate_result
from pipeline.extraction.store import OutputStore
from pipeline.extraction.partition import ItemResult, PartitionEnd, extract_partition
from pipeline.extraction.workers import encode_result
from pipeline.ingest.readers import InputDoc, ReadOptions, checked_items, input_files, read_file
from pipeline.ingest.readers.jsonl import raw_lines
from pipeline.spark.session import DEFAULT_MASTER, SparkJobFailed, model_path, spark_session, worker_extractor

#: rows (trials) per partition: about half a second of work for registry criteria
DEFAULT_PARTITION_ROWS = 64
#: partitions per core in one wave
WAVE_PARTITIONS = 4


def input_rows(paths: Iterable[Path], options: ReadOptions, exclude=()) -> Iterator[tuple]:
    """The input rows of ``paths`` in input order: ``("jsonl", file, line, text)`` for each line of
    a JSON Lines file, ``("item", file, line, item)`` for everything a reader made on the driver."""
    for entry in input_files(paths, options, exclude):
        if isinstance(entry, Problem):
            yield "item", entry.path, entry.line, entry
            continue
        file, fmt = entry
        if fmt == "jsonl":
            for got in raw_lines(file):
                if isinstance(got, Problem):
                    yield "item", got.path, got.line, got
                else:
                    yield "jsonl", str(file), got[0], got[1]
        else:
            for item in checked_items(read_file(file, fmt, options), file, fmt):
                yield "item", str(file), getattr(item, "line", None), item


def work(rows, *, model: str, batch_size: int, options: ReadOptions, done=None):
    """The function each Spark partition runs (by reference: the workers import it)."""
    extractor = worker_extractor(model, batch_size)
    return extract_partition(rows, extractor, options=options, done=done.value if done is not None else None,
                             batch_size=batch_size)


def job_error(exc: BaseException) -> str:
    """The line of a Spark job's error that says what went wrong (the Python exception raised in a
    worker, when there is one), not the JVM's stack trace."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    python = [line for line in lines if re.match(r"^[A-Za-z_][\w.]*(Error|Exception)\b.*:", line)]
    return (python[-1] if python else lines[0] if lines else type(exc).__name__)[:500]


def slices(rows: int, parallelism: int, partition_rows: int) -> int:
    """Partitions for a wave of ``rows`` rows: at least two per core, at most ``partition_rows`` rows each."""
    return max(1, min(rows, max(2 * parallelism, math.ceil(rows / partition_rows))))


class Merge:
    """Writes partition results in input order, with the run-wide rules and counts."""

    def __init__(self, store: OutputStore, counts: Counts, progress=None,
                 on_result: Optional[Callable[[TrialResult], None]] = None):
        self.store, self.counts, self.progress, self.on_result = store, counts, progress, on_result
        self.seen: Set[str] = set()

    def add(self, out) -> None:
        if isinstance(out, PartitionEnd):
            self.counts.trials_in += out.done_before
            self.counts.done_before += out.done_before
            return
        assert isinstance(out, ItemResult)
        self.counts.trials_in += 1
        result = out.result
        if isinstance(out.item, InputDoc):
            if result.key in self.seen:
                result = encode_result(duplicate_result(out.item))
            self.seen.add(result.key)
        self.store.write(result)
        self.counts.add(result)
        if self.on_result is not None:
            self.on_result(result)
        if self.progress is not None:
            self.progress.update(self.counts)


def run_spark(inputs: List[Path], options: ReadOptions, store: OutputStore, *, model: Optional[Path] = None,
              master: str = DEFAULT_MASTER, batch_size: int = DEFAULT_BATCH_SIZE,
              partition_rows: int = DEFAULT_PARTITION_ROWS, counts: Optional[Counts] = None, progress=None,
              on_result=None, exclude=()) -> Counts:
    """Extract ``inputs`` on Spark (a new session for ``master``, or the active one) into ``store``."""
    counts = counts if counts is not None else Counts()
    model_dir = model_path(model)
    with spark_session(master) as spark:
        sc = spark.sparkContext
        done = sc.broadcast(set(store.done)) if store.done else None
        fn = partial(work, model=model_dir, batch_size=batch_size, options=options, done=done)
        parallelism = max(1, sc.defaultParallelism)
        wave_rows = WAVE_PARTITIONS * parallelism * partition_rows
        merge = Merge(store, counts, progress, on_result)

        def run_wave(wave: list) -> list:
            rdd = sc.parallelize(wave, slices(len(wave), parallelism, partition_rows))
            try:
                return rdd.mapPartitions(fn).collect()
            except Exception as exc:  # Py4JJavaError, PySparkException: the job, not a record, failed
                raise SparkJobFailed(f"a Spark job failed: {job_error(exc)}") from exc

        rows = input_rows(inputs, options, exclude)
        waves = iter(lambda: list(itertools.islice(rows, wave_rows)), [])
        with ThreadPoolExecutor(max_workers=2) as pool:
            try:
                pending = [pool.submit(run_wave, w) for w in itertools.islice(waves, 2)]
                while pending:
                    results = pending.pop(0).result()
                    nxt = next(waves, None)
                    if nxt is not None:
                        pending.append(pool.submit(run_wave, nxt))
                    for out in results:
                        merge.add(out)
            except BaseException:  # Ctrl-C or a failed job: stop the waves in flight, keep what is written
                sc.cancelAllJobs()
                raise
    return counts
