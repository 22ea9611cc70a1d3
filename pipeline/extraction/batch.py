"""Registry-scale extraction: streaming, resumable, multi-process, counted.

The pieces are separate and testable:

- :func:`process_items` — reader items (documents and problems) in, one :class:`TrialResult` per
  item out, in input order. The criteria of all trials stream through :func:`pipeline_results`
  in chunks of ``(text, context)`` (the context says which trial and criterion a text is), each
  chunk through ``nlp.pipe(as_tuples=True)`` — in this process, or with ``n_process > 1`` in
  worker processes started once, which send back ``doc._.eligex`` (plain data). Memory is bounded
  by the chunks in flight, not by the input. A criterion the pipeline fails on is retried alone to
  learn why, and its trial fails as a whole (no half-extracted trials are written).
- :class:`OutputStore` — writes trial by trial and flushes; after each trial it appends one line
  to the progress file ``OUT.progress`` (trial key, status, and the byte sizes of the output and
  errors files at that moment). ``--resume`` (:func:`load_resume`) reads it back: the trials it
  lists are done; the output and errors files are truncated to the sizes of the last completed
  trial, which drops a half-written last line and the records of a trial that was not marked
  complete. Without a progress file the output itself is read (its last trial is redone).
- :class:`Counts`, :func:`format_progress`, :class:`ProgressLine` — counting (``trials in =
  written + failed + done before``), the progress line and the summary.
- :func:`constraint_rows`, :func:`open_table`, :func:`write_table` — the one-row-per-constraint
  table (CSV or Parquet).
"""

from __future__ import annotations

import csv
import itertools
import json
import logging
import multiprocessing as mp
import os
import signal
import sys
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Dict, Iterable, Iterator, List, Optional, Set, Tuple

from pipeline.core.reflow import pipeline_text
from pipeline.core.problems import Problem
from pipeline.ingest.readers import InputDoc
from pipeline.extraction.structured import structured_record

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 256
TABLE_COLUMNS = ("trial_id", "criterion_id", "section", "subject", "category", "lower", "lower_inclusive",
                 "upper", "upper_inclusive", "unit", "negated", "condition", "origin", "value")


# ----------------------------------------------------------------------------------------------
# results and counts
# ----------------------------------------------------------------------------------------------

@dataclass
class TrialResult:
    """What one input item (a trial, or a record that could not be read) came to."""

    key: str
    trial_id: Optional[str]
    records: List[dict] = field(default_factory=list)
    problems: List[Problem] = field(default_factory=list)
    failed: bool = False


@dataclass
class Counts:
    trials_in: int = 0
    written: int = 0
    failed: int = 0
    done_before: int = 0
    criteria: int = 0
    constraints: int = 0
    errors: int = 0
    warnings: int = 0

    def adds_up(self) -> bool:
        return self.trials_in == self.written + self.failed + self.done_before

    def add(self, result: TrialResult) -> None:
        if result.failed:
            self.failed += 1
        else:
            self.written += 1
        for rec in result.records:
            if rec.get("origin") != "structured":
                self.criteria += 1
            self.constraints += len(rec.get("constraints") or ())
        for p in result.problems:
            if p.kind == "warning":
                self.warnings += 1
            else:
                self.errors += 1

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def item_key(item) -> str:
    """The resume key of a reader item: the trial id, or where an unreadable record is."""
    if isinstance(item, InputDoc):
        return item.trial_id
    return f"problem:{item.path}:{item.line}:{item.record or ''}"


# ----------------------------------------------------------------------------------------------
# processing
# ----------------------------------------------------------------------------------------------

def _skip_failed_doc(name, proc, docs, error) -> None:
    """spaCy error handler for a batch run: the failing doc is left out of the stream (it is then
    run alone to learn why, see :func:`process_chunk`)."""
    log.debug("component %s failed on %d doc(s): %s", name, len(docs or ()), error)


