"""Gold annotations: our doccano JSONL (a file or a folder of ``*.jsonl``) and the LCT BRAT corpus.

:func:`load_gold` gives the gold records (``text``, ``entities`` with ``start_offset``/``end_offset``,
``relations``, hand-written ``constraints``, optionally ``annotated``: what of it is gold) and a
:class:`Problem` per record it could not use, naming file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Tuple

from pipeline.core.jsonl import read_jsonl
from pipeline.core.problems import Problem

#: the formats of ``--gold``
GOLD_FORMATS = ("jsonl", "brat-lct")
REQUIRED_GOLD_KEYS = ("text", "entities", "relations")


def unknown_annotated(items: object) -> Optional[str]:
    """What is wrong with a record's ``"annotated"`` list (``None`` when it is absent or right).

    Entries: ``"entities"`` (entities, relations and negation are gold), ``"constraints"`` (every
    constraint category is gold) or ``"constraints:<category>"`` (that category is gold; see
    :func:`pipeline.evaluation.metrics.annotated_categories`).
    """
    from pipeline.evaluation.metrics import CATEGORIES

    if items is None:
        return None
    if not isinstance(items, list):
        return "must be a list"
    known = {"entities", "constraints"} | {f"constraints:{c}" for c in CATEGORIES}
    bad = [i for i in items if i not in known]
    return f"unknown entries {', '.join(map(repr, bad))} (known: entities, constraints, constraints:<category>)" \
        if bad else None


def load_gold_jsonl(path: Path) -> Tuple[List[dict], List[Problem]]:
    """Read gold JSONL; lines with bad JSON, missing keys or offsets outside the text are problems."""
    try:
        raw, line_numbers, problems = read_jsonl(Path(path))
    except UnicodeDecodeError as exc:
        return [], [Problem(str(path), None, f"not valid UTF-8 (byte offset {exc.start})")]
    except OSError as exc:
        return [], [Problem(str(path), None, f"cannot read: {exc.strerror or exc}")]
    records = []
    for rec, lineno in zip(raw, line_numbers):
        missing = [k for k in REQUIRED_GOLD_KEYS if k not in rec]
        if missing:
            problems.append(Problem(str(path), lineno, f"missing keys: {', '.join(missing)}",
                                    record=rec.get("criterion_id")))
            continue
        bad_annotated = unknown_annotated(rec.get("annotated"))
        if bad_annotated:
            problems.append(Problem(str(path), lineno, f"\"annotated\": {bad_annotated}",
                                    record=rec.get("criterion_id")))
            continue
        n = len(rec["text"])
        bad = [e for e in rec["entities"] if not (0 <= e["start_offset"] < e["end_offset"] <= n)]
        if bad:
            problems.append(Problem(str(path), lineno, f"{len(bad)} entity offset(s) outside the text",
                                    record=rec.get("criterion_id")))
            continue
        records.append(rec)
    return records, problems


def load_gold(path: Path, fmt: str = "jsonl") -> Tuple[List[dict], List[Problem], dict]:
    """Gold records from our JSONL (a file or a folder of ``*.jsonl``) or from LCT BRAT files."""
    path = Path(path)
    if fmt == "brat-lct":
        from pipeline.evaluation.corpora.lct import load_lct

        records, report = load_lct(path)
        problems = [Problem(**{k: v for k, v in p.items() if k in ("path", "line", "message", "record", "kind")})
                    for p in report.get("problems", [])]
        # per-document counts of what could not be mapped, and why, stay in the figures
        return records, problems, {k: v for k, v in report.items() if k != "problems"}
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    records, problems = [], []
    for f in files:
        r, p = load_gold_jsonl(f)
        records += r
        problems += p
    return records, problems, {"files": [str(f) for f in files]}
