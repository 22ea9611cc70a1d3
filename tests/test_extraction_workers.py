"""The worker protocol (pipeline/extraction/workers.py): whole trials in, the store's lines out,
the same as the in-process path writes them."""

from __future__ import annotations

import json

import pytest
from test_extraction_run import boom_extractor  # noqa: F401  (a fixture: a pipeline that fails on BOOM)

from pipeline.core.extensions import register
from pipeline.core.problems import Problem
from pipeline.extraction.run import Counts, process_items
from pipeline.extraction.store import problem_lines, record_lines
from pipeline.extraction.workers import Duplicate, textless, trial_results, work_items
from pipeline.ingest.readers import InputDoc

register()  # Doc._.eligex, which the boom pipeline leaves unset


def items():
    return [InputDoc("T0", "- ok one\n- ok two", "mem.jsonl", 1), InputDoc("T1", "- fine\n- BOOM here", "mem.jsonl", 2),
            Problem("mem.jsonl", 3, "malformed JSON"), InputDoc("T2", "", "mem.jsonl", 4),
            InputDoc("T3", "- also fine", "mem.jsonl", 5)]


def test_a_chunk_gives_the_lines_the_in_process_path_writes(boom_extractor):
    expected = [(r.key, record_lines(r.records), problem_lines(r.problems), r.failed)
                for r in process_items(items(), boom_extractor)]
    got = work_items((boom_extractor, 2, False), items())
    assert [(r.key, r.out, r.err, r.failed) for r in got] == expected
    assert all(r.records == [] for r in got)  # not kept: the lines are what is written
    assert [(r.n_records, r.n_criteria) for r in got] == [(2, 2), (0, 0), (0, 0), (0, 0), (1, 1)]


def test_a_failing_criterion_fails_its_trial_in_the_worker(boom_extractor):
    [_, failed, *_] = work_items((boom_extractor, 8, True), items())
    assert failed.failed and failed.out == b"" and failed.n_records == 0
    [error] = [json.loads(line) for line in failed.err.splitlines()]
    assert error["message"] == "trial failed: criterion T1-txt-02: test_batch_boom: RuntimeError: exploded on purpose"
    assert (error["record"], error["line"]) == ("T1", 2)


def test_a_duplicate_fails_unprocessed(boom_extractor):
    first, dup = work_items((boom_extractor, 8, True), [InputDoc("A", "- one", "f", 1),
                                                         Duplicate(textless(InputDoc("A", "- BOOM", "f", 2)))])
    assert not first.failed and [r["text"] for r in first.records] == ["one"]
    assert dup.failed and b"duplicate trial id" in dup.err


@pytest.mark.parametrize("n_process", [1, 2])
def test_trial_results_in_order_with_duplicates_across_chunks_and_resume(boom_extractor, n_process):
    docs = [InputDoc(f"T{i % 7}", f"- criterion {i}\n- another", "gen", i + 1) for i in range(20)]
    counts = Counts()
    # a batch size of 1 makes every trial a chunk of its own: duplicates are found across chunks
    results = list(trial_results(docs, boom_extractor, n_process=n_process, batch_size=1, done={"T3"}, counts=counts))
    assert [r.trial_id for r in results] == [d.trial_id for d in docs if d.trial_id != "T3"]
    assert [r.failed for r in results] == [d.line > 7 for d in docs if d.trial_id != "T3"]
    assert (counts.trials_in, counts.done_before) == (20, 3)


def test_the_store_and_the_counts_take_encoded_results_only(boom_extractor, tmp_path):
    from pipeline.extraction.store import OutputStore, errors_path_for
    from pipeline.extraction.workers import encode_result

    [raw, *_] = process_items(items(), boom_extractor)
    out = tmp_path / "out.jsonl"
    with OutputStore(out, errors_path_for(out)) as store:
        with pytest.raises(ValueError, match="T0 is not encoded"):
            store.write(raw)
        with pytest.raises(ValueError, match="T0 is not encoded"):
            Counts().add(raw)
        encoded = encode_result(raw)
        store.write(encoded)
    counts = Counts()
    counts.add(encoded)
    assert out.read_bytes() == record_lines(encoded.records) and (counts.written, counts.criteria) == (1, 2)