@contextmanager
def msgpack_hooks_cached():
    """Look srsly's msgpack encoder/decoder hooks up once instead of on every call, without
    medspaCy's (for ``nlp.pipe(n_process>1)``, which :func:`pipeline_results` does not use).

    ``Doc.to_bytes``/``from_bytes`` (how ``nlp.pipe(n_process>1)`` moves Docs between processes)
    call ``srsly.msgpack_dumps``/``loads`` a few times per Doc, and each call asks the catalogue
    registry for all hooks: a scan of every installed package's entry points and of all of
    spaCy's registered functions, about 1 ms per Doc, more than our whole pipeline. Within this
    context the hooks are looked up once. medspaCy's hooks are left out: they are called on every
    dict decoded and turn any dict with a key ``section``, ``modifiers``, ``modifier`` or
    ``context_graph`` into medspaCy objects, while eligex Docs carry plain data only
    (``doc._.eligex``), so without them a Doc comes back from a worker exactly as it was made.
    Forked worker processes inherit the cache.
    """
    import srsly.msgpack as srsly_msgpack

    registries = (srsly_msgpack.msgpack_encoders, srsly_msgpack.msgpack_decoders)
    saved = [reg.__dict__.get("get_all") for reg in registries]
    for reg in registries:
        hooks = {name: hook for name, hook in reg.get_all().items()
                 if not getattr(hook, "__module__", "").startswith("medspacy")}
        reg.get_all = lambda hooks=hooks: hooks
    try:
        yield
    finally:
        for reg, old in zip(registries, saved):
            if old is None:
                del reg.__dict__["get_all"]
            else:
                reg.get_all = old


def run_one(nlp, text: str):
    """The doc of one text, or ``(None, reason)`` naming the component that failed."""
    try:
        doc = nlp.make_doc(text)
    except Exception as exc:
        return None, f"tokenizer: {type(exc).__name__}: {exc}"
    for name, proc in nlp.pipeline:
        try:
            doc = proc(doc)
        except Exception as exc:
            return None, f"{name}: {type(exc).__name__}: {exc}"
    return doc, None


def process_chunk(nlp, chunk: List[Tuple[str, object]]) -> List[Tuple[object, Optional[dict], Optional[str]]]:
    """``(context, doc._.eligex, None)`` or ``(context, None, reason)`` for each ``(text, context)``
    of a chunk, in order. The chunk goes through ``nlp.pipe(as_tuples=True)``; a text the pipeline
    fails on is left out by the error handler and run alone to learn which component failed."""
    old_handler = nlp.default_error_handler
    nlp.set_error_handler(_skip_failed_doc)
    try:
        done = {ctx: doc._.eligex or {}
                for doc, ctx in nlp.pipe(chunk, as_tuples=True, batch_size=max(len(chunk), 1))}
    finally:
        nlp.set_error_handler(old_handler)
    out = []
    for text, ctx in chunk:
        if ctx in done:
            out.append((ctx, done[ctx], None))
        else:
            doc, reason = run_one(nlp, text)
            out.append((ctx, None, reason) if doc is None else (ctx, doc._.eligex or {}, None))
    return out


_WORKER_NLP = None


def _start_worker(nlp) -> None:
    global _WORKER_NLP
    _WORKER_NLP = nlp
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle


def _work(chunk):
    return process_chunk(_WORKER_NLP, chunk)


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while True:
        chunk = list(itertools.islice(it, size))
        if not chunk:
            return
        yield chunk


