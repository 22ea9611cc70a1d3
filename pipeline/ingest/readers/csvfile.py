"""CSV/TSV inputs (``.csv``, ``.tsv``, and ``.gz`` of either), one trial per row, streamed.

The first row is the header. The id column is ``--id-column`` (default: the first of ``id``,
``trial_id``, ``nct_id``, ``nctid``) and the text column ``--text-column`` (default: the first of
``text``, ``criteria``, ``eligibility_criteria``, ``eligibilitycriteria``); names match without
regard to case. Quoted fields may span lines; a row's line is the line it starts on.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple

from pipeline.core.problems import Problem
from pipeline.ingest.readers import InputDoc, ReadOptions
from pipeline.ingest.readers.streams import Lines

ID_COLUMNS = ("id", "trial_id", "nct_id", "nctid")
TEXT_COLUMNS = ("text", "criteria", "eligibility_criteria", "eligibilitycriteria")
#: the largest field read (a longer one is a broken file, e.g. an unclosed quote): 64 MB
FIELD_LIMIT = 64 * 1024 * 1024


def _raise_field_limit() -> None:
    if csv.field_size_limit() < FIELD_LIMIT:
        csv.field_size_limit(FIELD_LIMIT)


def find_column(header: Sequence[str], chosen: Optional[str], defaults: Sequence[str]) -> Optional[int]:
    """Index of the chosen column (or of the first default present), matched case-insensitively."""
    names = [h.strip().lower() for h in header]
    for want in ([chosen] if chosen else list(defaults)):
        if want.strip().lower() in names:
            return names.index(want.strip().lower())
    return None


def rows(path: Path, delimiter: str, lines: Lines) -> Iterator[Tuple[int, int, Optional[List[str]], Optional[str]]]:
    """``(first_line, last_line, fields, error)`` for each row (fields ``None`` on a CSV error)."""
    _raise_field_limit()
    reader = csv.reader(lines.text_lines(), delimiter=delimiter, quotechar='"', doublequote=True)
    last = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield last + 1, reader.line_num, None, f"malformed row: {exc}"
            last = reader.line_num
            continue
        yield last + 1, reader.line_num, fields, None
        last = reader.line_num


def check_row(fields: Optional[List[str]], first: int, bad, id_idx: int, text_idx: int, source: str,
              names: Tuple[str, str]):
    """``(id, text)`` of a data row, a Problem naming its line, or ``None`` for a blank line.

    ``bad`` is a (line, message) problem found in the row's text, if any; ``names`` word the
    messages: (the id column, "row without" ...)."""
    if not fields or (len(fields) == 1 and not fields[0].strip()):
        return None  # a blank line
    rid = fields[id_idx].strip() if id_idx < len(fields) else ""
    if bad:
        return Problem(source, bad[0], bad[1], record=rid or None)
    if len(fields) <= max(id_idx, text_idx):
        return Problem(source, first, f"row has {len(fields)} field(s); {names[0]} and text columns need "
                                      f"{max(id_idx, text_idx) + 1}", record=rid or None)
    if not rid:
        return Problem(source, first, f"row without {names[1]}")
    # an empty text is a trial with no criteria: written with a warning (extraction/records.py)
    return rid, fields[text_idx]


def read_csv_file(path: Path, options: Optional[ReadOptions] = None, delimiter: str = ",") -> Iterator:
    options = options or ReadOptions()
    lines = Lines(path)
    source = str(path)
    id_idx = text_idx = None
    header_seen = False
    for first, last, fields, error in rows(path, delimiter, lines):
        bad = lines.bad_between(first, last)
        if not header_seen:
            if error or bad:
                yield Problem(source, first, f"cannot read the header row: {error or bad[1]}")
                return
            if not fields:
                continue
            header_seen = True
            id_idx = find_column(fields, options.id_column, ID_COLUMNS)
            text_idx = find_column(fields, options.text_column, TEXT_COLUMNS)
            missing = [f"{what} column '{chosen}'" if chosen else f"{what} column (one of {', '.join(defaults)})"
                       for what, idx, chosen, defaults in (("id", id_idx, options.id_column, ID_COLUMNS),
                                                           ("text", text_idx, options.text_column, TEXT_COLUMNS))
                       if idx is None]
            if missing:
                yield Problem(source, first, f"no {' and no '.join(missing)} in the header "
                                             f"(columns: {', '.join(fields)}); file not read")
                return
            continue
        if error:
            yield Problem(source, first, error)
            continue
        checked = check_row(fields, first, bad, id_idx, text_idx, source, ("the id", "an id"))
        if isinstance(checked, Problem):
            yield checked
        elif checked is not None:
            rid, text = checked
            yield InputDoc(trial_id=rid, text=text, source=source, line=first)
    if lines.error is not None:
        yield lines.error
    elif not header_seen:
        yield Problem(source, 1, "empty file (no header row)")
