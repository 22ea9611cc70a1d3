"""``eligex extract``: exit status, summary and table lines, --resume, -n 2, and SIGTERM ending a run
like Ctrl-C with --resume completing it."""

from __future__ import annotations

import json
import time

import pytest

from batch_records import CRITERIA, run
from pipeline.extraction.store import progress_path_for
from pipeline.ingest.readers import read_inputs


def test_cli_extract(reference, nlp, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import pipeline.components.nlp
    from pipeline.cli.main import app

    monkeypatch.setattr(pipeline.components.nlp, "load", lambda model=None: nlp)
    root, ref_out, ref_counts = reference
    out = tmp_path / "out.jsonl"
    runner = CliRunner()
    result = runner.invoke(app, ["extract", str(root), "-o", str(out), "--table-out", str(tmp_path / "c.parquet"),
                                 "--batch-size", "8"])
    assert result.exit_code == 1, result.output  # failed trials → status 1
    assert out.read_bytes() == ref_out.read_bytes()
    assert "trials in 9 = written 7 + failed 2" in result.stderr
    assert f"table {tmp_path / 'c.parquet'} ({ref_counts.constraints} rows)" in result.stderr
    assert "\r" not in result.stderr  # no progress line when stderr is not a terminal
    again = runner.invoke(app, ["extract", str(root), "-o", str(out), "--resume", "-q"])
    assert again.exit_code == 0 and again.stderr == "" and out.read_bytes() == ref_out.read_bytes()
    two = tmp_path / "two.jsonl"
    result = runner.invoke(app, ["extract", str(root), "-o", str(two), "--n-process", "2", "--batch-size", "3", "-q"])
    assert result.exit_code == 1 and two.read_bytes() == ref_out.read_bytes()
    bad = runner.invoke(app, ["extract", str(root), "-o", "-", "--resume"])
    assert bad.exit_code == 2


@pytest.mark.parametrize("n_process", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_sigterm_ends_a_run_like_ctrl_c_and_resume_completes_it(extractor, tmp_path, n_process):
    """Schedulers stop jobs with SIGTERM: the run stops at a trial boundary with the summary line and
    status 143, and ``--resume`` then gives exactly the output of an uninterrupted run."""
    import signal
    import subprocess
    import sys

    model = tmp_path / "model"
    extractor.nlp.to_disk(model)  # the subprocess runs the very pipeline of the reference run
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": f"T{i:05d}", "text": CRITERIA.replace("9 g/dL", f"{i % 50} g/dL")})
                              + "\n" for i in range(1200)), encoding="utf-8")
    reference = tmp_path / "ref.jsonl"
    run(read_inputs([source]), extractor, reference)
    out = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "pipeline.cli.main", "extract", str(source), "-o", str(out), "-m", str(model),
               "-n", str(n_process)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    progress = progress_path_for(out)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if progress.exists() and progress.read_bytes().count(b"\n") >= 20:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be terminated: give it more input"
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 143, stderr
    summary = next(line for line in stderr.splitlines() if line.startswith("trials in "))
    numbers = [int(n.replace(",", "")) for n in summary.split() if n.replace(",", "").isdigit()]
    trials_in, written, failed = numbers[:3]
    unfinished = numbers[3] if summary.endswith("not finished (interrupted)") else 0  # 0: read up to a boundary
    assert len(numbers) == (4 if unfinished else 3) and trials_in == written + failed + unfinished
    assert 20 <= written < 1200 and failed == 0
    assert "terminated: run the same command with --resume to continue" in stderr
    again = subprocess.run(command + ["--resume"], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"written {1200 - written:,} + failed 0 + {written:,} done before" in again.stderr
    assert out.read_bytes() == reference.read_bytes()
