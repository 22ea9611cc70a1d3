"""The progress line and the summary (pipeline/extraction/progress.py)."""

from __future__ import annotations

import io

from pipeline.extraction.progress import ProgressLine, format_progress, format_summary
from pipeline.extraction.run import Counts


def test_progress_line_only_on_a_terminal():
    counts = Counts(trials_in=10, written=9, failed=1, criteria=50, constraints=20)
    assert format_progress(counts, 2.0) == ("10 trials 5.0/s | 50 criteria 25/s | 20 constraints | "
                                                  "1 failed | 0:02")

    class Tty(io.StringIO):
        def isatty(self):
            return True

    tty, pipe = Tty(), io.StringIO()
    for stream in (tty, pipe):
        line = ProgressLine(stream, interval=0)
        line.update(counts)
        line.message("error: x")
        line.close(counts)
    assert "\r10 trials" in tty.getvalue() and "error: x\n" in tty.getvalue()
    assert pipe.getvalue() == "error: x\n"
    assert not ProgressLine(Tty(), enabled=False).enabled


def test_summary_says_whether_counts_add_up():
    counts = Counts(trials_in=12, written=9, failed=1, done_before=2, criteria=40, constraints=7, errors=1)
    text = format_summary(counts, 4.0)
    assert text.splitlines()[0] == "trials in 12 = written 9 + failed 1 + 2 done before"
    assert "40 criteria, 7 constraints, 1 error(s), 0 warning(s) in 4.0 s" in text
    counts.trials_in = 13
    assert "COUNTS DO NOT ADD UP" in format_summary(counts, 4.0)
    assert format_summary(counts, 4.0, interrupted=True).splitlines()[0] == (
        "trials in 13 = written 9 + failed 1 + 2 done before + 1 not finished (interrupted)")
