"""Pure conversions between eligex records and doccano examples, usable without a server.

:func:`normalize` turns a gold record or an eligex output record into a gold-shaped record;
:func:`to_doccano` makes the example (text, metadata, spans, relations) of one record and
:func:`from_doccano` the gold record of one line of doccano's JSONL export (doccano 1.8.4, non-
collaborative project: per member, one file with every example, ``{"id", "text", **meta,
"entities", "relations", "Comments"}``); :func:`span_set`, :func:`relation_set` and
:func:`annotation_key` say what an annotator can change.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Tuple

# record keys kept as doccano example metadata, in gold-file order
META_KEYS = ("trial_id", "criterion_id", "section", "source", "offset")
GOLD_KEY_ORDER = (
    "trial_id",
    "criterion_id",
    "section",
    "source",
    "offset",
    "text",
    "entities",
    "relations",
    "constraints",
)
# keys of an exported example that are doccano's, not our metadata
_EXPORT_OWN_KEYS = {"id", "text", "entities", "relations", "Comments"}


def dumps(record: Mapping[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False)


def is_output_record(record: Mapping[str, Any]) -> bool:
    """True for an eligex extraction output record (entities with ``start``/``end``)."""
    ents = record.get("entities") or []
    rels = record.get("relations") or []
    return any(isinstance(e, dict) and ("start" in e or "rule" in e) and "start_offset" not in e for e in ents) or any(
        isinstance(r, dict) and "from" in r and "from_id" not in r for r in rels
    )


def normalize(record: Mapping[str, Any]) -> dict:
    """A gold-shaped copy of a gold record or of an eligex output record.

    Output entities ``{id, label, start, end, text, rule}`` become ``{id, label, start_offset,
    end_offset, text}`` (``text`` is kept so that :func:`validate` can check it; ``rule`` is
    dropped), output relations ``{from, to, type}`` become ``{id, from_id, to_id, type}``. An output
    record keeps only ``trial_id, criterion_id, section, source, offset, text`` besides its
    annotations: pipeline constraints never flow into the gold. Content is not checked here.
    """
    if not is_output_record(record):
        out = copy.deepcopy(dict(record))
        out.setdefault("entities", [])
        out.setdefault("relations", [])
        return out
    out = {k: record[k] for k in META_KEYS + ("text",) if k in record}
    ents = []
    for e in record.get("entities") or []:
        if not isinstance(e, dict):
            ents.append(e)
            continue
        ent = {"id": e.get("id"), "label": e.get("label"), "start_offset": e.get("start"), "end_offset": e.get("end")}
        if "text" in e:
            ent["text"] = e["text"]
        ents.append(ent)
    rels = []
    for n, r in enumerate(record.get("relations") or [], start=1):
        if not isinstance(r, dict):
            rels.append(r)
            continue
        rels.append({"id": r.get("id", n), "from_id": r.get("from"), "to_id": r.get("to"), "type": r.get("type")})
    out["entities"] = ents
    out["relations"] = rels
    return out


@dataclass
class DoccanoExample:
    """What one criterion becomes in doccano: an example, its spans and relations."""

    text: str
    meta: Dict[str, Any]
    spans: List[Tuple[Any, int, int, str]]  # (local id, start, end, label)
    relations: List[Tuple[Any, Any, str]]  # (from local id, to local id, type)


def to_doccano(record: Mapping[str, Any]) -> DoccanoExample:
    """Convert a (gold or output) record; metadata keeps trial_id, criterion_id, section, source,
    offset and, for a gold record, every other field (its hand-written constraints included)."""
    output = is_output_record(record)
    rec = normalize(record)
    if output:
        meta = {k: rec[k] for k in META_KEYS if k in rec}
    else:
        meta = {k: v for k, v in rec.items() if k not in _EXPORT_OWN_KEYS}
    spans = [(e["id"], int(e["start_offset"]), int(e["end_offset"]), e["label"]) for e in rec["entities"]]
    rels = [(r["from_id"], r["to_id"], r["type"]) for r in rec["relations"]]
    return DoccanoExample(text=rec["text"], meta=meta, spans=spans, relations=rels)


def ordered(record: Mapping[str, Any]) -> dict:
    out = {k: record[k] for k in GOLD_KEY_ORDER if k in record}
    out.update({k: v for k, v in record.items() if k not in out})
    return out


def from_doccano(exported: Mapping[str, Any]) -> dict:
    """A gold record from one line of doccano's JSONL export (one annotator's labels).

    Entities are renumbered 1..n in text order, relations 1..m in creation order; metadata comes
    back as record fields; doccano's example id and comments are dropped.
    """
    rec: Dict[str, Any] = {k: v for k, v in exported.items() if k not in _EXPORT_OWN_KEYS}
    rec["text"] = exported.get("text", "")
    ents = sorted(exported.get("entities") or [], key=lambda e: (e["start_offset"], e["end_offset"], e["label"]))
    new_id = {}
    entities = []
    for n, e in enumerate(ents, start=1):
        new_id[e["id"]] = n
        entities.append(
            {"id": n, "label": e["label"], "start_offset": e["start_offset"], "end_offset": e["end_offset"]}
        )
    rels = []
    # relations in creation order (doccano ids grow): a pushed record keeps its order
    for r in sorted(exported.get("relations") or [], key=lambda r: r.get("id", 0)):
        rels.append(
            {
                "from_id": new_id.get(r["from_id"], r["from_id"]),
                "to_id": new_id.get(r["to_id"], r["to_id"]),
                "type": r["type"],
            }
        )
    relations = [{"id": n, **r} for n, r in enumerate(rels, start=1)]
    rec["entities"] = entities
    rec["relations"] = relations
    return ordered(rec)


def span_set(record: Mapping[str, Any]) -> frozenset:
    """``{(start, end, label)}`` of a (gold-shaped) record."""
    return frozenset(
        (e["start_offset"], e["end_offset"], e["label"]) for e in record.get("entities") or [] if isinstance(e, dict)
    )


def relation_set(record: Mapping[str, Any]) -> frozenset:
    """``{((start, end, label), (start, end, label), type)}``: relations by their spans, not ids."""
    by_id = {
        e.get("id"): (e["start_offset"], e["end_offset"], e["label"])
        for e in record.get("entities") or []
        if isinstance(e, dict)
    }
    return frozenset(
        (by_id.get(r["from_id"]), by_id.get(r["to_id"]), r["type"])
        for r in record.get("relations") or []
        if isinstance(r, dict)
    )


def annotation_key(record: Mapping[str, Any]) -> tuple:
    """What an annotator can change: the text, the spans and the relations (ids do not count)."""
    return (record.get("text"), span_set(record), relation_set(record))
