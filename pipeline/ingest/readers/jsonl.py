"""JSON Lines inputs (``.jsonl``, ``.ndjson``, and ``.gz`` of either), read line by line.

Each line is ``{"id": ..., "text": ...}`` (the id may also be ``trial_id``, ``nct_id`` or
``nctId``; other keys with ``--id-column``/``--text-column``; an id is a string or an integer), or one ClinicalTrials.gov study, or a
whole API page ``{"studies": [...]}`` (newline-delimited studies as the API's bulk download writes
them). Blank lines are skipped; every other line gives documents or a Problem with its number; a
file with no record at all is a Problem (as an empty file of any other format is).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, List, Optional, Tuple, Union

from pipeline.core.problems import Problem
from pipeline.core.jsonl import decode_line
from pipeline.ingest.readers import InputDoc, ReadOptions, json_id
from pipeline.ingest.readers.ctgov import study_to_doc
from pipeline.ingest.readers.streams import Lines

ID_KEYS = ("id", "trial_id", "nct_id", "nctId")
TEXT_KEYS = ("text", "criteria", "eligibilityCriteria")


def _pick(obj: dict, chosen: Optional[str], defaults) -> Optional[str]:
    if chosen:
        return chosen
    return next((k for k in defaults if k in obj), None)


def parse_jsonl_line(line: str, source: str, lineno: int, options: Optional[ReadOptions] = None) -> List:
    """One line → InputDocs and/or Problems (a page line gives one item per study)."""
    obj = decode_line(line, source, lineno, strict=False)  # raw control characters are cleaned later
    if isinstance(obj, Problem):
        return [obj]
    return record_items(obj, source, lineno, options)


def record_items(obj, source: str, lineno: Optional[int], options: Optional[ReadOptions] = None) -> List:
    """One parsed record (a JSON line, or a table row as a dict) → InputDocs and/or Problems: an
    ``{"id": ..., "text": ...}`` object, one ClinicalTrials.gov study or a page of studies."""
    options = options or ReadOptions()
    if not isinstance(obj, dict):
        return [Problem(source, lineno, "each line must be a JSON object")]
    if "protocolSection" in obj:
        return [study_to_doc(obj, source, lineno)]
    if isinstance(obj.get("studies"), list):
        out = []
        for i, study in enumerate(obj["studies"]):
            item = study_to_doc(study, source, lineno)
            if isinstance(item, Problem):
                item = Problem(item.path, item.line, f"studies[{i}]: {item.message}", record=item.record)
            out.append(item)
        return out
    id_key = _pick(obj, options.id_column, ID_KEYS)
    text_key = _pick(obj, options.text_column, TEXT_KEYS)
    text = obj.get(text_key) if text_key else None
    rid, wrong = json_id(obj.get(id_key), f"'{id_key}'")
    if id_key not in obj or rid == "" or text is None:
        want = f"'{options.id_column or 'id'}' and '{options.text_column or 'text'}'"
        return [Problem(source, lineno, f"a line needs {want}", record=rid or None)]
    if wrong is not None:
        return [Problem(source, lineno, wrong)]
    if not isinstance(text, str):
        return [Problem(source, lineno, f"'{text_key}' must be a string", record=rid)]
    # an empty text is a trial with no criteria: written with a warning (extraction/records.py)
    return [InputDoc(trial_id=rid, text=text, source=source, line=lineno)]


def raw_lines(path: Path) -> Iterator[Union[Tuple[int, str], Problem]]:
    """``(number, line)`` for each non-blank line of a JSON Lines file, unparsed, or a Problem for
    a line that is not UTF-8 and for a read error that ends the file."""
    lines = Lines(path)
    read = False
    for lineno, line in lines:
        bad = lines.bad_between(lineno, lineno)
        if bad is not None:
            read = True
            yield Problem(str(path), lineno, bad[1])
            continue
        if not line.strip():
            continue
        read = True
        yield lineno, line
    if lines.error is not None:
        yield lines.error
    elif not read:
        yield Problem(str(path), 1, "empty file (no records)")


def read_jsonl_file(path: Path, options: Optional[ReadOptions] = None) -> Iterator:
    for entry in raw_lines(path):
        if isinstance(entry, Problem):
            yield entry
        else:
            yield from parse_jsonl_line(entry[1], str(path), entry[0], options)
