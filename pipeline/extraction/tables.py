"""The constraint table: one row per constraint of the output records, as CSV or Parquet.

:func:`table_rows` flattens a record's constraints into rows of :data:`TABLE_COLUMNS`;
:func:`open_table` gives a writer for a ``.csv`` or ``.parquet`` path (Parquet in bounded row
groups); :func:`write_table` writes a whole table beside its path and renames it into place.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Dict, Iterable, Iterator

TABLE_COLUMNS = ("trial_id", "criterion_id", "section", "subject", "category", "lower", "lower_inclusive",
                 "upper", "upper_inclusive", "unit", "negated", "condition", "anchor", "direction", "origin", "value")


def table_rows(record: dict) -> Iterator[dict]:
    """One row per constraint of an output record (columns :data:`TABLE_COLUMNS`)."""
    for c in record.get("constraints") or ():
        lower, upper = c.get("lower") or None, c.get("upper") or None
        value = c.get("value")
        yield {
            "trial_id": record.get("trial_id"),
            "criterion_id": record.get("criterion_id"),
            "section": record.get("section"),
            "subject": c.get("subject"),
            "category": c.get("category"),
            "lower": lower["value"] if lower else None,
            "lower_inclusive": lower["inclusive"] if lower else None,
            "upper": upper["value"] if upper else None,
            "upper_inclusive": upper["inclusive"] if upper else None,
            "unit": c.get("unit"),
            "negated": bool(c.get("negated")),
            "condition": c.get("condition"),
            "anchor": c.get("anchor"),  # time windows only (docs/CONSTRAINTS.md)
            "direction": c.get("direction"),
            "origin": c.get("origin") or record.get("origin") or "text",
            "value": None if value is None else (str(value).lower() if isinstance(value, bool) else str(value)),
        }


class CsvTable:
    def __init__(self, path: Path):
        self._fh = path.open("w", encoding="utf-8", newline="")
        self._writer = csv.DictWriter(self._fh, fieldnames=TABLE_COLUMNS)
        self._writer.writeheader()
        self.rows = 0

    def add(self, record: dict) -> None:
        for row in table_rows(record):
            self._writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
            self.rows += 1

    def close(self) -> None:
        self._fh.close()


class ParquetTable:
    """Parquet via pyarrow, written in row groups of ``group_size`` rows (bounded memory)."""

    def __init__(self, path: Path, group_size: int = 50_000):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._pa = pa
        types = {"lower": pa.float64(), "upper": pa.float64(), "lower_inclusive": pa.bool_(),
                 "upper_inclusive": pa.bool_(), "negated": pa.bool_()}
        self.schema = pa.schema([(name, types.get(name, pa.string())) for name in TABLE_COLUMNS])
        self._writer = pq.ParquetWriter(str(path), self.schema)
        self._buffer: Dict[str, list] = {name: [] for name in TABLE_COLUMNS}
        self._group_size = group_size
        self.rows = 0

    def add(self, record: dict) -> None:
        for row in table_rows(record):
            for name in TABLE_COLUMNS:
                value = row[name]
                if name in ("lower", "upper") and value is not None:
                    value = float(value)
                self._buffer[name].append(value)
            self.rows += 1
            if len(self._buffer["trial_id"]) >= self._group_size:
                self._flush()

    def _flush(self) -> None:
        if self._buffer["trial_id"]:
            self._writer.write_table(self._pa.Table.from_pydict(self._buffer, schema=self.schema))
            self._buffer = {name: [] for name in TABLE_COLUMNS}

    def close(self) -> None:
        self._flush()
        self._writer.close()


def table_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise ValueError(f"{path}: the table must be .csv or .parquet")


def open_table(path: Path):
    """A table writer for ``path`` (``.csv`` or ``.parquet``): ``add(record)``, ``close()``."""
    fmt = table_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        return CsvTable(path)
    try:
        import pyarrow  # noqa: F401
    except ImportError as exc:  # pragma: no cover - pyarrow is a dependency
        raise RuntimeError("writing Parquet needs pyarrow (pip install pyarrow)") from exc
    return ParquetTable(path)


def write_table(records: Iterable[dict], path: Path) -> int:
    """Write the constraint table of ``records`` to ``path`` (written beside it, then renamed into
    place, so a crash never leaves half a table); return the number of rows."""
    path = Path(path)
    table_format(path)
    part = path.with_name(f"{path.stem}.part{path.suffix}")
    writer = open_table(part)
    try:
        for record in records:
            writer.add(record)
    except BaseException:
        writer.close()
        part.unlink()
        raise
    writer.close()
    os.replace(part, path)
    return writer.rows
