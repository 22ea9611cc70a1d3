"""A fingerprint of the rule set: which rules produced an evaluation run.

``rules_hash()`` is the SHA-256 over every rule file in ``configs/`` (``*.json``, ``*.jsonl``,
``*.cfg``, in sub-folders too; hidden files skipped), taken in sorted order of their paths relative
to the folder. Each file contributes its relative POSIX path, a NUL, its size in bytes (decimal), a
NUL and its bytes, so renaming or moving a rule file changes the hash as well as editing it. Two runs
with the same hash ran the same rules; the hash says nothing about the code (see
``pipeline.__version__`` for that).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import List, Optional

RULE_SUFFIXES = (".json", ".jsonl", ".cfg")


def rule_files(configs: Optional[Path] = None) -> List[Path]:
    """The rule files under ``configs`` (default: ``configs_dir()``), sorted by relative path."""
    from pipeline.core.paths import configs_dir

    root = Path(configs) if configs is not None else configs_dir()
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such rules folder")
    files = [p for p in root.rglob("*") if p.is_file() and p.suffix in RULE_SUFFIXES
             and not any(part.startswith(".") for part in p.relative_to(root).parts)]
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


def rules_hash(configs: Optional[Path] = None) -> str:
    """Hex SHA-256 over the rule files (see the module docstring for exactly what is hashed)."""
    from pipeline.core.paths import configs_dir

    root = Path(configs) if configs is not None else configs_dir()
    h = hashlib.sha256()
    for f in rule_files(root):
        data = f.read_bytes()
        h.update(f"{f.relative_to(root).as_posix()}\0{len(data)}\0".encode("utf-8"))
        h.update(data)
    return h.hexdigest()