def pipeline_results(nlp, items: Iterable[Tuple[str, object]], n_process: int = 1,
                     batch_size: int = DEFAULT_BATCH_SIZE) -> Iterator[Tuple[object, Optional[dict], Optional[str]]]:
    """:func:`process_chunk` results for ``(text, context)`` items, streamed in input order.

    ``n_process > 1``: chunks of ``batch_size`` texts go to that many worker processes (forked,
    so they share the loaded pipeline), at most two chunks per worker in flight, and come back as
    plain data (``doc._.eligex``). This scales far better than ``nlp.pipe(n_process=N)``, whose
    main process rebuilds every Doc a worker sends (``Doc.from_bytes``) on the same cores the
    workers need: about 1.1-1.3× for two processes on two cores, against 1.8× here.
    """
    chunks = _chunks(items, batch_size)
    if n_process <= 1:
        for chunk in chunks:
            yield from process_chunk(nlp, chunk)
        return
    methods = mp.get_all_start_methods()
    context = mp.get_context("fork" if "fork" in methods else None)
    pool = ProcessPoolExecutor(n_process, mp_context=context, initializer=_start_worker, initargs=(nlp,))
    window: deque = deque()
    try:
        for chunk in chunks:
            window.append(pool.submit(_work, chunk))
            while len(window) >= 2 * n_process:
                yield from window.popleft().result()
        while window:
            yield from window.popleft().result()
    finally:
        for future in window:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def text_record(criterion, eligex: dict, source: str) -> dict:
    """The output record of one criterion (``origin`` ``"text"`` on it and on its constraints)."""
    from pipeline.extraction.records import doc_to_record

    record = doc_to_record(criterion, eligex, source)
    record["origin"] = "text"
    for c in record.get("constraints") or ():
        c.setdefault("origin", "text")
    return record


@dataclass
class _Pending:
    seq: int
    key: str
    item: object
    criteria: list = field(default_factory=list)
    problems: List[Problem] = field(default_factory=list)
    records: list = field(default_factory=list)
    got: int = 0
    failure: Optional[str] = None

    @property
    def complete(self) -> bool:
        return self.got >= len(self.criteria)


def process_items(items: Iterable, extractor, *, n_process: int = 1, batch_size: int = DEFAULT_BATCH_SIZE,
                  done: Optional[Set[str]] = None, counts: Optional[Counts] = None) -> Iterator[TrialResult]:
    """One :class:`TrialResult` per reader item not in ``done``, in input order.

    The criteria of all trials stream through :func:`pipeline_results` (the context of each text
    says which trial and criterion it is), so worker processes start once and the items read
    ahead are bounded by the chunks in flight, not by the input. A criterion the pipeline fails
    on fails its trial as a whole (no half-extracted trial is written).

    ``done``: keys of items completed by an earlier run (skipped, counted as ``done_before``).
    ``counts.trials_in`` and ``counts.done_before`` are counted here as items are read.
    """
    nlp = extractor.nlp
    done = done if done is not None else set()
    counts = counts if counts is not None else Counts()
    seen: Set[str] = set()
    pending: deque = deque()

    def feed() -> Iterator[Tuple[str, Tuple[int, int]]]:
        seq = 0
        for item in items:
            counts.trials_in += 1
            key = item_key(item)
            if key in done:
                counts.done_before += 1
                continue
            entry = _Pending(seq, key, item)
            seq += 1
            if isinstance(item, InputDoc):
                if key in seen:
                    entry.failure = "duplicate trial id: this trial was already written by this run"
                else:
                    try:
                        entry.criteria, entry.problems = extractor.criteria(item)
                    except Exception as exc:
                        entry.failure = f"splitting into criteria failed: {type(exc).__name__}: {exc}"
                    entry.records = [None] * len(entry.criteria)
            seen.add(key)
            pending.append(entry)
            if entry.criteria and entry.failure is None:
                for i, crit in enumerate(entry.criteria):
                    yield pipeline_text(crit.text), (entry.seq, i)
            else:  # a placeholder keeps the output in input order without holding items back
                entry.criteria = []
                yield "", (entry.seq, -1)

    for (seq, index), eligex, reason in pipeline_results(nlp, feed(), n_process, batch_size):
        while pending and pending[0].seq < seq:
            yield _finish(pending.popleft())
        entry = pending[0]
        if index >= 0:
            crit = entry.criteria[index]
            if eligex is None:
                entry.failure = entry.failure or f"criterion {crit.criterion_id}: {reason}"
            elif entry.failure is None:
                try:
                    entry.records[index] = text_record(crit, eligex, entry.item.source)
                except Exception as exc:
                    entry.failure = f"making the record of {crit.criterion_id} failed: {type(exc).__name__}: {exc}"
            entry.got += 1
        if entry.complete:
            yield _finish(pending.popleft())
    while pending:
        yield _finish(pending.popleft())


