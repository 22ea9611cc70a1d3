"""The benchmark script still runs (a smoke run on a few thousand words; no timing is asserted)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


@pytest.mark.slow
def test_bench_smoke_run_reports_every_variant_asked_for(tmp_path):
    out = tmp_path / "perf.md"
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench.py"), "--words", "3000",
                          "--variants", "tokenizer,eligex-tokenizer,eligex-plumbing,eligex-1", "--out", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    text = out.read_text(encoding="utf-8")
    for label in ('spaCy tokenizer alone', 'eligex tokenizer alone', 'six components that do nothing',
                  'eligex full pipeline, n_process=1', 'The plumbing alone (our tokenizer',
                  "Where eligex's time goes", "About the 0.4× tokenizer target", "## Machine"):
        assert label in text
    assert "eligex_constraints" in text  # the per-component breakdown lists every component
