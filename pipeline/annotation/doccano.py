"""The annotators' loop with doccano: push criteria to a doccano project, pull the annotations back.

Two kinds of functions live here:

* pure conversion and checks, usable without a server: :func:`normalize` (gold record or eligex
  output record -> gold-shaped record), :func:`to_doccano`, :func:`from_doccano`,
  :func:`validate`, :func:`merge`;
* client functions over doccano-client 1.2.8's ``DoccanoClient``: :func:`connect`,
  :func:`ensure_project`, :func:`find_project`, :func:`push`, :func:`pull`.

Credentials come only from the environment: ``DOCCANO_URL``, ``DOCCANO_USERNAME``,
``DOCCANO_PASSWORD``.

doccano facts this module relies on (doccano 1.8.4, non-collaborative project):

* labels belong to the user who made them; each annotator sees and exports only their own, so
  :func:`push` pre-annotates for the logged-in user only (log in as another user to pre-annotate
  for them);
* the JSONL export of a SequenceLabeling project with relations gives, per member, one file with
  every example: ``{"id", "text", **meta, "entities", "relations", "Comments"}``;
* "confirmed" (the annotator's check mark) is per user.
"""

from __future__ import annotations

import copy
import datetime as _dt
import json
import os
import shutil
import tempfile
import time
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from pipeline.core.paths import REPO_ROOT, configs_dir
from pipeline.core.io import write_lines_atomic
from pipeline.core.jsonl import read_jsonl, read_jsonl_text
from pipeline.core.problems import Problem

GUIDELINE_PATH = REPO_ROOT / "annotations" / "GUIDELINE.md"

PROJECT_TYPE = "SequenceLabeling"
EXPORT_FORMAT = "JSONL"
EXPORT_TIMEOUT = float(os.environ.get("ELIGEX_DOCCANO_EXPORT_TIMEOUT", "300"))  # seconds
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


class DoccanoError(RuntimeError):
    """A problem talking to doccano, said so that a person can act on it."""


class LabelMismatch(DoccanoError):
    """The doccano project's label set is not the one of configs/labels.json."""


class ValidationFailed(DoccanoError):
    """Records failed :func:`validate`; nothing was written or uploaded."""

    def __init__(self, message: str, problems: Sequence[Problem]):
        self.problems = list(problems)
        lines = [message] + [f"  {p}" for p in self.problems if p.kind == "error"][:50]
        more = sum(p.kind == "error" for p in self.problems) - 50
        if more > 0:
            lines.append(f"  ... and {more} more")
        super().__init__("\n".join(lines))


# ---------------------------------------------------------------------------------------------
# labels


@dataclass(frozen=True)
class LabelConfig:
    span_labels: Tuple[dict, ...]
    relation_types: Tuple[dict, ...]

    @property
    def span_names(self) -> List[str]:
        return [label["name"] for label in self.span_labels]

    @property
    def relation_names(self) -> List[str]:
        return [rel["name"] for rel in self.relation_types]


def load_labels(path: Optional[Path] = None) -> LabelConfig:
    """Read configs/labels.json (``$ELIGEX_CONFIGS/labels.json``, or ``path``)."""
    data = json.loads(Path(path or configs_dir() / "labels.json").read_text(encoding="utf-8"))
    return LabelConfig(tuple(data["span_labels"]), tuple(data["relation_types"]))


# ---------------------------------------------------------------------------------------------
# writing JSONL (reading: pipeline.core.jsonl)


