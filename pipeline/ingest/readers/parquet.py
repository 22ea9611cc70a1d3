"""Parquet inputs (``.parquet``, ``.pq``): one trial per row, read in record batches with pyarrow.

The id and text columns are found as in a CSV file (``--id-column``/``--text-column``, else the
first of ``id``, ``trial_id``, ``nct_id``, ``nctid`` and of ``text``, ``criteria``, ...; any case)
and each row is checked as a JSON Lines object is (:func:`pipeline.ingest.readers.jsonl.record_items`):
an integer id becomes its digits, a null text is a problem, an empty one a trial with no criteria
(written with a warning). A row's "line" is its number
in the file, from 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Optional

from pipeline.core.problems import Problem
from pipeline.ingest.readers import ReadOptions
from pipeline.ingest.readers.csvfile import ID_COLUMNS, TEXT_COLUMNS, find_column
from pipeline.ingest.readers.jsonl import record_items

BATCH_ROWS = 4096


def read_parquet_file(path: Path, options: Optional[ReadOptions] = None) -> Iterator:
    import pyarrow.parquet as pq

    options = options or ReadOptions()
    try:
        table = pq.ParquetFile(str(path))
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ...
        yield Problem(str(path), None, f"cannot read as Parquet: {exc}")
        return
    names = table.schema_arrow.names
    id_idx = find_column(names, options.id_column, ID_COLUMNS)
    text_idx = find_column(names, options.text_column, TEXT_COLUMNS)
    if id_idx is None or text_idx is None:
        want = f"'{options.id_column or 'id'}' and '{options.text_column or 'text'}'"
        yield Problem(str(path), None, f"the file needs columns {want} (it has {', '.join(names)})")
        return
    id_name, text_name = names[id_idx], names[text_idx]
    keys = ReadOptions(id_column=id_name, text_column=text_name)
    number = 0
    for batch in table.iter_batches(batch_size=BATCH_ROWS, columns=[id_name, text_name]):
        ids, texts = batch.column(0).to_pylist(), batch.column(1).to_pylist()
        for rid, text in zip(ids, texts):
            number += 1
            yield from record_items({id_name: rid, text_name: text}, str(path), number, keys)
