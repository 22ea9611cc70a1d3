"""Shared fixtures: one pipeline built from configs/ per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def nlp():
    from pipeline.components.nlp import build

    return build(ROOT / "configs")


@pytest.fixture(scope="session")
def extractor(nlp):
    from pipeline.extraction.records import Extractor

    return Extractor(nlp)


@pytest.fixture(scope="session")
def reference(extractor, tmp_path_factory):
    """A batch run over the mixed inputs of tests/batch_records.py: (inputs folder, output path,
    counts); read, never written, by the batch tests."""
    from batch_records import make_inputs, run
    from pipeline.ingest.readers import read_inputs

    root = make_inputs(tmp_path_factory.mktemp("inputs"))
    out = tmp_path_factory.mktemp("ref") / "out.jsonl"
    counts = run(read_inputs([root]), extractor, out)
    return root, out, counts


@pytest.fixture(scope="session")
def run(extractor):
    """Process one criterion text → its output record."""

    def _run(text: str) -> dict:
        return extractor.process_texts([text])[0]

    return _run


@pytest.fixture
def gold():
    """The doccano gold fixture's records (tests/fixtures/doccano_gold.jsonl)."""
    from pipeline.core.jsonl import read_jsonl

    records, _, problems = read_jsonl(ROOT / "tests" / "fixtures" / "doccano_gold.jsonl")
    assert not problems
    return records
