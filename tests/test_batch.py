"""Batch extraction: counts, failures isolated per trial, resume after a crash, n_process=2,
streaming, constraint tables, progress and the CLI."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest
import spacy
from spacy.language import Language

from pipeline.extraction.progress import ProgressLine, format_progress, format_summary
from pipeline.extraction.run import Counts, msgpack_hooks_cached, pipeline_results, process_items, run_batch
from pipeline.extraction import store
from pipeline.extraction.store import (OutputStore, ResumeError, errors_path_for, iter_records, load_resume,
                                      progress_path_for)
from pipeline.extraction.tables import TABLE_COLUMNS, write_table
from pipeline.extraction.records import Extractor
from pipeline.core.problems import Problem
from pipeline.ingest.readers import InputDoc, read_inputs

CRITERIA = ("Inclusion Criteria:\n\n* Age 18 to 65 years\n* Hemoglobin >= 9 g/dL\n\n"
            "Exclusion Criteria:\n\n* Pregnancy\n* ALT > 3 x ULN\n")


def study(nct: str, text=CRITERIA, **elig) -> dict:
    module = {"eligibilityCriteria": text, **elig} if text is not None else dict(elig)
    return {"protocolSection": {"identificationModule": {"nctId": nct}, "eligibilityModule": module}}


def make_inputs(root: Path) -> Path:
    """A folder of mixed inputs with good and bad records."""
    root.mkdir(parents=True, exist_ok=True)
    page = {"studies": [study("NCT00000001", minimumAge="18 Years", maximumAge="65 Years", sex="ALL",
                              healthyVolunteers=False),
                        study("NCT00000002", text=None),
                        study("NCT00000003", text="Inclusion Criteria:\n- Platelets >= 100,000/mm3\n")],
            "nextPageToken": "x"}
    (root / "a_page.json").write_text(json.dumps(page), encoding="utf-8")
    lines = [json.dumps({"id": f"J{i}", "text": t}) for i, t in enumerate(
        ["Age >= 18 years", "eGFR >= 60 mL/min/1.73m2; no HIV", "ECOG 0-1"])]
    lines.insert(1, '{"id": "broken", "text": ')
    (root / "b_lines.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    huge = "Inclusion Criteria:\n- Hemoglobin >= 9 g/dL\n- " + "very long criterion " * 52_429 + "\n"
    (root / "NCT00000009.txt").write_text(huge, encoding="utf-8")
    (root / "NCT00000010.txt").write_bytes(b"Inclusion Criteria:\n- Age >= 18\x00 years\n")
    return root


def run(items, extractor, out: Path, resume: bool = False, **kwargs):
    counts = Counts()
    with OutputStore(out, errors_path_for(out), resume=resume) as output:
        run_batch(items, extractor, output, counts=counts, **kwargs)
    return counts


def lines(path: Path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def reference(extractor, tmp_path_factory):
    """A complete run over the mixed inputs: (inputs folder, output path, counts)."""
    root = make_inputs(tmp_path_factory.mktemp("inputs"))
    out = tmp_path_factory.mktemp("ref") / "out.jsonl"
    counts = run(read_inputs([root]), extractor, out)
    return root, out, counts


# ---------------------------------------------------------------------------------------------
# a run
# ---------------------------------------------------------------------------------------------

def test_counts_add_up_and_every_problem_has_file_and_line(reference):
    root, out, counts = reference
    assert counts.trials_in == 9 and counts.adds_up()
    assert (counts.written, counts.failed, counts.done_before) == (7, 2, 0)
    records = lines(out)
    assert counts.criteria == sum(r["origin"] == "text" for r in records) == 10
    assert counts.constraints == sum(len(r["constraints"]) for r in records)
    errors = lines(errors_path_for(out))
    assert len(errors) == counts.errors + counts.warnings
    assert all(e["path"].startswith(str(root)) and e["line"] for e in errors)
    by_kind = {(Path(e["path"]).name, e["record"]): e for e in errors}
    assert "without eligibilityCriteria" in by_kind[("a_page.json", "NCT00000002")]["message"]
    assert by_kind[("b_lines.jsonl", None)]["line"] == 2
    long = by_kind[("NCT00000009.txt", "NCT00000009-inc-02")]
    assert "exceeds the limit" in long["message"] and long["line"] == 3
    nul = by_kind[("NCT00000010.txt", "NCT00000010")]
    assert nul["kind"] == "warning" and "U+0000" in nul["message"] and nul["line"] == 2
    # the trial with a 1 MB criterion keeps its other criterion; the NUL trial is processed
    assert [r["criterion_id"] for r in records if r["trial_id"] == "NCT00000009"] == ["NCT00000009-inc-01"]
    [age] = [c for r in records if r["trial_id"] == "NCT00000010" for c in r["constraints"]]
    assert age["subject"] == "age" and age["lower"]["value"] == 18


def test_structured_fields_become_a_record_of_their_own(reference):
    _, out, _ = reference
    records = {r["criterion_id"]: r for r in lines(out)}
    rec = records["NCT00000001-structured"]
    assert rec["section"] is None and rec["origin"] == "structured"
    assert [(c["subject"], c["lower"], c["upper"], c["unit"], c.get("value"), c["origin"]) for c in rec["constraints"]] == [
        ("age", {"value": 18, "inclusive": True}, {"value": 65, "inclusive": True}, "a", None, "structured"),
        ("sex", None, None, None, "all", "structured"),
        ("healthy_volunteers", None, None, None, False, "structured")]
    text_constraints = [c for r in records.values() if r["origin"] == "text" for c in r["constraints"]]
    assert text_constraints and all(c["origin"] == "text" for c in text_constraints)


def test_output_is_in_input_order_trial_by_trial(reference):
    _, out, _ = reference
    order = []
    for r in lines(out):
        if not order or order[-1] != r["trial_id"]:
            order.append(r["trial_id"])
    assert order == ["NCT00000009", "NCT00000010", "NCT00000001", "NCT00000003", "J0", "J1", "J2"]


# ---------------------------------------------------------------------------------------------
# resume
# ---------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------
# failures, processes, streaming
# ---------------------------------------------------------------------------------------------

@Language.component("test_batch_boom")
def _boom(doc):
    if "BOOM" in doc.text:
        raise RuntimeError("exploded on purpose")
    return doc


@pytest.fixture(scope="module")
def boom_extractor():
    nlp = spacy.blank("en")
    nlp.add_pipe("test_batch_boom")
    return Extractor(nlp)


def docs_for(*texts):
    return [InputDoc(f"T{i}", t, "mem.jsonl", i + 1) for i, t in enumerate(texts)]


@pytest.mark.parametrize("n_process", [1, 2])
def test_a_failing_criterion_fails_its_trial_only(boom_extractor, tmp_path, n_process):
    items = docs_for("- ok one\n- ok two", "- fine\n- BOOM here", "- also fine") + [
        Problem("x.csv", 4, "row without an id")]
    out = tmp_path / "out.jsonl"
    counts = run(items, boom_extractor, out, n_process=n_process, batch_size=2)
    assert (counts.trials_in, counts.written, counts.failed) == (4, 2, 2) and counts.adds_up()
    assert [r["trial_id"] for r in lines(out)] == ["T0", "T0", "T2"]
    errors = lines(errors_path_for(out))
    [failed] = [e for e in errors if e["record"] == "T1"]
    assert failed["message"] == ("trial failed: criterion T1-txt-02: test_batch_boom: RuntimeError: "
                                 "exploded on purpose")
    assert (failed["path"], failed["line"]) == ("mem.jsonl", 2)


@pytest.mark.parametrize("n_process", [1, 2])
def test_a_text_the_tokenizer_refuses_fails_its_trial_only(extractor, tmp_path, n_process):
    """The tokenizer is outside spaCy's error handler: a text it raises on (a lone surrogate) must
    still fail only its own trial, whatever else is in its batch."""
    items = docs_for("- Age >= 18 years\n- Hb >= 9 g/dL", "- ALT < 3 x ULN\n- Hb \ud800 >= 9", "- ECOG 0-1")
    out = tmp_path / "out.jsonl"
    counts = run(items, extractor, out, n_process=n_process, batch_size=8)
    assert (counts.trials_in, counts.written, counts.failed) == (3, 2, 1) and counts.adds_up()
    assert [r["trial_id"] for r in lines(out)] == ["T0", "T0", "T2"]
    [failed] = lines(errors_path_for(out))
    assert (failed["path"], failed["line"], failed["record"]) == ("mem.jsonl", 2, "T1")
    assert failed["message"].startswith("trial failed: criterion T1-txt-02: tokenizer: ValueError: the text "
                                        "holds a lone surrogate U+D800 at character 3 ")


@pytest.mark.parametrize("text", ["\ud800", "Inclusion Criteria \ud800:\n\nExclusion Criteria:"])
def test_a_lone_surrogate_no_criterion_carries_still_fails_its_trial(extractor, tmp_path, text):
    """Found by the fuzzing: a text with no criterion (or the surrogate in a heading) never reaches
    the tokenizer, and was written as a trial without criteria."""
    out = tmp_path / "out.jsonl"
    counts = run(docs_for(text, "- ECOG 0-1"), extractor, out)
    assert (counts.trials_in, counts.written, counts.failed) == (2, 1, 1) and counts.adds_up()
    [failed] = lines(errors_path_for(out))
    assert failed["record"] == "T0" and "lone surrogate U+D800" in failed["message"]


def test_duplicate_trial_ids_are_written_once(boom_extractor, tmp_path):
    out = tmp_path / "out.jsonl"
    items = [InputDoc("A", "- one", "f", 1), InputDoc("A", "- two", "f", 2)]
    counts = run(items, boom_extractor, out)
    assert (counts.written, counts.failed) == (1, 1)
    assert [r["text"] for r in lines(out)] == ["one"]


def test_two_processes_give_the_same_output(extractor, tmp_path):
    items = docs_for(CRITERIA, "- hemoglobin ≥60g/L, platelet count ≥30×109/L;\n- AST and ALT≤3.0 ULN",
                     "- no obvious abnormality in ECG; LVEF ≥55%\n- Age: ≥5 years and <17 years old",
                     "- mRSS score in the range of 10-35 (including the boundary value)")
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    run(items, extractor, one)
    started = time.monotonic()
    counts = run(items, extractor, two, n_process=2, batch_size=2)
    assert time.monotonic() - started < 60
    assert counts.written == 4 and one.read_bytes() == two.read_bytes()
    assert sum(len(r["constraints"]) for r in lines(two)) >= 8


@pytest.mark.parametrize("n_process", [1, 2])
def test_processing_streams_with_bounded_read_ahead(boom_extractor, n_process):
    pulled = {"n": 0}

    def items():
        for i in range(3000):
            pulled["n"] += 1
            yield InputDoc(f"T{i}", f"- criterion {i}\n- another", "gen", i + 1)

    lag = 0
    results = process_items(items(), boom_extractor, batch_size=64, n_process=n_process)
    for k, result in enumerate(results, start=1):
        assert result.trial_id == f"T{k - 1}"
        lag = max(lag, pulled["n"] - k)
    # trials read but not yet written: at most the chunks in flight (2 per worker) + one
    assert pulled["n"] == 3000 and lag <= 32 * (2 * n_process + 1)


def test_spacy_multiprocessing_keeps_plain_results_and_contexts(nlp):
    """doc._.eligex is plain data, so Docs survive nlp.pipe(n_process=2, as_tuples=True)."""
    texts = ["hemoglobin ≥60g/L, platelet count ≥30×109/L;", "AST and ALT≤3.0 ULN", "no obvious abnormality in ECG",
             "Age: ≥5 years and <17 years old", "mRSS score in the range of 10-35 (including the boundary value)"] * 2
    one = [(doc._.eligex, ctx) for doc, ctx in nlp.pipe(((t, i) for i, t in enumerate(texts)), as_tuples=True)]
    with msgpack_hooks_cached():
        two = [(doc._.eligex, ctx) for doc, ctx in nlp.pipe(((t, i) for i, t in enumerate(texts)), as_tuples=True,
                                                            n_process=2, batch_size=3)]
    assert two == one and [ctx for _, ctx in two] == list(range(len(texts)))
    pooled = list(pipeline_results(nlp, ((t, i) for i, t in enumerate(texts)), n_process=2, batch_size=3))
    assert [(e, ctx) for ctx, e, _ in pooled] == one


# ---------------------------------------------------------------------------------------------
# tables, progress, summary
# ---------------------------------------------------------------------------------------------

def test_constraint_table_csv_and_parquet(reference, tmp_path):
    import pyarrow.parquet as pq

    _, out, counts = reference
    csv_path, pq_path = tmp_path / "c.csv", tmp_path / "t" / "c.parquet"
    assert write_table(iter_records(out), csv_path) == counts.constraints
    assert write_table(iter_records(out), pq_path) == counts.constraints
    assert not list(tmp_path.glob("**/*.part*"))
    import csv

    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    assert tuple(rows[0]) == TABLE_COLUMNS
    table = pq.read_table(pq_path)
    assert table.column_names == list(TABLE_COLUMNS) and table.num_rows == len(rows)
    structured = [r for r in table.to_pylist() if r["origin"] == "structured"]
    assert [(r["subject"], r["lower"], r["upper"], r["unit"], r["value"]) for r in structured] == [
        ("age", 18.0, 65.0, "a", None), ("sex", None, None, None, "all"),
        ("healthy_volunteers", None, None, None, "false")]
    hb = next(r for r in rows if r["subject"] == "hemoglobin" and r["trial_id"] == "NCT00000001")
    assert (hb["lower"], hb["lower_inclusive"], hb["upper"], hb["unit"], hb["section"], hb["origin"]) == (
        "9", "True", "", "g/dL", "inclusion", "text")
    with pytest.raises(ValueError):
        write_table([], tmp_path / "c.xlsx")


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


# ---------------------------------------------------------------------------------------------
# the command
# ---------------------------------------------------------------------------------------------

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
