"""scripts/bench.py's arithmetic and report text, on fabricated figures (nothing is run or timed)."""

import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench", ROOT / "scripts" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def whole(words, seconds, records, startup_seconds, *, trials=2500, startup_words=0, startup_records=0,
          driver_cpu=None, sha256="same", **more):
    """A whole-process result as run_whole makes it."""
    r = {"words": words, "trials": trials, "seconds": seconds, "records": records, "sha256": sha256,
         "workers": 2, "peak_mb": 300.0, "worker_peak_mb": None, "constraints": None,
         "processes": {"driver": 150.0, "workers": 240.0},
         "startup": {"words": startup_words, "records": startup_records, "seconds": startup_seconds}}
    if driver_cpu:
        r["driver_cpu"] = dict(zip(("full", "short"), driver_cpu))
    r.update(more)
    return r


SPARK_PARTS = {"session": 8.0, "workers": 2.0, "workers_started": 2, "load_wall": 3.0, "load_each": [2.5, 3.0],
               "stop": 1.0}
INFO = {"cpu": "Test CPU", "cores": 2, "ram": "8.0 GiB", "os": "Linux", "python": "3.11.7",
        "packages": {"eligex": "0.1.0"}, "commit": "abc1234", "date": "2026-01-01 00:00 UTC", "java": 17}


def fabricated(spark_seconds=100.0, **spark):
    """-n 2 at 10,000 words/s after 10 s of start-up; Spark at 12,500 words/s after 20 s (by default),
    with 400 µs of driver CPU a record."""
    return {"extract-2": whole(1_000_000, 110.0, 50_000, 10.0),
            "extract-spark": whole(1_000_000, spark_seconds, 50_000, 20.0, driver_cpu=(21.0, 1.0),
                                   spark_parts=SPARK_PARTS, processes={"JVM": 350.0, "driver": 150.0,
                                                                       "workers": 240.0}, **spark)}


def test_master_cores(bench):
    assert bench.master_cores("local") == 1
    assert bench.master_cores("local[4]") == 4
    assert bench.master_cores("local[*]") == (os.cpu_count() or 1)
    for master in ("spark://host:7077", "yarn", "local[]", "local[2", "local[two]"):
        with pytest.raises(ValueError, match="local\\[N\\] master only"):
            bench.master_cores(master)


def test_whole_workers(bench):
    assert [bench.whole_workers(name) for name in ("extract-1", "extract-2", "extract-spark")] == [1, 2, 2]


def test_rate_after_startup_leaves_the_short_run_out(bench):
    r = whole(1000, 12.0, 10, 3.0, startup_words=100)
    assert bench.rate_after_startup(r) == pytest.approx(900 / 9)
    assert bench.rate_after_startup(whole(1000, 3.0, 10, 3.0)) is None  # no time left after start-up
    assert bench.rate_after_startup({"words": 1000, "seconds": 12.0}) is None  # no start-up measured


def test_driver_us_per_record(bench):
    r = whole(1000, 12.0, 1002, 3.0, startup_records=2, driver_cpu=(5.0, 1.0))
    assert bench.driver_us_per_record(r) == pytest.approx(4000.0)
    assert bench.driver_us_per_record(whole(1000, 12.0, 1002, 3.0)) is None


def test_registry_plan(bench):
    plan = bench.registry_plan(per_core=10_000, words_per_trial=400, records_per_trial=20, startup=30,
                               driver_us=20, partition_rows=64)
    assert plan["trials"] == pytest.approx(625_000)
    assert plan["records"] == pytest.approx(12_500_000)
    assert plan["partitions"] == 9766  # 9765.6, rounded up
    assert plan["partition_seconds"] == pytest.approx(2.56)
    assert plan["driver_floor"] == pytest.approx(250.0)  # 12.5 M records × 20 µs
    assert plan["driver_bound_from"] == pytest.approx(100.0)  # 250 M / (100 × 10k/s) = 250 s
    assert [row["cores"] for row in plan["rows"]] == [8, 32, 128]
    eight, _, big = plan["rows"]
    assert eight["pipeline"] == pytest.approx(3125.0)
    assert eight["with_startup"] == pytest.approx(3155.0)
    assert eight["startup_share"] == pytest.approx(30 / 3155)
    assert eight["partitions_per_core"] == pytest.approx(9766 / 8)
    assert eight["command_line"] == pytest.approx(3155.0)  # the workers, not the driver, are the bound
    assert big["pipeline"] == pytest.approx(195.3125)
    assert big["command_line"] == pytest.approx(280.0)  # start-up + the driver's 250 s