def _finish(entry: _Pending) -> TrialResult:
    item = entry.item
    if isinstance(item, Problem):
        return TrialResult(entry.key, item.record, problems=[item], failed=True)
    problems = list(item.warnings) + list(entry.problems)
    failure = entry.failure
    records: List[dict] = []
    if failure is None:
        records = [r for r in entry.records if r is not None]
        try:
            extra, warnings = structured_record(item)
        except Exception as exc:
            extra, warnings = None, []
            failure = f"structured fields failed: {type(exc).__name__}: {exc}"
        problems.extend(warnings)
        if extra is not None:
            records.append(extra)
    if failure is not None:
        problems.append(Problem(item.source, item.line, f"trial failed: {failure}", record=item.trial_id))
        return TrialResult(entry.key, item.trial_id, problems=problems, failed=True)
    if not records and any(p.kind != "warning" for p in problems):
        return TrialResult(entry.key, item.trial_id, problems=problems, failed=True)
    return TrialResult(entry.key, item.trial_id, records=records, problems=problems)


# ----------------------------------------------------------------------------------------------
# output and resume
# ----------------------------------------------------------------------------------------------

class ResumeError(RuntimeError):
    """The existing output cannot be continued safely."""


@dataclass
class ResumeState:
    done: Set[str] = field(default_factory=set)
    out_size: int = 0
    err_size: int = 0
    progress_size: int = 0
    records: int = 0
    notes: List[str] = field(default_factory=list)


def progress_path_for(output: Path) -> Path:
    return output.with_name(output.name + ".progress")


def errors_path_for(output: Path) -> Path:
    name = output.name
    for suffix in (".jsonl.gz", ".jsonl", ".json", ".ndjson"):
        if name.endswith(suffix):
            return output.with_name(name[: -len(suffix)] + ".errors.jsonl")
    return output.with_name(name + ".errors.jsonl")


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def _complete_lines(path: Path) -> Iterator[Tuple[int, int, bytes]]:
    """``(start, end, line)`` of each line ending in a newline (a last line without one is not)."""
    pos = 0
    with path.open("rb") as fh:
        for raw in fh:
            if not raw.endswith(b"\n"):
                return
            yield pos, pos + len(raw), raw
            pos += len(raw)


def _count_lines(path: Path, size: int) -> int:
    n, left = 0, size
    with path.open("rb") as fh:
        while left > 0:
            chunk = fh.read(min(left, 1 << 20))
            if not chunk:
                break
            n += chunk.count(b"\n")
            left -= len(chunk)
    return n


