"""Running the pipeline over reader items: criteria in chunks, in this process or in workers.

- :func:`process_items` — reader items (documents and problems) in, one :class:`TrialResult` per
  item out, in input order. The criteria of all trials stream through :func:`pipeline_results`
  in chunks of ``(text, context)`` (the context says which trial and criterion a text is), each
  chunk through ``nlp.pipe(as_tuples=True)`` — in this process, or with ``n_process > 1`` in
  worker processes started once, which send back ``doc._.eligex`` (plain data). Memory is bounded
  by the chunks in flight, not by the input. A criterion the pipeline fails on is retried alone to
  learn why, and its trial fails as a whole (no half-extracted trials are written).
- :func:`ordered_map` — chunks through a function, in this process or in forked workers started
  once, results in input order with a bounded window in flight (used by :func:`pipeline_results`
  and by the worker protocol of a run, :mod:`pipeline.extraction.workers`).
- :class:`Counts` — ``trials in = written + failed + done before``, criteria, constraints, problems.
- :func:`run_batch` — every result written to an :class:`~pipeline.extraction.store.OutputStore`
  and counted, with Ctrl-C and SIGTERM held back meanwhile (a trial is written and counted, or
  neither); :func:`sigterm_as_interrupt` makes SIGTERM stop a run as Ctrl-C does.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing as mp
import signal
import threading
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, Iterable, Iterator, List, Optional, Set, Tuple

from pipeline.core.problems import Problem
from pipeline.core.reflow import pipeline_text
from pipeline.extraction.structured import structured_record
from pipeline.ingest.readers import InputDoc

if TYPE_CHECKING:
    from pipeline.extraction.progress import ProgressLine
    from pipeline.extraction.store import OutputStore

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 256
#: why a trial whose id came earlier in the same run fails
DUPLICATE_TRIAL = "duplicate trial id: this trial was already written by this run"


@dataclass
class TrialResult:
    """What one input item (a trial, or a record that could not be read) came to."""

    key: str
    trial_id: Optional[str]
    records: List[dict] = field(default_factory=list)
    problems: List[Problem] = field(default_factory=list)
    failed: bool = False
    #: set by :func:`pipeline.extraction.workers.encode_result` (in the worker that made the
    #: result): the records and the problems as the JSON lines the store writes, and what
    #: :class:`Counts` counts of the records. The store and the counts read only these.
    out: Optional[bytes] = None
    err: Optional[bytes] = None
    n_records: int = 0
    n_criteria: int = 0
    n_constraints: int = 0


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
        """Count an encoded result (:func:`~pipeline.extraction.workers.encode_result`)."""
        if result.out is None:
            raise ValueError(f"result of {result.key} is not encoded (encode_result makes its lines and counts)")
        if result.failed:
            self.failed += 1
        else:
            self.written += 1
        self.criteria += result.n_criteria
        self.constraints += result.n_constraints
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
    of a chunk, in order. The chunk goes through ``nlp.pipe(as_tuples=True)``; a text a component
    fails on is left out by the error handler and run alone to learn which component failed. The
    error handler does not cover the tokenizer: when it raises, the texts not yet done are run one
    by one."""
    old_handler = nlp.default_error_handler
    nlp.set_error_handler(_skip_failed_doc)
    done: Dict[object, dict] = {}
    try:
        for doc, ctx in nlp.pipe(chunk, as_tuples=True, batch_size=max(len(chunk), 1)):
            done[ctx] = doc._.eligex or {}
    except Exception as exc:  # the tokenizer failed on a text: each of the others is run alone
        log.debug("tokenizer failed in a batch of %d text(s): %s", len(chunk), exc)
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


class Terminated(KeyboardInterrupt):
    """SIGTERM (what schedulers send), raised in the main process as Ctrl-C raises KeyboardInterrupt
    (see :func:`sigterm_as_interrupt`)."""


@contextmanager
def sigterm_as_interrupt():
    """Within this context SIGTERM raises :class:`Terminated` in the main thread, so that a run ends
    as on Ctrl-C: files consistent up to the last completed trial, a summary, resumable. A second
    SIGTERM acts as it did before (by default it ends the process at once; resume still works)."""
    previous = signal.getsignal(signal.SIGTERM)

    def handler(signum, frame):
        signal.signal(signal.SIGTERM, previous)
        raise Terminated()

    try:
        signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: signals cannot be handled here
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


