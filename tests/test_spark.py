"""The Spark engine (pipeline/spark) gives what the local engine gives: same records, errors, counts, tables.

One loopback-only ``local[2]`` session serves the module (marker ``spark``; ``make spark`` installs
pyspark). The 400 trials are the first 400 of ``../shared/corpora/ctgov-2021/criteria.jsonl.gz``
(ClinicalTrials.gov criteria), copied to ``tests/fixtures/ctgov-2021-400.jsonl.gz``.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
from pathlib import Path

import pytest

from pipeline.extraction import run as batch_run
from pipeline.extraction import store as batch_store
from pipeline.ingest.readers import ReadOptions, read_inputs

pytest.importorskip("pyspark", reason="the Spark engine needs the spark extra (make spark)")
pytestmark = pytest.mark.spark

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "fixtures" / "ctgov-2021-400.jsonl.gz"
COUNT_LINE = re.compile(r"^trials in .*$", re.M)


@pytest.fixture(scope="module")
def spark():
    from pipeline.spark.session import spark_session

    with spark_session("local[2]", app_name="eligex-tests") as session:
        yield session


def extract(args):
    from typer.testing import CliRunner

    from pipeline.cli.main import app

    return CliRunner().invoke(app, ["extract", *map(str, args)])


def both_engines(inputs, tmp_path, *extra):
    """Run ``eligex extract`` locally and on Spark; return both results and output folders."""
    runs = {}
    for engine in ("local", "spark"):
        out = tmp_path / engine
        out.mkdir()
        result = extract([*inputs, "-o", out / "out.jsonl", "--table-out", out / "table.csv", "--engine", engine,
                          *extra])
        runs[engine] = (result, out)
    return runs


def assert_same(runs):
    (local, lout), (spark, sout) = runs["local"], runs["spark"]
    assert spark.exit_code == local.exit_code, spark.output
    for name in ("out.jsonl", "out.errors.jsonl", "table.csv"):
        assert (sout / name).read_bytes() == (lout / name).read_bytes(), name
    assert COUNT_LINE.search(spark.stderr).group() == COUNT_LINE.search(local.stderr).group()


def test_seeds_identical_to_the_local_engine(spark, tmp_path):
    runs = both_engines([ROOT / "annotations" / "seeds"], tmp_path)
    assert_same(runs)
    assert "trials in 2 = written 2 + failed 0" in runs["spark"][0].stderr


def test_400_registry_trials_identical_to_the_local_engine(spark, tmp_path):
    runs = both_engines([SAMPLE], tmp_path)
    assert_same(runs)
    records = (tmp_path / "spark" / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert len({json.loads(r)["trial_id"] for r in records}) > 390  # (a few trials have no criteria)


def bad_inputs(root: Path) -> Path:
    """Good and bad records in JSON Lines (raw lines, parsed in the workers), CSV, CT.gov JSON and
    Parquet (read on the driver)."""
    root.mkdir()
    text = "Inclusion Criteria:\n- Age >= 18 years\n- Hemoglobin >= 9 g/dL\nExclusion Criteria:\n- Pregnancy\n"
    lines = [json.dumps({"id": "T1", "text": text}),
             '{"id": "broken", "text": ',                                  # malformed JSON
             json.dumps({"id": 12345, "text": "ECOG 0-1"}),                # an integer id stays its digits
             json.dumps({"id": None, "text": "ECOG 0-1"}),                 # no id
             json.dumps({"id": "T3", "text": None}),                       # no text
             json.dumps({"id": "T4", "text": "   "}),                      # empty text: written, a warning
             json.dumps({"id": "T5", "text": 7}),                          # not a string
             json.dumps({"id": "T6", "text": "Platelets >= 100,000/mm3\x00 and ALT <= 3 x ULN"}),  # control char
             json.dumps({"id": "T1", "text": "ECOG 0-2"}),                 # a duplicate, in another partition
             json.dumps([1, 2]),                                           # not an object
             json.dumps({"id": "T7", "text": "- " + "very long criterion " * 1100})]  # over the length limit
    data = ("\n".join(lines[:3]) + "\n").encode() + b'{"id": "T8", "text": "caf\xe9"}\n' + \
        ("\n".join(lines[3:]) + "\n").encode()
    (root / "a.jsonl").write_bytes(data)
    with (root / "b.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerows([["id", "text"], ["C1", "eGFR >= 60 mL/min/1.73m2"], ["", "no id"], ["T6", "a duplicate"]])
    study = {"protocolSection": {"identificationModule": {"nctId": "NCT00000001"},
                                 "eligibilityModule": {"eligibilityCriteria": text, "minimumAge": "18 Years",
                                                       "sex": "ALL", "maximumAge": "soon"}}}
    (root / "c.json").write_text(json.dumps({"studies": [study, {"protocolSection": {}}]}), encoding="utf-8")
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"nct_id": [42, 43, 44], "criteria": ["Age >= 18 years", None, "ECOG 0-2"]}),
                   root / "d.parquet")
    return root


def local_run(extractor, inputs, out: Path):
    counts = batch_run.Counts()
    with batch_store.OutputStore(out, batch_store.errors_path_for(out)) as store:
        batch_run.run_batch(read_inputs(inputs), extractor, store, counts=counts)
    return counts


@pytest.mark.parametrize("partition_rows", [2, 64])
def test_bad_records_become_the_same_counted_error_rows(spark, tmp_path, extractor, partition_rows):
    from pipeline.spark.engine import run_spark

    root = bad_inputs(tmp_path / "in")
    ref = tmp_path / "local.jsonl"
    ref_counts = local_run(extractor, [root], ref)
    out = tmp_path / "spark.jsonl"
    with batch_store.OutputStore(out, batch_store.errors_path_for(out)) as store:
        counts = run_spark([root], ReadOptions(), store, partition_rows=partition_rows)
    assert out.read_bytes() == ref.read_bytes()
    assert batch_store.errors_path_for(out).read_bytes() == batch_store.errors_path_for(ref).read_bytes()
    assert counts.to_dict() == ref_counts.to_dict() and counts.adds_up()
    # every bad record above is a failed trial: 8 in a.jsonl, 2 in b.csv, 1 in c.json, 1 in d.parquet
    # (T4's empty text is a trial with no criteria, written with a warning)
    assert (counts.trials_in, counts.written, counts.failed) == (20, 8, 12)
    errors = [json.loads(line) for line in batch_store.errors_path_for(out).read_text(encoding="utf-8").splitlines()]
    for kind in ("malformed JSON", "duplicate trial id", "not valid UTF-8", "control character", "exceeds the limit",
                 "must be a string", "no criteria in the text", "must be a JSON object", "structured field maximumAge"):
        assert any(kind in e["message"] for e in errors), kind
    assert any(json.loads(r)["trial_id"] == "12345" for r in out.read_text(encoding="utf-8").splitlines())


def test_resume_on_spark_continues_as_the_local_engine_does(spark, tmp_path, extractor):
    from pipeline.spark.engine import run_spark

    root = bad_inputs(tmp_path / "in")
    full = tmp_path / "full.jsonl"
    local_run(extractor, [root], full)
    progress = full.with_name(full.name + ".progress").read_bytes().splitlines(keepends=True)
    fourth = json.loads(progress[3])

    def interrupted_copy(out: Path) -> Path:  # the files as a run stopped after the fourth trial left them
        out.write_bytes(full.read_bytes()[:fourth["out"]] + b'{"trial_id": "half a li')
        batch_store.errors_path_for(out).write_bytes(batch_store.errors_path_for(full).read_bytes()[:fourth["err"]])
        out.with_name(out.name + ".progress").write_bytes(b"".join(progress[:4]))
        return out

    results = {}
    for engine in ("local", "spark"):
        out = interrupted_copy(tmp_path / f"{engine}.jsonl")
        with batch_store.OutputStore(out, batch_store.errors_path_for(out), resume=True) as store:
            if engine == "local":
                counts = batch_run.run_batch(read_inputs([root]), extractor, store)
            else:
                counts = run_spark([root], ReadOptions(), store, partition_rows=3)
        results[engine] = (counts, out.read_bytes(), batch_store.errors_path_for(out).read_bytes())
    assert results["spark"] == results["local"]
    counts = results["spark"][0]
    assert counts.done_before >= 4 and counts.adds_up()
    assert results["spark"][1].startswith(full.read_bytes()[:fourth["out"]])


def test_dataframe_api_records_and_flat_constraints(spark, tmp_path):
    from pipeline.spark.dataframe import CONSTRAINT_SCHEMA, extract_criteria

    trials = [json.loads(line) for line in gzip.open(SAMPLE, "rt", encoding="utf-8")][:40]
    rows = [(t["id"], t["text"]) for t in trials] + [("NULLTEXT", None), (None, "Age >= 18"), ("EMPTY", "")]
    df = spark.createDataFrame(rows, "nct_id string, criteria string")
    records, constraints = extract_criteria(df, id_column="nct_id", text_column="criteria", source="trials",
                                            partitions=4)
    assert records.rdd.getNumPartitions() == 4
    records.cache()
    got = records.collect()
    # the local engine on the same trials
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in rows), encoding="utf-8")
    ref_out = tmp_path / "ref.jsonl"
    result = extract([path, "-o", ref_out, "--table-out", tmp_path / "ref.csv", "-q"])
    assert result.exit_code == 1
    strip = lambda r: {k: v for k, v in r.items() if k not in ("source", "line")}  # noqa: E731
    want = sorted((strip(json.loads(line)) for line in ref_out.read_text(encoding="utf-8").splitlines()),
                  key=lambda r: (r["trial_id"], r["criterion_id"]))
    have = sorted((strip(json.loads(r.record)) for r in got if r.record is not None),
                  key=lambda r: (r["trial_id"], r["criterion_id"]))
    assert have == want
    failed = {r.trial_id for r in got if r.error_kind == "error"}
    assert "NULLTEXT" in failed and "EMPTY" not in failed
    # an empty text is a trial with no criteria: written, with a warning row that says so
    assert any(r.trial_id == "EMPTY" and r.error_kind == "warning" and "no criteria" in r.error for r in got)
    # the row without an id (a null id column): named as a wrong id type, as the local readers do
    assert any(r.trial_id is None and "must be a string or an integer, not null" in r.error
               for r in got if r.error is not None)
    assert all(r.source == "trials" for r in got)
    flat = constraints.collect()
    assert list(constraints.columns) == list(CONSTRAINT_SCHEMA)
    with (tmp_path / "ref.csv").open(encoding="utf-8") as fh:
        table = list(csv.DictReader(fh))
    assert len([r for r in flat if r.error is None]) == len(table)
    # sorted by repr: two constraints of one subject may have a bound on different sides (None vs float)
    assert sorted(((r.trial_id, r.criterion_id, r.subject, r.lower, r.upper, r.unit or "") for r in flat
                   if r.error is None), key=repr) == \
        sorted(((r["trial_id"], r["criterion_id"], r["subject"], float(r["lower"]) if r["lower"] else None,
                 float(r["upper"]) if r["upper"] else None, r["unit"]) for r in table), key=repr)
    assert all(r.rules for r in flat if r.error is None)
    assert {r.trial_id for r in flat if r.error is not None} == failed


def test_a_job_that_fails_as_a_whole_is_reported_and_resumable(spark, tmp_path, monkeypatch):
    from pipeline.spark import engine
    from pipeline.spark.session import SparkJobFailed

    monkeypatch.setattr(engine, "model_path", lambda model=None: str(tmp_path / "no-model"))
    out = tmp_path / "out.jsonl"
    with batch_store.OutputStore(out, batch_store.errors_path_for(out)) as store:
        with pytest.raises(SparkJobFailed, match="no-model"):
            engine.run_spark([ROOT / "annotations" / "seeds"], ReadOptions(), store)
    assert out.read_bytes() == b""


def test_no_java_is_said_plainly(monkeypatch, tmp_path):
    from pipeline.spark import session

    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(session.SparkUnavailable, match="needs Java 17 or later, and no `java` was found"):
        session.require_runtime()
    old = tmp_path / "bin" / "java"
    old.parent.mkdir()
    old.write_text('#!/bin/sh\necho \'openjdk version "1.8.0_392"\' >&2\n')
    old.chmod(0o755)
    assert session.java_major(str(old)) == 8
    with pytest.raises(session.SparkUnavailable, match="needs Java 17 or later; .* is Java 8"):
        session.require_runtime()