def test_registry_plan_without_driver_figures(bench):
    plan = bench.registry_plan(per_core=10_000, words_per_trial=400, records_per_trial=20, startup=30,
                               driver_us=None, partition_rows=64, cores=(4,), words=1e6)  # 2,500 trials: 40 partitions
    assert plan["driver_floor"] is None and plan["driver_bound_from"] is None
    assert plan["rows"] == [{"cores": 4, "pipeline": 25.0, "with_startup": 55.0, "partitions_per_core": 40 / 4,
                             "startup_share": 30 / 55, "command_line": None}]


def test_duration(bench):
    assert bench.duration(119.4) == "119 s"
    assert bench.duration(5020) == "83.7 min"


def test_spark_section_from_the_figures(bench):
    text = "\n".join(bench.spark_section(fabricated(), {}))
    assert "## The Spark engine: when it pays off" in text
    assert ("over the same 2,500 trials (1.00 M words): `--engine spark --master local[2]` 100.0 s, `-n 2` 110.0 s "
            "(the records of both runs identical, byte for byte)") in text
    assert "20.0 s for Spark, 10.0 s for `-n 2`" in text
    assert ("8.0 s for the JVM and the session, 2.0 s to start 2 Python worker(s), 2.5–3.0 s for each worker "
            "to load the pipeline (3.0 s in all, in parallel), 1.0 s to stop the session; the other 6.0 s") in text
    assert "Spark ran 12,500 words/s, 1.25× `-n 2`'s 10,000 words/s" in text
    assert "10.0 s of extra start-up would be paid back after 0.5 M words" in text
    # per core 6,250 words/s; 625,000 trials, 9,766 partitions of 64 trials (4.10 s each); driver 400 µs a record
    assert "≈ 625,000 trials at this corpus's 400 words a trial, ≈ 12.5 M criterion records" in text
    assert "at 6,250 words/s per core" in text and "about 4.10 s of work each, ≈ 9,766 partitions" in text
    assert "| 8 | 83.3 min | 83.7 min | 0% | 1,221 | < 4.1 s | 83.7 min |" in text
    assert "| 128 | 5.2 min | 5.5 min | 6% | 76 | < 4.1 s | 83.7 min |" in text
    assert "at 128 cores it is 6% of the run" in text
    assert "came to 400 µs a record" in text and "past about 8 cores use the DataFrame API" in text


def test_spark_section_when_spark_is_slower_and_records_differ(bench):
    text = "\n".join(bench.spark_section(fabricated(spark_seconds=120.0, sha256="other"), {}))
    assert "(the records of both runs **not identical**)" in text
    assert "Spark ran 10,000 words/s, 1.00× `-n 2`'s 10,000 words/s" in text
    assert "On one machine Spark therefore never pays off" in text and "paid back" not in text


def test_spark_section_skipped_says_why(bench):
    reason = "the Spark engine needs pyspark: install the extra with `make spark`"
    assert bench.spark_section({}, {"extract-spark": reason}) == [
        "", "## The Spark engine: when it pays off", "", f"Not measured in this run: {reason}."]
    assert bench.spark_section({}, {}) == []  # not asked for: no section


def test_report_rows_whole_table_and_skips(bench):
    results = fabricated()
    text = bench.report(results, INFO, 10 ** 9, 256, 1)
    assert (f"| {bench.LABELS['extract-2']} | 9,091 | - | 110.0 | driver 150 MB, workers 240 MB |") in text
    assert "| JVM 350 MB, driver 150 MB, workers 240 MB |" in text
    assert "| `eligex extract -n 2` | 110.0 | 10.0 s (2) | 9,091 | 10,000 | 50,000 |" in text
    assert ("| `eligex extract --engine spark --master local[2]` | 100.0 | 20.0 s (2) | 10,000 | 12,500 | 50,000 |"
            in text)
    assert "Java 17" in text and "## The Spark engine" in text

    reason = "the Spark engine needs Java 17 or later, and no `java` was found"
    text = bench.report({"extract-2": results["extract-2"]}, INFO, 10 ** 9, 256, 1, {"extract-spark": reason})
    assert f"| {bench.LABELS['extract-spark']} | skipped: {reason} | | | |" in text
    assert f"Not measured in this run: {reason}." in text