def load_resume(out_path: Path, err_path: Path, progress_path: Path) -> ResumeState:
    """Work out what an earlier run completed and cut its files back to that point.

    With a progress file: its complete lines name the finished trials; output and errors are
    truncated to the sizes recorded with the last one. Without one: the output's complete records
    are read; a half-written last line is cut, and the last trial's records are cut too (it may not
    have been complete), so that trial is redone.
    """
    state = ResumeState()
    if progress_path.exists():
        last = None
        for start, end, raw in _complete_lines(progress_path):
            try:
                entry = json.loads(raw)
                key, out_size, err_size = entry["key"], int(entry["out"]), int(entry["err"])
            except (ValueError, KeyError, TypeError):
                break
            state.done.add(key)
            state.records += int(entry.get("records", 0))
            state.progress_size = end
            last = (out_size, err_size)
        if _size(progress_path) > state.progress_size:
            state.notes.append("progress file: dropped a half-written last line")
        state.out_size, state.err_size = last or (0, 0)
        have_out, have_err = _size(out_path), _size(err_path)
        if have_out < state.out_size:
            raise ResumeError(f"{out_path} has {have_out} bytes but {progress_path} records {state.out_size}: "
                              "the output was changed since; run without --resume to start again")
        if have_out > state.out_size:
            whole, last = 0, b""
            with out_path.open("rb") as fh:  # what was written after the last completed trial
                fh.seek(state.out_size)
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    whole += chunk.count(b"\n")
                    last = chunk[-1:]
            half = last != b"\n"
            state.notes.append(f"output: dropped {whole} record(s) of an unfinished trial"
                               + (" and a half-written last line" if half else ""))
        if have_err < state.err_size:
            state.notes.append(f"errors file: shorter than recorded ({have_err} < {state.err_size} bytes); kept")
            state.err_size = have_err
        lines = _count_lines(out_path, state.out_size) if out_path.exists() else 0
        if lines != state.records:
            raise ResumeError(f"{out_path} holds {lines} records up to the last completed trial, but "
                              f"{progress_path} lists {state.records}: run without --resume to start again")
    elif out_path.exists() and _size(out_path) > 0:
        trial, trial_start, end, records = None, 0, 0, 0
        boundaries: List[Tuple[str, int, int]] = []  # (trial, end offset, records)
        for start, stop, raw in _complete_lines(out_path):
            try:
                tid = json.loads(raw)["trial_id"]
            except (ValueError, KeyError, TypeError):
                break
            if tid != trial:
                if trial is not None:
                    boundaries.append((trial, start, records))
                trial, trial_start, records = tid, start, 0
            records += 1
            end = stop
        if _size(out_path) > end:
            state.notes.append("output: dropped a half-written last line")
        if trial is not None:
            state.notes.append(f"no progress file: read the output; trial {trial} is redone "
                               f"({records} record(s) dropped)")
        state.done = {t for t, _, _ in boundaries}
        state.out_size = trial_start if trial is not None else 0
        state.err_size = _size(err_path)
        state.records = sum(r for _, _, r in boundaries)
        # rebuild the progress file so that later resumes are exact
        with progress_path.open("wb") as fh:
            for t, stop, recs in boundaries:
                fh.write(_progress_line(t, t, "written", recs, stop, state.err_size))
        state.progress_size = _size(progress_path)
    for path, size in ((out_path, state.out_size), (err_path, state.err_size), (progress_path, state.progress_size)):
        if path.exists() and _size(path) != size:
            with path.open("r+b") as fh:
                fh.truncate(size)
    return state


def _progress_line(key: str, trial_id: Optional[str], status: str, records: int, out: int, err: int) -> bytes:
    return (json.dumps({"key": key, "trial_id": trial_id, "status": status, "records": records,
                        "out": out, "err": err}, ensure_ascii=False) + "\n").encode("utf-8")


