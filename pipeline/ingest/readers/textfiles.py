"""Plain-text inputs: one trial per ``.txt`` (or ``.txt.gz``) file, read whole."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from pipeline.core.problems import Problem
from pipeline.ingest.readers import InputDoc, trial_id_for
from pipeline.ingest.readers.streams import decode_utf8, logical_stem, read_all

__all__ = ["decode_utf8", "read_text_file"]


def read_text_file(path: Path) -> Iterator:
    data, problem = read_all(path)
    if problem is not None:
        yield problem
        return
    text, problem = decode_utf8(data, str(path))
    if problem is not None:
        yield Problem(problem.path, problem.line, problem.message, record=logical_stem(path))
        return
    if not text.strip():
        yield Problem(str(path), 1, "empty file (no text)", record=logical_stem(path))
        return
    yield InputDoc(trial_id=trial_id_for(path, text), text=text, source=str(path))
