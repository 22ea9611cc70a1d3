"""One partition of input records → its trial results: the unit of work of any engine.

An engine (Spark, or anything else that splits the input into parts and runs them in workers)
hands :func:`extract_partition` a part of the input as *input rows*, in input order:

- ``("jsonl", source, line, text)``: one raw JSON Lines line, parsed here, in the worker
  (:func:`pipeline.ingest.readers.jsonl.parse_jsonl_line`, so ids stay what the JSON says and
  nulls stay missing: Spark's own JSON reader would turn ``12345`` into a string and nulls into
  NaN);
- ``("record", source, line, dict)``: one table row as a dict, with the id and text under the
  ``--id-column``/``--text-column`` names (or ``id``/``text``), read as a JSON Lines object is;
- ``("item", source, line, item)``: an :class:`~pipeline.ingest.readers.InputDoc` or
  :class:`~pipeline.core.problems.Problem` a reader already made (the formats whose records span
  lines: text files, CT.gov JSON, CSV, AACT).

The rows become reader items exactly as the local readers make them (control characters cleaned
with a warning), and the items go through :func:`pipeline.extraction.run.process_items` in one
process, the function the local engine runs: the same criteria, records, error rows and failure
rules, so the engines cannot drift. Out comes one :class:`ItemResult` per item and, last, one
:class:`PartitionEnd` with the number of items skipped as done by an earlier run.

Two rules span the whole run and are the driver's to apply, in input order, over the partitions'
results: a trial id seen in an earlier partition fails as a duplicate (:func:`~pipeline.extraction.run.duplicate_result`,
the same result the local engine makes), and the counts are summed.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional, Set, Union

from pipeline.core.problems import Problem
from pipeline.extraction.run import DEFAULT_BATCH_SIZE, TrialResult, item_key, process_items
from pipeline.extraction.workers import encode_result, textless
from pipeline.ingest.readers import InputDoc, ReadOptions, checked_items
from pipeline.ingest.readers.jsonl import parse_jsonl_line, record_items

ROW_KINDS = ("jsonl", "record", "item")


@dataclass
class ItemResult:
    """What one input item came to (encoded: :func:`~pipeline.extraction.workers.encode_result`),
    and the item without its text (for :func:`~pipeline.extraction.run.duplicate_result`)."""

    result: TrialResult
    item: Union[InputDoc, Problem]


@dataclass
class PartitionEnd:
    """The last output of a partition: how many of its items an earlier run had completed."""

    done_before: int = 0


def row_items(rows: Iterable[tuple], options: Optional[ReadOptions] = None) -> Iterator[Union[InputDoc, Problem]]:
    """Reader items of input rows ``(kind, source, line, payload)``, in order."""
    options = options or ReadOptions()
    for kind, source, line, payload in rows:
        if kind == "jsonl":
            yield from checked_items(parse_jsonl_line(payload, source, line, options), Path(source), "jsonl")
        elif kind == "record":
            yield from checked_items(record_items(payload, source, line, options), Path(source), "jsonl")
        elif kind == "item":
            yield payload
        else:
            raise ValueError(f"unknown input row kind {kind!r} (expected one of {', '.join(ROW_KINDS)})")


def extract_partition(rows: Iterable[tuple], extractor, *, options: Optional[ReadOptions] = None,
                      done: Optional[Set[str]] = None,
                      batch_size: int = DEFAULT_BATCH_SIZE) -> Iterator[Union[ItemResult, PartitionEnd]]:
    """An :class:`ItemResult` for each item of ``rows`` not in ``done``, in order, then a
    :class:`PartitionEnd`. ``extractor`` is the :class:`~pipeline.extraction.records.Extractor`
    of this worker; ``done`` holds the keys of trials an earlier run completed (``--resume``)."""
    pending: deque = deque()
    end = PartitionEnd()

    def feed():
        for item in row_items(rows, options):
            if done and item_key(item) in done:
                end.done_before += 1
                continue
            pending.append(textless(item))
            yield item

    # process_items yields one result per item it is given, in order
    for result in process_items(feed(), extractor, n_process=1, batch_size=batch_size):
        yield ItemResult(encode_result(result), pending.popleft())
    yield end
