"""JSON Lines inputs: ``{"id": ..., "text": ...}`` per line, or one ClinicalTrials.gov study per line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from pipeline.problems import Problem
from pipeline.readers import InputDoc
from pipeline.readers.ctgov import study_to_doc


def parse_jsonl_line(line: str, source: str, lineno: int):
    """One line → InputDoc or Problem."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return Problem(source, lineno, f"malformed JSON: {exc.msg} (column {exc.colno})")
    if not isinstance(obj, dict):
        return Problem(source, lineno, "each line must be a JSON object")
    if "protocolSection" in obj:
        return study_to_doc(obj, source, lineno)
    rid = obj.get("id", obj.get("trial_id"))
    text = obj.get("text")
    if rid is None or text is None:
        return Problem(source, lineno, "a line needs 'id' and 'text'", record=str(rid) if rid else None)
    if not isinstance(text, str):
        return Problem(source, lineno, "'text' must be a string", record=str(rid))
    if not text.strip():
        return Problem(source, lineno, "empty text", record=str(rid))
    return InputDoc(trial_id=str(rid), text=text, source=source, line=lineno)


def read_jsonl_file(path: Path) -> Iterator:
    try:
        fh = path.open("rb")
    except OSError as exc:
        yield Problem(str(path), None, f"cannot read: {exc.strerror or exc}")
        return
    with fh:
        for lineno, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield Problem(str(path), lineno, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})")
                continue
            if not line.strip():
                continue
            yield parse_jsonl_line(line, str(path), lineno)
