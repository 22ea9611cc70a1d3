"""Input readers: files and folders → :class:`InputDoc` records (or :class:`Problem` records).

Every record read is yielded either as a document or as a problem naming the file and line, so no
input is silently dropped. Formats: plain text (``.txt``), ClinicalTrials.gov API v2 study JSON
(one study or a page ``{"studies": [...]}``), and JSON Lines with ``id`` and ``text`` (or one study
per line). Folders are read recursively in sorted order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, List, Optional, Union

from pipeline.problems import Problem

NCT_RE = re.compile(r"NCT\d{8}")


@dataclass
class InputDoc:
    """One trial's criteria text and where it came from."""

    trial_id: str
    text: str
    source: str
    line: Optional[int] = None
    structured: dict = field(default_factory=dict)  # e.g. minimumAge from a study record


Item = Union[InputDoc, Problem]


def trial_id_for(path: Path, text: str) -> str:
    """The file name when it is an NCT id, else the first NCT id in the text, else the file name."""
    stem = path.stem
    if NCT_RE.fullmatch(stem):
        return stem
    m = NCT_RE.search(text)
    return m.group() if m else stem


def read_inputs(paths: Iterable[Union[str, Path]]) -> Iterator[Item]:
    """Yield documents and problems for every input path (files or folders)."""
    from pipeline.readers import ctgov, jsonl, textfiles

    for raw in paths:
        path = Path(raw)
        if not path.exists():
            yield Problem(str(path), None, "no such file or folder")
            continue
        files: List[Path] = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            suffix = file.suffix.lower()
            if suffix == ".txt":
                yield from textfiles.read_text_file(file)
            elif suffix == ".json":
                yield from ctgov.read_study_file(file)
            elif suffix in (".jsonl", ".ndjson"):
                yield from jsonl.read_jsonl_file(file)
            elif path.is_dir():
                continue  # other files in a folder (README, .ann) are not inputs
            else:
                yield Problem(str(file), None, f"unsupported input type '{suffix or file.name}' "
                                              "(expected .txt, .json, .jsonl)")