#: the signals that stop a run (Ctrl-C, SIGTERM)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def signals_held():
    """Hold Ctrl-C and SIGTERM back until the end of the block (they are delivered then). The
    signals are blocked in this thread and, because a process-directed signal may reach another
    thread (the worker pool's), whose Python handler would still run here mid-block, their
    handlers are swapped for one that only notes them; a noted signal is raised again, once, when
    the block ends, with the handlers it had before."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield  # pragma: no cover - not on POSIX, or signals cannot be handled in this thread
        return
    pending: List[int] = []
    handlers = {s: signal.getsignal(s) for s in STOP_SIGNALS}
    for s in STOP_SIGNALS:
        signal.signal(s, lambda signum, frame: pending.append(signum))
    old = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        for s, h in handlers.items():
            signal.signal(s, h)
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
        for s in dict.fromkeys(pending):
            signal.raise_signal(s)


_WORKER_STATE = None


def _start_worker(state) -> None:
    global _WORKER_STATE
    _WORKER_STATE = state
    for sig in STOP_SIGNALS:  # Ctrl-C and SIGTERM are the main process's to handle
        signal.signal(sig, signal.SIG_IGN)


def _work(fn, chunk):
    return fn(_WORKER_STATE, chunk)


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while True:
        chunk = list(itertools.islice(it, size))
        if not chunk:
            return
        yield chunk


def ordered_map(fn, state, chunks: Iterable[list], n_process: int = 1) -> Iterator:
    """The items of ``fn(state, chunk)`` (a list) for each chunk, streamed in input order.

    ``n_process <= 1``: in this process. Otherwise in that many worker processes, forked (so they
    share ``state``, e.g. the loaded pipeline, without pickling it) and started once, at most two
    chunks per worker in flight; ``fn`` must be a module-level function and its results picklable.
    Workers ignore Ctrl-C and SIGTERM (the main process handles them and shuts the pool down)."""
    if n_process <= 1:
        for chunk in chunks:
            yield from fn(state, chunk)
        return
    methods = mp.get_all_start_methods()
    context = mp.get_context("fork" if "fork" in methods else None)
    pool = ProcessPoolExecutor(n_process, mp_context=context, initializer=_start_worker, initargs=(state,))
    window: deque = deque()
    try:
        for chunk in chunks:
            window.append(pool.submit(_work, fn, chunk))
            while len(window) >= 2 * n_process:
                yield from window.popleft().result()
        while window:
            yield from window.popleft().result()
    finally:
        for future in window:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def pipeline_results(nlp, items: Iterable[Tuple[str, object]], n_process: int = 1,
                     batch_size: int = DEFAULT_BATCH_SIZE) -> Iterator[Tuple[object, Optional[dict], Optional[str]]]:
    """:func:`process_chunk` results for ``(text, context)`` items, streamed in input order.

    ``n_process > 1``: chunks of ``batch_size`` texts go to that many worker processes
    (:func:`ordered_map`) and come back as plain data (``doc._.eligex``). This scales far better
    than ``nlp.pipe(n_process=N)``, whose main process rebuilds every Doc a worker sends
    (``Doc.from_bytes``) on the same cores the workers need.
    """
    return ordered_map(process_chunk, nlp, _chunks(items, batch_size), n_process)


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
        for key, item, duplicate in new_items(items, done, counts, seen):
            entry = _Pending(seq, key, item)
            seq += 1
            if isinstance(item, InputDoc):
                if duplicate:
                    entry.failure = DUPLICATE_TRIAL
                else:
                    try:
                        entry.criteria, entry.problems = extractor.criteria(item)
                    except Exception as exc:
                        entry.failure = f"splitting into criteria failed: {type(exc).__name__}: {exc}"
                    entry.records = [None] * len(entry.criteria)
            pending.append(entry)
            if entry.criteria and entry.failure is None:
                for i, crit in enumerate(entry.criteria):
                    yield pipeline_text(crit.text, crit.lead), (entry.seq, i)
            else:  # a placeholder keeps the output in input order without holding items back
                entry.criteria = []
                yield "", (entry.seq, -1)

    for (seq, index), eligex, reason in pipeline_results(nlp, feed(), n_process, batch_size):
        while pending and pending[0].seq < seq:
            yield _finish(pending.popleft(), extractor)
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
            yield _finish(pending.popleft(), extractor)
    while pending:
        yield _finish(pending.popleft(), extractor)


def new_items(items: Iterable, done: Set[str], counts: Counts, seen: Set[str]) -> Iterator[Tuple[str, object, bool]]:
    """``(key, item, duplicate)`` for each reader item not in ``done``, counting ``trials_in`` and
    ``done_before``; ``duplicate``: a trial whose key is in ``seen`` (the keys yielded so far)."""
    for item in items:
        counts.trials_in += 1
        key = item_key(item)
        if key in done:
            counts.done_before += 1
            continue
        duplicate = isinstance(item, InputDoc) and key in seen
        seen.add(key)
        yield key, item, duplicate


def _finish(entry: _Pending, extractor=None) -> TrialResult:
    """The result of a trial whose criteria are all done; ``extractor`` completes the records and
    is needed only when the trial has not already failed."""
    item = entry.item
    if isinstance(item, Problem):
        return TrialResult(entry.key, item.record, problems=[item], failed=True)
    problems = list(item.warnings) + list(entry.problems)
    failure = entry.failure
    records: List[dict] = []
    if failure is None:
        try:
            records = extractor.trial_records([r for r in entry.records if r is not None])
        except Exception as exc:
            failure = f"completing the trial's records failed: {type(exc).__name__}: {exc}"
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


def duplicate_result(item: InputDoc) -> TrialResult:
    """The result of a trial whose id an earlier trial of the run had: failed (the item's reader
    warnings, then the duplicate error)."""
    return _finish(_Pending(0, item.trial_id, item, failure=DUPLICATE_TRIAL))


def run_batch(items: Iterable, extractor, store: OutputStore, *, n_process: int = 1,
              batch_size: int = DEFAULT_BATCH_SIZE, counts: Optional[Counts] = None,
              progress: Optional[ProgressLine] = None, on_result=None, keep_records: bool = True) -> Counts:
    """Process every item (in workers, :mod:`pipeline.extraction.workers`), writing each trial as
    it completes. A KeyboardInterrupt propagates with the files consistent up to the last
    completed trial. ``keep_records=False``: the results handed to ``on_result`` carry their
    records as JSON lines only (``result.out``), not as dicts."""
    from pipeline.extraction.workers import trial_results

    counts = counts if counts is not None else Counts()
    for result in trial_results(items, extractor, n_process=n_process, batch_size=batch_size,
                                done=store.done, counts=counts, keep_records=keep_records):
        with signals_held():  # a trial is written and counted, or neither: the summary matches the files
            store.write(result)
            counts.add(result)
        if on_result is not None:
            on_result(result)
        if progress is not None:
            progress.update(counts)
    return counts
