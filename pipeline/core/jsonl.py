"""Reading JSON Lines files of records (gold files, extraction output, exports)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Tuple

from pipeline.core.problems import Problem


def read_jsonl(path: Path) -> Tuple[List[dict], List[int], List[Problem]]:
    """Records of a JSONL file, their 1-based line numbers, and a Problem per unreadable line
    (not JSON, or not a JSON object). Blank lines are skipped."""
    records: List[dict] = []
    lines: List[int] = []
    problems: List[Problem] = []
    with open(path, encoding="utf-8") as fh:
        for n, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                rec = json.loads(raw)
            except json.JSONDecodeError as err:
                problems.append(Problem(str(path), n, f"not JSON: {err.msg} (column {err.colno})"))
                continue
            if not isinstance(rec, dict):
                problems.append(Problem(str(path), n, f"a line must be a JSON object, not {type(rec).__name__}"))
                continue
            records.append(rec)
            lines.append(n)
    return records, lines, problems
