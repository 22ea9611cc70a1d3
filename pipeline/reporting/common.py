"""What the report writers share: run stamps, the metrics file check, escaping."""

from __future__ import annotations

import html
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional


class ReportError(Exception):
    """Input a report cannot be made from; the message says why, for a person to read."""


def stamp_metrics(metrics: dict, configs: Optional[Path] = None, date: Optional[str] = None) -> dict:
    """``metrics`` with ``pipeline_version``, ``rules_hash`` and ``date`` right after ``version``."""
    from pipeline import __version__
    from pipeline.rules.hashing import rules_hash

    stamp = {
        "pipeline_version": __version__,
        "rules_hash": rules_hash(configs),
        "date": date or datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
    }
    out = {"version": metrics.get("version")} if "version" in metrics else {}
    out.update(stamp)
    out.update({k: v for k, v in metrics.items() if k not in out})
    return out


REQUIRED_METRICS_KEYS = ("version", "documents", "entities", "relations", "constraints", "negation")


def check_metrics(metrics: object, source: str = "metrics") -> dict:
    """Raise ``ReportError`` unless ``metrics`` is an eligex metrics document this eligex can read."""
    from pipeline.evaluation.metrics import METRICS_VERSION

    if not isinstance(metrics, dict):
        raise ReportError(f"{source}: not an eligex metrics file (expected a JSON object)")
    if "version" not in metrics:
        raise ReportError(f"{source}: not an eligex metrics file (no \"version\"); "
                          f"write one with `eligex evaluate --json FILE`")
    if metrics["version"] != METRICS_VERSION:
        raise ReportError(f"{source}: metrics version {metrics['version']!r}, but this eligex reads version "
                          f"{METRICS_VERSION}; re-run `eligex evaluate --json` with this eligex")
    missing = [k for k in REQUIRED_METRICS_KEYS if k not in metrics]
    if missing:
        raise ReportError(f"{source}: not an eligex metrics file (missing {', '.join(missing)})")
    if not metrics["documents"]:
        raise ReportError(f"{source}: the evaluation covered no gold records; nothing to report")
    return metrics


def load_metrics(path: Path) -> dict:
    """Read and check a ``--json`` metrics file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"{path}: cannot read: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path}: not JSON ({exc.msg}, line {exc.lineno})") from None
    return check_metrics(data, str(path))


def esc(value: object) -> str:
    """HTML-escape ``value`` (``None`` becomes an empty string)."""
    return "" if value is None else html.escape(str(value), quote=True)


def script_json(data: object) -> str:
    """JSON safe to put inside ``<script type="application/json">`` (no ``<``, ``>``, ``&``)."""
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def fmt(value: Optional[float], digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def short_hash(h: Optional[str]) -> str:
    return (h or "?")[:12]
