"""Checks of (gold or output) records before they are pushed to doccano or merged into the gold."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

from pipeline.annotation.doccano.convert import normalize
from pipeline.core.problems import Problem
from pipeline.rules.labels import LabelConfig, load_labels


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def validate(
    records: Sequence[Mapping[str, Any]],
    sources: Optional[Mapping[str, Mapping[str, Any]] | Iterable[Mapping[str, Any]]] = None,
    *,
    path: str = "<records>",
    lines: Optional[Sequence[int]] = None,
    labels: Optional[LabelConfig] = None,
    root: Optional[Path] = None,
) -> List[Problem]:
    """Problems of (gold or output) records; an empty list when they are fine.

    Checks: a text and a criterion_id on every record, criterion_ids unique, span offsets inside
    the text, a span's ``text`` (output records) equal to the record text at its offsets, labels and
    relation types known (configs/labels.json), relation ends among the record's entity ids.
    ``sources`` (records, or a mapping criterion_id -> record: the gold or what was pushed): the
    record text must be the source record's text, so that spans still point at the same words.
    ``root``: when a record names a ``source`` file (relative to ``root``) and an ``offset``, the
    file must hold the text there.
    """
    labels = labels or load_labels()
    span_names = set(labels.span_names)
    rel_names = set(labels.relation_names)
    if sources is not None and not isinstance(sources, Mapping):
        sources = {s.get("criterion_id"): s for s in sources}
    problems: List[Problem] = []
    seen: Dict[str, int] = {}
    file_cache: Dict[str, Optional[str]] = {}

    for i, raw in enumerate(records):
        line = lines[i] if lines is not None else i + 1
        cid = raw.get("criterion_id") if isinstance(raw, Mapping) else None
        rec_name = cid if isinstance(cid, str) else None

        def err(msg: str, kind: str = "error") -> None:
            problems.append(Problem(path, line, msg, rec_name, kind))

        if not isinstance(raw, Mapping):
            err("a record must be a JSON object")
            continue
        rec = normalize(raw)
        text = rec.get("text")
        if not isinstance(text, str) or not text:
            err("no text")
            continue
        if not isinstance(cid, str) or not cid:
            err("no criterion_id (needed to match the criterion with the gold)")
        elif cid in seen:
            err(f"criterion_id {cid} also on line {seen[cid]}")
        else:
            seen[cid] = line

        ids = set()
        spans_seen = set()
        for e in rec.get("entities") or []:
            if not isinstance(e, dict):
                err(f"an entity must be an object, not {e!r}")
                continue
            eid, label, s, t = e.get("id"), e.get("label"), e.get("start_offset"), e.get("end_offset")
            if eid is None:
                err(f"entity {label} [{s}, {t}) has no id")
            elif eid in ids:
                err(f"entity id {eid} used twice")
            ids.add(eid)
            if label not in span_names:
                err(f"entity {eid}: unknown label {label!r} (labels: {', '.join(labels.span_names)})")
            if not (_is_int(s) and _is_int(t)):
                err(f"entity {eid}: offsets must be integers, not {s!r}, {t!r}")
                continue
            if not (0 <= s < t <= len(text)):
                err(f"entity {eid} {label} [{s}, {t}) is outside the text (length {len(text)}) or empty")
                continue
            if "text" in e and e["text"] != text[s:t]:
                err(
                    f"entity {eid} {label} [{s}, {t}): span text {e['text']!r} is not the record text there ({text[s:t]!r})"
                )
            if (s, t, label) in spans_seen:
                err(f"entity {eid}: {label} [{s}, {t}) {text[s:t]!r} is annotated twice", "warning")
            spans_seen.add((s, t, label))

        for r in rec.get("relations") or []:
            if not isinstance(r, dict):
                err(f"a relation must be an object, not {r!r}")
                continue
            rtype = r.get("type")
            if rtype not in rel_names:
                err(f"relation {r.get('id')}: unknown type {rtype!r} (types: {', '.join(labels.relation_names)})")
            for end in ("from_id", "to_id"):
                if r.get(end) not in ids:
                    err(f"relation {r.get('id')} {rtype}: {end} {r.get(end)!r} is not an entity of this record")

        if sources is not None and isinstance(cid, str) and cid in sources:
            src_text = sources[cid].get("text")
            if src_text != text:
                err(
                    f"text differs from the source record's: {text!r} vs {src_text!r}; spans would not point at the same words"
                )
        if root is not None and isinstance(rec.get("source"), str) and _is_int(rec.get("offset")):
            src = rec["source"]
            if src not in file_cache:
                p = Path(root) / src
                file_cache[src] = p.read_text(encoding="utf-8") if p.is_file() else None
            body = file_cache[src]
            if body is None:
                err(f"source file {src} not found", "warning")
            elif body[rec["offset"] : rec["offset"] + len(text)] != text:
                err(f"text is not at offset {rec['offset']} of {src}")
    return problems


def errors(problems: Iterable[Problem]) -> List[Problem]:
    return [p for p in problems if p.kind == "error"]
