"""Merging one annotator's pulled records into the gold file, by criterion_id."""

from __future__ import annotations

import datetime as _dt
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

from pipeline.annotation.doccano.convert import annotation_key, dumps, normalize, ordered, relation_set, span_set
from pipeline.annotation.doccano.errors import DoccanoError, ValidationFailed
from pipeline.annotation.doccano.validate import errors, validate
from pipeline.core.io import write_lines_atomic
from pipeline.core.jsonl import read_jsonl
from pipeline.core.problems import Problem
from pipeline.rules.labels import LabelConfig


def pick_annotator(per_annotator: Mapping[str, Sequence[Any]], annotator: Optional[str], project: str,
                   folder: Path) -> Optional[str]:
    """Whose pulled records to merge: ``annotator`` if given, else the only annotator with work
    (None when nobody has any). :class:`DoccanoError` when ``annotator`` is no member of the project
    or, without one, several annotators have work (``folder`` holds their exports, to compare)."""
    if annotator is None:
        with_work = {u: r for u, r in per_annotator.items() if r}
        if not with_work:
            return None
        if len(with_work) > 1:
            names = ", ".join(f"{u} ({len(r)})" for u, r in with_work.items())
            raise DoccanoError(
                f"several annotators have annotations: {names}. Choose one with --annotator; "
                f"compare them first with: eligex agreement {folder}/A.jsonl {folder}/B.jsonl"
            )
        annotator = next(iter(with_work))
    if annotator not in per_annotator:
        raise DoccanoError(
            f"no annotator {annotator!r} in project {project!r} (members: {', '.join(per_annotator) or 'none'})")
    return annotator


@dataclass
class MergeSummary:
    added: List[str] = field(default_factory=list)
    changed: List[str] = field(default_factory=list)
    unchanged: List[str] = field(default_factory=list)
    backup: Optional[str] = None
    written: bool = False
    # criteria whose spans or relations changed but whose hand-written constraints were kept:
    # a person must check them against the new annotation
    review_constraints: List[str] = field(default_factory=list)
    # added criteria with entities and no constraints yet
    missing_constraints: List[str] = field(default_factory=list)
    problems: List[Problem] = field(default_factory=list)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["problems"] = [p.to_dict() for p in self.problems]
        return d

    def __str__(self) -> str:
        s = f"{len(self.added)} added, {len(self.changed)} changed, {len(self.unchanged)} unchanged"
        if self.backup:
            s += f"; previous file kept as {self.backup}"
        elif not self.written:
            s += "; gold file not rewritten (nothing new)"
        return s


def _clean_entity(e: Mapping[str, Any]) -> dict:
    return {"id": e["id"], "label": e["label"], "start_offset": e["start_offset"], "end_offset": e["end_offset"]}


def merge(
    gold_path: Path,
    pulled_records: Sequence[Mapping[str, Any]],
    *,
    path: str = "<doccano>",
    labels: Optional[LabelConfig] = None,
    now: Optional[_dt.datetime] = None,
) -> MergeSummary:
    """Merge pulled records into the gold file, by criterion_id.

    A criterion whose text, spans or relations differ from the gold's is replaced (its other
    fields, the hand-written ``constraints`` above all, are the gold's); a new criterion is appended;
    the rest keep their line byte for byte. Before rewriting, the previous file is copied to
    ``<name>.<UTC timestamp>.bak`` beside it. Raises :class:`ValidationFailed` (and leaves the gold
    file untouched) when the gold file cannot be read or a pulled record fails :func:`validate`
    (against the gold's texts).
    """
    gold_path = Path(gold_path)
    gold_lines: List[str] = []
    gold_records: List[dict] = []
    if gold_path.exists():
        records, line_nos, problems = read_jsonl(gold_path)
        if problems:
            raise ValidationFailed(f"{gold_path} has unreadable lines; nothing merged", problems)
        raw_lines = gold_path.read_text(encoding="utf-8").splitlines()
        gold_records = records
        gold_lines = [raw_lines[n - 1] for n in line_nos]
    gold_by_id: Dict[str, int] = {}
    for i, rec in enumerate(gold_records):
        cid = rec.get("criterion_id")
        if isinstance(cid, str):
            gold_by_id.setdefault(cid, i)

    problems = validate(
        pulled_records, {cid: gold_records[i] for cid, i in gold_by_id.items()}, path=path, labels=labels
    )
    if errors(problems):
        raise ValidationFailed(f"pulled records failed validation; {gold_path} left untouched", problems)

    summary = MergeSummary(problems=problems)
    out_lines = list(gold_lines)
    for pulled in pulled_records:
        cid = pulled["criterion_id"]
        new = normalize(pulled)
        new["entities"] = [_clean_entity(e) for e in new["entities"]]
        if cid in gold_by_id:
            i = gold_by_id[cid]
            old = gold_records[i]
            if annotation_key(old) == annotation_key(new):
                summary.unchanged.append(cid)
                continue
            merged = dict(old)
            merged["text"] = new["text"]
            merged["entities"] = new["entities"]
            merged["relations"] = new["relations"]
            out_lines[i] = dumps(ordered(merged))
            summary.changed.append(cid)
            if old.get("constraints") and (span_set(old) != span_set(new) or relation_set(old) != relation_set(new)):
                summary.review_constraints.append(cid)
        else:
            out_lines.append(dumps(ordered(new)))
            summary.added.append(cid)
            if new["entities"] and "constraints" not in new:
                summary.missing_constraints.append(cid)

    if not summary.added and not summary.changed:
        return summary
    if gold_path.exists():
        stamp = (now or _dt.datetime.now(_dt.timezone.utc)).strftime("%Y%m%dT%H%M%S%fZ")
        backup = gold_path.with_name(f"{gold_path.name}.{stamp}.bak")
        shutil.copy2(gold_path, backup)
        summary.backup = str(backup)
    write_lines_atomic(gold_path, out_lines, "gold file", parents=True)
    summary.written = True
    return summary