def _json_line(obj) -> bytes:
    return (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")


class OutputStore:
    """Output JSONL, errors JSONL and the progress file, written trial by trial.

    ``output=None`` writes the records to standard output (no progress file, no resume).
    """

    def __init__(self, output: Optional[Path], errors: Path, resume: bool = False):
        self.output = output
        self.errors = errors
        self.progress = progress_path_for(output) if output is not None else None
        self.state = ResumeState()
        if output is not None:
            output.parent.mkdir(parents=True, exist_ok=True)
            if resume:
                self.state = load_resume(output, errors, self.progress)
            else:
                for path in (output, self.progress):
                    if path.exists():
                        path.unlink()
                if errors.exists():
                    errors.unlink()
            self._out: IO[bytes] = output.open("ab")
            self._progress: Optional[IO[bytes]] = self.progress.open("ab")
        else:
            self._out = sys.stdout.buffer
            self._progress = None
            if errors.exists() and not resume:
                errors.unlink()
        errors.parent.mkdir(parents=True, exist_ok=True)
        self._err: IO[bytes] = errors.open("ab")
        self.out_size = self.state.out_size
        self.err_size = _size(errors)

    @property
    def done(self) -> Set[str]:
        return self.state.done

    def write(self, result: TrialResult) -> None:
        """Write one trial's records and problems, flush, then mark it complete."""
        if result.records:
            data = b"".join(_json_line(r) for r in result.records)
            self._out.write(data)
            self._out.flush()
            self.out_size += len(data)
        if result.problems:
            data = b"".join(_json_line(p.to_dict()) for p in result.problems)
            self._err.write(data)
            self._err.flush()
            self.err_size += len(data)
        if self._progress is not None:
            self._progress.write(_progress_line(result.key, result.trial_id,
                                                "failed" if result.failed else "written",
                                                len(result.records), self.out_size, self.err_size))
            self._progress.flush()

    def close(self) -> None:
        for fh in (self._out, self._err, self._progress):
            if fh is None:
                continue
            if fh is sys.stdout.buffer:
                fh.flush()
            else:
                fh.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ----------------------------------------------------------------------------------------------
# the run
# ----------------------------------------------------------------------------------------------

def run_batch(items: Iterable, extractor, store: OutputStore, *, n_process: int = 1,
              batch_size: int = DEFAULT_BATCH_SIZE, counts: Optional[Counts] = None,
              progress: Optional["ProgressLine"] = None, on_result=None) -> Counts:
    """Process every item, writing each trial as it completes. A KeyboardInterrupt propagates
    with the files consistent up to the last completed trial."""
    counts = counts if counts is not None else Counts()
    for result in process_items(items, extractor, n_process=n_process, batch_size=batch_size,
                                done=store.done, counts=counts):
        store.write(result)
        counts.add(result)
        if on_result is not None:
            on_result(result)
        if progress is not None:
            progress.update(counts)
    return counts


# ----------------------------------------------------------------------------------------------
# progress line and summary
# ----------------------------------------------------------------------------------------------

def _clock(seconds: float) -> str:
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def format_progress(counts: Counts, elapsed: float) -> str:
    """``1,234 trials 56.7/s | 23,456 criteria 1,100/s | 2 failed | 0:21``."""
    rate = (lambda n: n / elapsed) if elapsed > 0 else (lambda n: 0.0)
    done = counts.written + counts.failed
    parts = [f"{done:,} trials {rate(done):,.1f}/s", f"{counts.criteria:,} criteria {rate(counts.criteria):,.0f}/s",
             f"{counts.constraints:,} constraints"]
    if counts.failed:
        parts.append(f"{counts.failed:,} failed")
    if counts.done_before:
        parts.append(f"{counts.done_before:,} done before")
    parts.append(_clock(elapsed))
    return " | ".join(parts)


def format_summary(counts: Counts, seconds: float, interrupted: bool = False) -> str:
    """The closing lines: what came in, what went out, and that the counts add up (when a run is
    interrupted, the trials read but not finished are named as such)."""
    extra = f" + {counts.done_before:,} done before" if counts.done_before else ""
    unfinished = counts.trials_in - counts.written - counts.failed - counts.done_before
    if interrupted and unfinished > 0:
        extra += f" + {unfinished:,} not finished (interrupted)"
        unfinished = 0
    check = "" if unfinished == 0 else "  (COUNTS DO NOT ADD UP)"
    done = counts.written + counts.failed
    rates = f" ({done / seconds:,.1f} trials/s, {counts.criteria / seconds:,.0f} criteria/s)" if seconds > 0 else ""
    return (f"trials in {counts.trials_in:,} = written {counts.written:,} + failed {counts.failed:,}{extra}{check}\n"
            f"{counts.criteria:,} criteria, {counts.constraints:,} constraints, {counts.errors:,} error(s), "
            f"{counts.warnings:,} warning(s) in {seconds:,.1f} s{rates}")


class ProgressLine:
    """A one-line progress display on a terminal (redrawn at most every ``interval`` s); silent
    when the stream is not a terminal or when disabled."""

    def __init__(self, stream=None, enabled: Optional[bool] = None, interval: float = 0.5):
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            enabled = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.enabled = enabled
        self.interval = interval
        self.started = time.monotonic()
        self._last = 0.0
        self._width = 0

    def update(self, counts: Counts, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        text = format_progress(counts, now - self.started)
        self.stream.write("\r" + text.ljust(self._width))
        self.stream.flush()
        self._width = len(text)

    def message(self, text: str) -> None:
        """Print a line above the progress line."""
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self._width = 0
            self._last = 0.0
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self, counts: Optional[Counts] = None) -> None:
        if not self.enabled:
            return
        if counts is not None:
            self.update(counts, force=True)
        if self._width:
            self.stream.write("\n")
            self.stream.flush()
            self._width = 0


# ----------------------------------------------------------------------------------------------
# the constraint table
# ----------------------------------------------------------------------------------------------

def constraint_rows(record: dict) -> Iterator[dict]:
    """One row per constraint of an output record (columns :data:`TABLE_COLUMNS`)."""
    for c in record.get("constraints") or ():
        lower, upper = c.get("lower") or None, c.get("upper") or None
        value = c.get("value")
        yield {
            "trial_id": record.get("trial_id"),
            "criterion_id": record.get("criterion_id"),
            "section": record.get("section"),
            "subject": c.get("subject"),
            "category": c.get("category"),
            "lower": lower["value"] if lower else None,
            "lower_inclusive": lower["inclusive"] if lower else None,
            "upper": upper["value"] if upper else None,
            "upper_inclusive": upper["inclusive"] if upper else None,
            "unit": c.get("unit"),
            "negated": bool(c.get("negated")),
            "condition": c.get("condition"),
            "origin": c.get("origin") or record.get("origin") or "text",
            "value": None if value is None else (str(value).lower() if isinstance(value, bool) else str(value)),
        }


class CsvTable:
    def __init__(self, path: Path):
        self._fh = path.open("w", encoding="utf-8", newline="")
        self._writer = csv.DictWriter(self._fh, fieldnames=TABLE_COLUMNS)
        self._writer.writeheader()
        self.rows = 0

    def add(self, record: dict) -> None:
        for row in constraint_rows(record):
            self._writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
            self.rows += 1

    def close(self) -> None:
        self._fh.close()


class ParquetTable:
    """Parquet via pyarrow, written in row groups of ``group_size`` rows (bounded memory)."""

    def __init__(self, path: Path, group_size: int = 50_000):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._pa = pa
        types = {"lower": pa.float64(), "upper": pa.float64(), "lower_inclusive": pa.bool_(),
                 "upper_inclusive": pa.bool_(), "negated": pa.bool_()}
        self.schema = pa.schema([(name, types.get(name, pa.string())) for name in TABLE_COLUMNS])
        self._writer = pq.ParquetWriter(str(path), self.schema)
        self._buffer: Dict[str, list] = {name: [] for name in TABLE_COLUMNS}
        self._group_size = group_size
        self.rows = 0

    def add(self, record: dict) -> None:
        for row in constraint_rows(record):
            for name in TABLE_COLUMNS:
                value = row[name]
                if name in ("lower", "upper") and value is not None:
                    value = float(value)
                self._buffer[name].append(value)
            self.rows += 1
            if len(self._buffer["trial_id"]) >= self._group_size:
                self._flush()

    def _flush(self) -> None:
        if self._buffer["trial_id"]:
            self._writer.write_table(self._pa.Table.from_pydict(self._buffer, schema=self.schema))
            self._buffer = {name: [] for name in TABLE_COLUMNS}

    def close(self) -> None:
        self._flush()
        self._writer.close()


def table_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise ValueError(f"{path}: the table must be .csv or .parquet")


def open_table(path: Path):
    """A table writer for ``path`` (``.csv`` or ``.parquet``): ``add(record)``, ``close()``."""
    fmt = table_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        return CsvTable(path)
    try:
        import pyarrow  # noqa: F401
    except ImportError as exc:  # pragma: no cover - pyarrow is a dependency
        raise RuntimeError("writing Parquet needs pyarrow (pip install pyarrow)") from exc
    return ParquetTable(path)


def iter_records(path: Path) -> Iterator[dict]:
    """The records of an output JSONL file, streamed."""
    with path.open("r", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def write_table(records: Iterable[dict], path: Path) -> int:
    """Write the constraint table of ``records`` to ``path`` (written beside it, then renamed into
    place, so a crash never leaves half a table); return the number of rows."""
    path = Path(path)
    table_format(path)
    part = path.with_name(f"{path.stem}.part{path.suffix}")
    writer = open_table(part)
    try:
        for record in records:
            writer.add(record)
    except BaseException:
        writer.close()
        part.unlink()
        raise
    writer.close()
    os.replace(part, path)
    return writer.rows
