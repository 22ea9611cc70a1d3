"""Where rules are defined in the repository's configs/, found by reading the files (for tests of
``file:line`` sources)."""

from __future__ import annotations

import json
from pathlib import Path

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def defined_at(rule_id: str) -> str:
    """``<file name>:<line>`` where ``rule_id`` is defined in configs/ (found by reading the files)."""
    for path in sorted((CONFIGS / "entities").glob("*.jsonl")) + [CONFIGS / "context.jsonl"]:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip().startswith("{") and json.loads(line).get("id") == rule_id:
                return f"{path.name}:{lineno}"
    raise AssertionError(f"{rule_id} not defined in configs/")