def dumps(record: Mapping[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False)


def write_jsonl(path: Path, records: Iterable[Mapping[str, Any]]) -> None:
    write_lines_atomic(Path(path), (dumps(rec) for rec in records), "export", parents=True)


# ---------------------------------------------------------------------------------------------
# conversion


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


def _ordered(record: Mapping[str, Any]) -> dict:
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
    return _ordered(rec)


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


# ---------------------------------------------------------------------------------------------
# validation


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


# ---------------------------------------------------------------------------------------------
# merge


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
            out_lines[i] = dumps(_ordered(merged))
            summary.changed.append(cid)
            if old.get("constraints") and (span_set(old) != span_set(new) or relation_set(old) != relation_set(new)):
                summary.review_constraints.append(cid)
        else:
            out_lines.append(dumps(_ordered(new)))
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


# ---------------------------------------------------------------------------------------------
# client


def _requests_errors():
    import requests

    return requests.exceptions


def _describe_http(err: Exception) -> str:
    resp = getattr(err, "response", None)
    if resp is None:
        return str(err)
    try:
        body = resp.json()
    except Exception:
        body = (resp.text or "")[:200]
    return f"HTTP {resp.status_code} on {resp.request.method if resp.request else ''} {resp.url}: {body}"


def connect(environ: Optional[Mapping[str, str]] = None):
    """A logged-in ``DoccanoClient`` from DOCCANO_URL, DOCCANO_USERNAME, DOCCANO_PASSWORD.

    Raises :class:`DoccanoError` when a variable is missing, the server does not answer, or the
    login is refused.
    """
    from doccano_client import DoccanoClient

    env = os.environ if environ is None else environ
    missing = [v for v in ("DOCCANO_URL", "DOCCANO_USERNAME", "DOCCANO_PASSWORD") if not env.get(v)]
    if missing:
        raise DoccanoError(
            f"{', '.join(missing)} not set: export DOCCANO_URL (printed by scripts/doccano-server start), "
            "DOCCANO_USERNAME and DOCCANO_PASSWORD"
        )
    url, user, password = env["DOCCANO_URL"].rstrip("/"), env["DOCCANO_USERNAME"], env["DOCCANO_PASSWORD"]
    rex = _requests_errors()
    client = DoccanoClient(url)
    try:
        client.login(user, password)
    except (rex.ConnectionError, rex.Timeout) as err:
        raise DoccanoError(
            f"cannot reach doccano at {url} ({type(err).__name__}): is the server running? "
            "(scripts/doccano-server status / start)"
        ) from err
    except rex.HTTPError as err:
        code = err.response.status_code if err.response is not None else None
        if code in (400, 401, 403):
            raise DoccanoError(
                f"doccano at {url} refused the login of user {user!r}: wrong username or password "
                "(DOCCANO_USERNAME / DOCCANO_PASSWORD)"
            ) from err
        raise DoccanoError(
            f"unexpected answer from {url} to the login: {_describe_http(err)}; is DOCCANO_URL a doccano server?"
        ) from err
    except rex.RequestException as err:
        raise DoccanoError(f"cannot log in to doccano at {url}: {err}") from err
    return client


def find_project(client, name: str):
    """The project called ``name`` (a doccano-client ``Project``), or None."""
    found = [p for p in client.list_projects() if p.name == name]
    if len(found) > 1:
        raise DoccanoError(
            f"{len(found)} doccano projects are called {name!r} (ids {', '.join(str(p.id) for p in found)}); rename all but one"
        )
    return found[0] if found else None


def _check_settings(project) -> None:
    ptype = getattr(project.project_type, "value", project.project_type)
    wrong = []
    if ptype != PROJECT_TYPE:
        wrong.append(f"type is {ptype}, not {PROJECT_TYPE}")
    if not project.use_relation:
        wrong.append("relation labeling is off")
    if not project.allow_overlapping:
        wrong.append("overlapping spans are not allowed")
    if project.collaborative_annotation:
        wrong.append("collaborative annotation is on (annotators' work could not be told apart)")
    if wrong:
        raise DoccanoError(
            f"doccano project {project.name!r} (id {project.id}) does not fit eligex: {'; '.join(wrong)}. "
            "Fix it in the project's settings or use another project name."
        )


def _label_ids(client, project_id: int, kind: str) -> Dict[str, int]:
    return {lt.text: lt.id for lt in client.list_label_types(project_id, kind)}


def check_labels(client, project, labels: Optional[LabelConfig] = None, *, add_missing: bool = False) -> None:
    """Raise :class:`LabelMismatch` when the project has span labels or relation types that
    configs/labels.json has not; labels it lacks are added when ``add_missing``, else an error."""
    labels = labels or load_labels()
    for kind, wanted in (("span", labels.span_labels), ("relation", labels.relation_types)):
        have = _label_ids(client, project.id, kind)
        names = [w["name"] for w in wanted]
        extra = sorted(set(have) - set(names))
        missing = [n for n in names if n not in have]
        if extra or (missing and not add_missing):
            what = "span labels" if kind == "span" else "relation types"
            parts = []
            if extra:
                parts.append(f"not in configs/labels.json: {', '.join(extra)}")
            if missing and not add_missing:
                parts.append(f"missing: {', '.join(missing)}")
            raise LabelMismatch(
                f"the {what} of doccano project {project.name!r} (id {project.id}) differ from configs/labels.json "
                f"({'; '.join(parts)}). Rename or delete them in doccano, or update configs/labels.json."
            )
        for w in wanted:
            if w["name"] in missing:
                _create_label(client, project.id, kind, w, names.index(w["name"]))


def _create_label(client, project_id: int, kind: str, spec: Mapping[str, Any], index: int) -> None:
    # span labels get the shortcut keys 1..9 in configs/labels.json order
    suffix = str(index + 1) if kind == "span" and index < 9 else None
    client.create_label_type(project_id, kind, spec["name"], suffix_key=suffix, color=spec.get("color"))


def ensure_project(client, name: str, labels: Optional[LabelConfig] = None) -> int:
    """Id of the doccano project ``name``, created when missing (idempotent).

    A new project is a SequenceLabeling project with relations and overlapping spans, not
    collaborative (each annotator's labels stay apart), with the span labels and relation types of
    configs/labels.json and annotations/GUIDELINE.md as its guideline. An existing one is reused
    when it fits: :class:`DoccanoError` when its settings do not, :class:`LabelMismatch` when it has
    labels that configs/labels.json has not (labels it lacks are added).
    """
    labels = labels or load_labels()
    rex = _requests_errors()
    try:
        project = find_project(client, name)
        if project is None:
            guideline = GUIDELINE_PATH.read_text(encoding="utf-8") if GUIDELINE_PATH.is_file() else ""
            project = client.create_project(
                name=name,
                project_type=PROJECT_TYPE,
                description="eligex: constraints in clinical-trial eligibility criteria (labels: configs/labels.json)",
                guideline=guideline,
                collaborative_annotation=False,
                allow_overlapping=True,
                use_relation=True,
                grapheme_mode=False,
            )
        _check_settings(project)
        check_labels(client, project, labels, add_missing=True)
        return project.id
    except rex.HTTPError as err:
        raise DoccanoError(
            f"doccano refused a request while setting up project {name!r}: {_describe_http(err)}"
        ) from err


def project_id_for(client, name: str, labels: Optional[LabelConfig] = None) -> int:
    """Id of an existing, fitting project (for pull: never creates or changes anything)."""
    project = find_project(client, name)
    if project is None:
        raise DoccanoError(f"no doccano project called {name!r} visible to this user")
    _check_settings(project)
    check_labels(client, project, labels, add_missing=False)
    return project.id


@dataclass
class PushSummary:
    created: List[str] = field(default_factory=list)  # examples created
    existing: List[str] = field(default_factory=list)  # examples already in the project
    labelled: List[str] = field(default_factory=list)  # labels uploaded for the logged-in user
    already_labelled: List[str] = field(default_factory=list)  # user had labels there: left alone
    confirmed: List[str] = field(default_factory=list)
    spans: int = 0
    relations: int = 0
    problems: List[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{len(self.created)} criteria created, {len(self.existing)} already there; labels uploaded on "
            f"{len(self.labelled)} ({self.spans} spans, {self.relations} relations), "
            f"{len(self.already_labelled)} left alone (this user had labels there); {len(self.confirmed)} marked done"
        )

    def to_dict(self) -> dict:
        d = asdict(self)
        d["problems"] = [p.to_dict() for p in self.problems]
        return d


def push(
    client,
    project_id: int,
    records: Sequence[Mapping[str, Any]],
    *,
    labels: bool = True,
    confirm: Optional[bool] = None,
    path: str = "<records>",
    lines: Optional[Sequence[int]] = None,
    label_config: Optional[LabelConfig] = None,
) -> PushSummary:
    """Upload criteria (gold records or eligex output records) to a doccano project.

    Every record must pass :func:`validate` first (else :class:`ValidationFailed`, nothing
    uploaded). A criterion already in the project (same criterion_id in its metadata) is not
    created again; one whose text differs there is an error. With ``labels``, the record's spans and
    relations are uploaded for the logged-in user on every example where that user has no span yet
    (existing work is never overwritten or doubled). ``confirm`` (default: for gold records, not for
    eligex output) marks those examples done for that user, so that criteria with nothing to
    annotate come back on pull.
    """
    rex = _requests_errors()
    cfg = label_config or load_labels()
    problems = validate(records, path=path, lines=lines, labels=cfg)
    if errors(problems):
        raise ValidationFailed(f"{path}: records failed validation; nothing pushed", problems)
    summary = PushSummary(problems=problems)
    try:
        span_ids = _label_ids(client, project_id, "span")
        rel_ids = _label_ids(client, project_id, "relation")
        missing = sorted(
            {n for n in cfg.span_names if n not in span_ids} | {n for n in cfg.relation_names if n not in rel_ids}
        )
        if missing:
            raise LabelMismatch(
                f"doccano project {project_id} lacks labels {', '.join(missing)}: run ensure_project (eligex doccano push does)"
            )

        existing: Dict[str, Any] = {}
        for ex in client.list_examples(project_id):
            cid = (ex.meta or {}).get("criterion_id")
            if isinstance(cid, str):
                existing.setdefault(cid, ex)
        clash = []
        for i, rec in enumerate(records):
            ex = existing.get(rec["criterion_id"])
            if ex is not None and ex.text != rec["text"]:
                clash.append(
                    Problem(
                        path,
                        lines[i] if lines else i + 1,
                        f"doccano already has this criterion with another text: {ex.text!r}",
                        rec["criterion_id"],
                    )
                )
        if clash:
            raise ValidationFailed("criteria differ from the ones in doccano; nothing pushed", clash)

        for rec in records:
            cid = rec["criterion_id"]
            conv = to_doccano(rec)
            do_confirm = (not is_output_record(rec)) if confirm is None else confirm
            ex = existing.get(cid)
            fresh = ex is None
            if fresh:
                ex = client.create_example(project_id, conv.text, meta=conv.meta)
                existing[cid] = ex
                summary.created.append(cid)
            else:
                summary.existing.append(cid)
            if not labels:
                continue
            if conv.spans:
                if not fresh and client.list_spans(project_id, ex.id):
                    summary.already_labelled.append(cid)  # this user's work there is left alone
                    continue
                local_to_span: Dict[Any, int] = {}
                for local, start, end, label in conv.spans:
                    span = client.span.create(project_id, ex.id, start, end, span_ids[label], human_annotated=True)
                    local_to_span[local] = span.id
                    summary.spans += 1
                for frm, to, rtype in conv.relations:
                    client.relation.create(
                        project_id, ex.id, local_to_span[frm], local_to_span[to], rel_ids[rtype], human_annotated=True
                    )
                    summary.relations += 1
                summary.labelled.append(cid)
            if do_confirm and not ex.is_confirmed:
                client.update_example_state(project_id, ex.id)
                summary.confirmed.append(cid)
    except (rex.ConnectionError, rex.Timeout) as err:
        raise DoccanoError(
            f"lost the doccano server during push ({type(err).__name__}); rerun push: it skips what is there"
        ) from err
    except rex.HTTPError as err:
        raise DoccanoError(f"doccano refused a request during push: {_describe_http(err)}") from err
    return summary


def _download(
    client, project_id: int, confirmed_only: bool, into: Path, timeout: float = EXPORT_TIMEOUT
) -> Dict[str, List[dict]]:
    """One JSONL export of the project, as {username: [exported lines]}.

    As ``DoccanoClient.download``, but its wait for the Celery task is bounded (the client's own
    waits up to an hour when no worker runs) and polls faster.
    """
    usecase = client.data_export
    repo, status_repo = usecase._data_download_repository, usecase._task_status_repository
    option = repo.find_option_by_name(project_id, EXPORT_FORMAT)
    task_id = repo.schedule_download(project_id, option, confirmed_only)
    deadline = time.monotonic() + timeout
    while True:
        status = status_repo.get(task_id)
        if status.ready:
            break
        if time.monotonic() > deadline:
            raise DoccanoError(
                f"doccano's export did not finish in {timeout:.0f} s: is its Celery worker running? (scripts/doccano-server status)"
            )
        time.sleep(0.25)
    if status.error:
        raise DoccanoError(f"doccano's export failed: {status.error}")
    zpath = repo.download(project_id, task_id, str(into))
    out: Dict[str, List[dict]] = {}
    with zipfile.ZipFile(zpath) as zf:
        for name in zf.namelist():
            if not name.endswith(".jsonl"):
                continue
            user = Path(name).stem
            rows, _, problems = read_jsonl_text(zf.read(name).decode("utf-8"), f"doccano export {name}")
            if problems:
                raise DoccanoError("doccano's export has unreadable lines:\n" + "\n".join(f"  {p}" for p in problems))
            out[user] = rows
    return out


def pull(client, project_id: int, *, exports_dir: Optional[Path] = None) -> Dict[str, List[dict]]:
    """Each annotator's records (gold format), from doccano's export of the project.

    An annotator's record for a criterion is there when the annotator has at least one span on it
    or marked it done (so a done criterion with nothing to annotate comes back empty; an untouched
    one does not come back). With ``exports_dir``: writes ``<user>.jsonl`` (gold format) per
    annotator there, and doccano's own export lines under ``raw/``.
    """
    rex = _requests_errors()
    try:
        with tempfile.TemporaryDirectory(prefix="eligex-doccano-") as tmp:
            everything = _download(client, project_id, False, Path(tmp))
            done = _download(client, project_id, True, Path(tmp))
    except (rex.ConnectionError, rex.Timeout) as err:
        raise DoccanoError(f"lost the doccano server during pull ({type(err).__name__})") from err
    except rex.HTTPError as err:
        raise DoccanoError(f"doccano refused a request during pull: {_describe_http(err)}") from err
    except (KeyError, ValueError, zipfile.BadZipFile) as err:
        raise DoccanoError(
            f"doccano's export could not be read ({err!r}); is the Celery worker running? (scripts/doccano-server status)"
        ) from err

    result: Dict[str, List[dict]] = {}
    for user in sorted(everything):
        done_ids = {row["id"] for row in done.get(user, [])}
        rows = [row for row in everything[user] if row.get("entities") or row["id"] in done_ids]
        result[user] = [from_doccano(row) for row in rows]
    if exports_dir is not None:
        exports_dir = Path(exports_dir)
        for user, recs in result.items():
            write_jsonl(exports_dir / f"{user}.jsonl", recs)
            write_jsonl(exports_dir / "raw" / f"{user}.jsonl", everything[user])
            write_jsonl(exports_dir / "raw" / f"{user}.done.jsonl", done.get(user, []))
    return result


def add_annotator(client, project_id: int, username: str, role: str = "annotator") -> None:
    """Make an existing doccano user a member of the project (idempotent)."""
    members = client.list_members(project_id)
    if any(m.username == username for m in members):
        return
    client.member.add(project_id, username, role)
