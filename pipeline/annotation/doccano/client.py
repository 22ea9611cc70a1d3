"""Talking to a doccano server: push criteria to a project, pull the annotations back.

Functions over doccano-client 1.2.8's ``DoccanoClient``: :func:`connect`, :func:`ensure_project`,
:func:`find_project`, :func:`project_id_for`, :func:`push`, :func:`pull`, :func:`add_annotator`.
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

import datetime as _dt
import os
import re
import tempfile
import time
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

from pipeline.annotation.doccano.convert import dumps, from_doccano, is_output_record, to_doccano
from pipeline.annotation.doccano.errors import DoccanoError, LabelMismatch, ValidationFailed
from pipeline.annotation.doccano.validate import errors, validate
from pipeline.core.io import write_lines_atomic
from pipeline.core.jsonl import read_jsonl_text
from pipeline.core.paths import REPO_ROOT
from pipeline.core.problems import Problem
from pipeline.rules.labels import LabelConfig, load_labels

GUIDELINE_PATH = REPO_ROOT / "annotations" / "GUIDELINE.md"

PROJECT_TYPE = "SequenceLabeling"
EXPORT_FORMAT = "JSONL"
EXPORT_TIMEOUT = float(os.environ.get("ELIGEX_DOCCANO_EXPORT_TIMEOUT", "300"))  # seconds


def export_folder(exports: Path, project: str, now: Optional[_dt.datetime] = None) -> Path:
    """The dated folder under ``exports`` for one pull of ``project``: ``<project slug>-<UTC stamp>``."""
    stamp = (now or _dt.datetime.now(_dt.timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", project).strip("-") or "project"
    return Path(exports) / f"{slug}-{stamp}"


def write_jsonl(path: Path, records: Iterable[Mapping[str, Any]]) -> None:
    write_lines_atomic(Path(path), (dumps(rec) for rec in records), "export", parents=True)


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
