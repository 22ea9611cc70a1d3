"""The files of a run: output JSONL, errors JSONL and the progress file, and resuming them.

:class:`OutputStore` writes trial by trial and flushes; after each trial it appends one line to
the progress file ``OUT.progress`` (trial key, status, and the byte sizes of the output and errors
files at that moment). ``--resume`` (:func:`load_resume`) reads it back: the trials it lists are
done; the output and errors files are truncated to the sizes of the last completed trial, which
drops a half-written last line and the records of a trial that was not marked complete. Without a
progress file the output itself is read (its last trial is redone). :func:`iter_records` streams
the records of an output file back.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Iterator, List, Optional, Set, Tuple

if TYPE_CHECKING:
    from pipeline.extraction.run import TrialResult


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


def record_lines(records) -> bytes:
    """The output lines of records, as written."""
    return b"".join(_json_line(r) for r in records)


def problem_lines(problems) -> bytes:
    """The errors-file lines of problems, as written."""
    return b"".join(_json_line(p.to_dict()) for p in problems)


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
        """Write one trial's records and problems (the lines ``result.out``/``result.err`` of an
        encoded result, :func:`~pipeline.extraction.workers.encode_result`), flush, then mark it
        complete."""
        if result.out is None or result.err is None:
            raise ValueError(f"result of {result.key} is not encoded (encode_result makes its lines)")
        out, err, n_records = result.out, result.err, result.n_records
        if out:
            self._out.write(out)
            self._out.flush()
            self.out_size += len(out)
        if err:
            self._err.write(err)
            self._err.flush()
            self.err_size += len(err)
        if self._progress is not None:
            self._progress.write(_progress_line(result.key, result.trial_id,
                                                "failed" if result.failed else "written",
                                                n_records, self.out_size, self.err_size))
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


def iter_records(path: Path) -> Iterator[dict]:
    """The records of an output JSONL file, streamed."""
    with path.open("r", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)
