"""The AACT flat-file export's ``eligibilities.txt`` (or ``.txt.gz``), streamed row by row.

AACT (the Aggregate Analysis of ClinicalTrials.gov database) exports each table as a
pipe-delimited text file with a header row; fields holding line breaks, pipes or quotes are quoted
with ``"`` (a quote inside is doubled), so one criteria field spans many lines. Columns used:
``nct_id``, ``criteria``, and the structured ``gender``, ``minimum_age``, ``maximum_age``,
``healthy_volunteers`` (given the ClinicalTrials.gov names of :mod:`pipeline.extraction.structured`).
A file is read as AACT when it is named ``eligibilities.txt`` or its header has ``nct_id`` and
``criteria`` columns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from pipeline.core.problems import Problem
from pipeline.ingest.readers import InputDoc
from pipeline.ingest.readers.csvfile import check_row, find_column, rows
from pipeline.ingest.readers.streams import GZIP_ERRORS, Lines, open_binary

FILE_NAME = "eligibilities.txt"
DELIMITER = "|"
#: AACT column → structured field name
STRUCTURED_COLUMNS = {"minimum_age": "minimumAge", "maximum_age": "maximumAge", "gender": "sex",
                      "healthy_volunteers": "healthyVolunteers"}


def looks_like_aact(path: Path) -> bool:
    """Whether the file's first line is an AACT header (``...|nct_id|...|criteria|...``)."""
    try:
        with open_binary(path) as fh:
            first = fh.readline(65536)
    except (OSError,) + GZIP_ERRORS:
        return False
    columns = {c.strip().lower() for c in first.decode("utf-8", errors="replace").strip().split(DELIMITER)}
    return "nct_id" in columns and "criteria" in columns


def read_aact_file(path: Path) -> Iterator:
    lines = Lines(path)
    source = str(path)
    columns = None
    for first, last, fields, error in rows(path, DELIMITER, lines):
        bad = lines.bad_between(first, last)
        if columns is None:
            if error or bad:
                yield Problem(source, first, f"cannot read the header row: {error or bad[1]}")
                return
            if not fields:
                continue
            nct_idx = find_column(fields, "nct_id", ())
            text_idx = find_column(fields, "criteria", ())
            if nct_idx is None or text_idx is None:
                yield Problem(source, first, "not an AACT eligibilities file: the header needs 'nct_id' and "
                                             f"'criteria' (columns: {', '.join(fields)}); file not read")
                return
            columns = {name: find_column(fields, name, ()) for name in STRUCTURED_COLUMNS}
            continue
        if error:
            yield Problem(source, first, error)
            continue
        checked = check_row(fields, first, bad, nct_idx, text_idx, source, ("nct_id", "an nct_id"))
        if checked is None:
            continue
        if isinstance(checked, Problem):
            yield checked
            continue
        nct, text = checked
        structured = {}
        for column, name in STRUCTURED_COLUMNS.items():
            idx = columns[column]
            if idx is not None and idx < len(fields) and fields[idx].strip():
                structured[name] = fields[idx].strip()
        yield InputDoc(trial_id=nct, text=text, source=source, line=first, structured=structured)
    if lines.error is not None:
        yield lines.error
    elif columns is None:
        yield Problem(source, 1, "empty file (no header row)")
