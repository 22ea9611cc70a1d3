"""Where the project's data lives (configs, models) relative to the repository."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def configs_dir() -> Path:
    """``$ELIGEX_CONFIGS`` or the repository's ``configs/``."""
    return Path(os.environ.get("ELIGEX_CONFIGS", REPO_ROOT / "configs"))


def default_model_dir() -> Path:
    """``$ELIGEX_MODEL`` or the repository's ``models/eligex``."""
    return Path(os.environ.get("ELIGEX_MODEL", REPO_ROOT / "models" / "eligex"))
