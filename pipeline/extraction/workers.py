"""The worker protocol of a local run: whole trials to workers, their output lines back.

:func:`trial_results` is the main process's side: it reads the reader items, counts them, skips
those an earlier run completed (``--resume``), marks the trial ids it has seen before as
duplicates, and hands the items out in chunks of trials (about ``batch_size`` criteria of text
each) to :func:`work_items`, in this process (``n_process=1``) or in forked workers
(:func:`pipeline.extraction.run.ordered_map`, a bounded window of chunks in flight). The results
come back in input order.

:func:`work_items` is the worker's side: it splits the trials into criteria, runs the pipeline,
assembles the records (:func:`pipeline.extraction.run.process_items`, the function every engine
runs) and serialises them to the JSON lines the store writes (:func:`encode_result`), so the
main process only reads, hands out and writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator, List, Optional, Set, Tuple, Union

from pipeline.core.problems import Problem
from pipeline.extraction.run import (DEFAULT_BATCH_SIZE, Counts, TrialResult, duplicate_result, new_items, ordered_map,
                                     process_items)
from pipeline.extraction.store import problem_lines, record_lines
from pipeline.ingest.readers import InputDoc

#: characters of trial text per criterion, to size a chunk of trials in criteria without splitting
CHARS_PER_CRITERION = 120


@dataclass
class Duplicate:
    """A trial whose id came earlier in the run (its text left out: it fails unprocessed)."""

    item: InputDoc


def record_counts(records: Iterable[dict]) -> Tuple[int, int]:
    """``(criteria, constraints)`` of a trial's records (the structured record is no criterion)."""
    criteria = constraints = 0
    for rec in records:
        if rec.get("origin") != "structured":
            criteria += 1
        constraints += len(rec.get("constraints") or ())
    return criteria, constraints


def encode_result(result: TrialResult, keep_records: bool = True) -> TrialResult:
    """``result`` with its records and problems as the lines the store writes and their counts
    (what :meth:`~pipeline.extraction.store.OutputStore.write` and :meth:`Counts.add` read); its
    records kept as dicts only if ``keep_records``."""
    result.out = record_lines(result.records)
    result.err = problem_lines(result.problems)
    result.n_records = len(result.records)
    result.n_criteria, result.n_constraints = record_counts(result.records)
    if not keep_records:
        result.records = []
    return result


def work_items(state, chunk: List[Union[InputDoc, Problem, Duplicate]]) -> List[TrialResult]:
    """The encoded result of each item of a chunk, in order. ``state`` is ``(extractor,
    batch_size, keep_records)``; the chunk holds no trial id twice except as :class:`Duplicate`."""
    extractor, batch_size, keep_records = state
    fresh = iter(process_items([i for i in chunk if not isinstance(i, Duplicate)], extractor,
                               batch_size=batch_size))
    return [encode_result(duplicate_result(i.item) if isinstance(i, Duplicate) else next(fresh), keep_records)
            for i in chunk]


def textless(item: Union[InputDoc, Problem]) -> Union[InputDoc, Problem]:
    """A reader item without its text (what a failed trial's result still needs of it)."""
    if isinstance(item, InputDoc):
        return InputDoc(item.trial_id, "", item.source, item.line, warnings=list(item.warnings))
    return item


def trial_results(items: Iterable, extractor, *, n_process: int = 1, batch_size: int = DEFAULT_BATCH_SIZE,
                  done: Optional[Set[str]] = None, counts: Optional[Counts] = None,
                  keep_records: bool = True) -> Iterator[TrialResult]:
    """One encoded :class:`TrialResult` per reader item not in ``done``, in input order (as
    :func:`~pipeline.extraction.run.process_items` gives, with ``out``/``err`` lines set).

    ``counts.trials_in`` and ``counts.done_before`` are counted here as items are read."""
    done = done if done is not None else set()
    counts = counts if counts is not None else Counts()
    budget = max(batch_size, 1) * CHARS_PER_CRITERION

    def chunks() -> Iterator[list]:
        seen: Set[str] = set()
        chunk: list = []
        size = 0
        for _key, item, duplicate in new_items(items, done, counts, seen):
            if duplicate:
                item = Duplicate(textless(item))
            elif isinstance(item, InputDoc):
                size += len(item.text)
            chunk.append(item)
            if size >= budget:
                yield chunk
                chunk, size = [], 0
        if chunk:
            yield chunk

    return ordered_map(work_items, (extractor, batch_size, keep_records), chunks(), n_process)
