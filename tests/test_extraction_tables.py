"""The one-row-per-constraint table (pipeline/extraction/tables.py), as CSV and Parquet."""

from __future__ import annotations

import pytest

from pipeline.extraction.store import iter_records
from pipeline.extraction.tables import TABLE_COLUMNS, write_table


def test_constraint_table_csv_and_parquet(reference, tmp_path):
    import pyarrow.parquet as pq

    _, out, counts = reference
    csv_path, pq_path = tmp_path / "c.csv", tmp_path / "t" / "c.parquet"
    assert write_table(iter_records(out), csv_path) == counts.constraints
    assert write_table(iter_records(out), pq_path) == counts.constraints
    assert not list(tmp_path.glob("**/*.part*"))
    import csv

    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    assert tuple(rows[0]) == TABLE_COLUMNS
    table = pq.read_table(pq_path)
    assert table.column_names == list(TABLE_COLUMNS) and table.num_rows == len(rows)
    structured = [r for r in table.to_pylist() if r["origin"] == "structured"]
    assert [(r["subject"], r["lower"], r["upper"], r["unit"], r["value"]) for r in structured] == [
        ("age", 18.0, 65.0, "a", None), ("sex", None, None, None, "all"),
        ("healthy_volunteers", None, None, None, "false")]
    hb = next(r for r in rows if r["subject"] == "hemoglobin" and r["trial_id"] == "NCT00000001")
    assert (hb["lower"], hb["lower_inclusive"], hb["upper"], hb["unit"], hb["section"], hb["origin"]) == (
        "9", "True", "", "g/dL", "inclusion", "text")
    with pytest.raises(ValueError):
        write_table([], tmp_path / "c.xlsx")
