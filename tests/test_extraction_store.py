"""The output store (pipeline/extraction/store.py): resume after a crash loses nothing and writes
nothing twice; an output shorter than its progress file is refused; without --resume it is replaced."""

from __future__ import annotations

import json

import pytest

from batch_records import lines, run
from pipeline.extraction import store
from pipeline.extraction.store import ResumeError, errors_path_for, load_resume, progress_path_for
from pipeline.ingest.readers import read_inputs


def crash_copy(reference, tmp_path, completed: int, tail_records: int, half_line: bool, keep_progress=True):
    """The files a run that crashed after ``completed`` trials would leave: the progress file up to
    there, the output with ``tail_records`` records of the next trial and half a line."""
    _, ref_out, _ = reference
    out = tmp_path / "out.jsonl"
    progress = [json.loads(x) for x in progress_path_for(ref_out).read_text().splitlines()]
    mark = progress[completed - 1]
    data = ref_out.read_bytes()
    body, rest = data[: mark["out"]], data[mark["out"]:].splitlines(keepends=True)
    body += b"".join(rest[:tail_records])
    if half_line and len(rest) > tail_records:
        body += rest[tail_records][: len(rest[tail_records]) // 2]
    out.write_bytes(body)
    errors = errors_path_for(ref_out).read_bytes()
    errors_path_for(out).write_bytes(errors[: mark["err"]] + b'{"path": "half')
    if keep_progress:
        text = "".join(json.dumps(p) + "\n" for p in progress[:completed]) + '{"key": "NCT'
        progress_path_for(out).write_text(text)
    return out


@pytest.mark.parametrize("completed,tail,half", [(1, 1, True), (3, 0, True), (4, 2, False), (9, 0, False)])
def test_resume_after_a_crash_loses_nothing_and_writes_nothing_twice(reference, extractor, tmp_path,
                                                                      completed, tail, half):
    root, ref_out, ref_counts = reference
    out = crash_copy(reference, tmp_path, completed, tail, half)
    state = load_resume(out, errors_path_for(out), progress_path_for(out))
    assert len(state.done) == completed
    counts = run(read_inputs([root]), extractor, out, resume=True)
    assert out.read_bytes() == ref_out.read_bytes()
    assert errors_path_for(out).read_bytes() == errors_path_for(ref_out).read_bytes()
    assert counts.adds_up() and counts.done_before == completed and counts.trials_in == ref_counts.trials_in
    ids = [r["criterion_id"] for r in lines(out)]
    assert len(ids) == len(set(ids))


def test_resume_without_a_progress_file_redoes_the_last_trial(reference, extractor, tmp_path):
    root, ref_out, _ = reference
    out = crash_copy(reference, tmp_path, 4, 1, True, keep_progress=False)
    state = load_resume(out, errors_path_for(out), progress_path_for(out))
    assert any("half-written" in n for n in state.notes) and any("redone" in n for n in state.notes)
    run(read_inputs([root]), extractor, out, resume=True)
    assert out.read_bytes() == ref_out.read_bytes()
    # and the rebuilt progress file makes a further resume exact
    counts = run(read_inputs([root]), extractor, out, resume=True)
    assert out.read_bytes() == ref_out.read_bytes() and counts.written == 0


def test_interrupted_between_records_and_progress_line(reference, extractor, tmp_path, monkeypatch):
    root, ref_out, _ = reference
    out = tmp_path / "out.jsonl"
    real_progress_line = store._progress_line
    calls = {"n": 0}

    def crash_on_third(*args):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real_progress_line(*args)

    monkeypatch.setattr(store, "_progress_line", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        run(read_inputs([root]), extractor, out)
    monkeypatch.setattr(store, "_progress_line", real_progress_line)
    assert out.read_bytes() != ref_out.read_bytes()
    run(read_inputs([root]), extractor, out, resume=True)
    assert out.read_bytes() == ref_out.read_bytes()


def test_resume_refuses_an_output_shorter_than_its_progress_file(reference, tmp_path):
    out = crash_copy(reference, tmp_path, 3, 0, False)
    out.write_bytes(out.read_bytes()[:10])
    with pytest.raises(ResumeError):
        load_resume(out, errors_path_for(out), progress_path_for(out))


def test_without_resume_an_existing_output_is_replaced(reference, extractor, tmp_path):
    root, ref_out, _ = reference
    out = crash_copy(reference, tmp_path, 3, 1, True)
    run(read_inputs([root]), extractor, out)
    assert out.read_bytes() == ref_out.read_bytes()
