"""The terminal side of a run: the one-line progress display and the closing summary."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from pipeline.extraction.run import Counts


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
