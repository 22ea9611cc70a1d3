"""The benchmark script still runs (a smoke run on a few thousand words; no timing is asserted)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


@pytest.mark.slow
def test_bench_smoke_run_reports_every_variant_asked_for(tmp_path):
    out = tmp_path / "perf.md"
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench.py"), "--words", "3000", "--text", "lct",
                          "--variants", "tokenizer,eligex-tokenizer,eligex-plumbing,eligex-1", "--out", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    text = out.read_text(encoding="utf-8")
    for label in ('spaCy tokenizer alone', 'eligex tokenizer alone', 'six components that do nothing',
                  'eligex full pipeline, n_process=1', 'The plumbing alone (our tokenizer',
                  "Where eligex's time goes", "About the 0.4× tokenizer target", "## Machine"):
        assert label in text
    assert "eligex_constraints" in text  # the per-component breakdown lists every component


@pytest.mark.slow
def test_bench_on_registry_text_has_whole_process_rows(tmp_path):
    """The default text (ctgov-2021, here its first 400 trials from the fixture): distinct criteria,
    and `eligex extract` timed as a whole process."""
    out = tmp_path / "perf.md"
    corpus = ROOT / "tests" / "fixtures" / "ctgov-2021-400.jsonl.gz"
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench.py"), "--words", "3000",
                          "--corpus", str(corpus), "--variants", "tokenizer,eligex-1,extract-1", "--out", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    text = out.read_text(encoding="utf-8")
    assert "the ctgov-2021 trials" in text and "never repeated" in text
    assert "`eligex extract -n 1`, whole process" in text
    assert "whole processes over the corpus's first" in text  # --words takes a prefix of whole trials for them too
    assert "## Machine" in text and "eligex commit" in text


def test_bench_names_a_missing_corpus(tmp_path):
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench.py"), "--corpus", str(tmp_path / "no.jsonl.gz"),
                          "--no-write"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "no.jsonl.gz: no such file" in run.stderr
