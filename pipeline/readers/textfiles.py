"""Plain-text inputs: one trial per ``.txt`` file."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from pipeline.problems import Problem
from pipeline.readers import InputDoc, trial_id_for


def decode_utf8(data: bytes, path: str):
    """Decode UTF-8 (a BOM is dropped) or return a Problem naming the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, Problem(path, line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})")


def read_text_file(path: Path) -> Iterator:
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield Problem(str(path), None, f"cannot read: {exc.strerror or exc}")
        return
    text, problem = decode_utf8(data, str(path))
    if problem is not None:
        yield problem
        return
    if not text.strip():
        yield Problem(str(path), None, "empty file (no text)", record=path.stem)
        return
    yield InputDoc(trial_id=trial_id_for(path, text), text=text, source=str(path))
