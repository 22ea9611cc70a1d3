"""The batch engine (pipeline/extraction/run.py): counts that add up, problems with file and line,
the structured record, input order, failures isolated per trial, two processes, streaming."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import spacy
from spacy.language import Language

from batch_records import CRITERIA, lines, run
from pipeline.core.problems import Problem
from pipeline.extraction.records import Extractor
from pipeline.extraction.run import msgpack_hooks_cached, pipeline_results, process_items
from pipeline.extraction.store import errors_path_for
from pipeline.ingest.readers import InputDoc


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
