#!/usr/bin/env python3
"""Throughput and memory of the eligex pipeline against baselines, on the same text.

    .venv/bin/python scripts/bench.py              # ctgov-2021 once, writes docs/PERFORMANCE.md
    .venv/bin/python scripts/bench.py --quick      # 50k words, prints only
    .venv/bin/python scripts/bench.py --text lct --words 1000000 --out /tmp/perf.md
    .venv/bin/python scripts/bench.py --profile 30 --words 200000   # what dominates (cProfile)

The text (``--text``) is by default ctgov-2021 (``../shared/corpora/ctgov-2021/criteria.jsonl.gz``,
``ELIGEX_CTGOV`` or ``--corpus`` for another copy): 4,823 distinct real trials, split into criteria
as eligex splits them (pipeline.ingest.sections), each criterion once, in file order (``--words``
takes a prefix; the text is never repeated). ``--text lct`` uses the LCT criteria
(annotations/external/lct/**/*.txt) repeated until ``--words`` words (a text that caches flatter).
Each variant runs in a fresh process of its own, so its peak memory is its own: model loading and
one untimed pass over (the first 2,000 of) the criteria come first, then the timed run.

1. ``tokenizer``: ``spacy.blank("en")`` — spaCy's tokenizer alone;
2. ``eligex-1`` / ``eligex-2``: our full pipeline (models/eligex, else built from configs/) with
   1 and 2 processes, as ``eligex extract --n-process N`` runs it (pipeline.extraction.run.pipeline_results:
   chunks through ``nlp.pipe(as_tuples=True)``, with 2 in two worker processes that send back
   ``doc._.eligex``); ``eligex-spacy-2``, for comparison, spaCy's own ``nlp.pipe(n_process=2)``
   (Docs sent back whole; within pipeline.extraction.run.msgpack_hooks_cached) with ``doc._.eligex`` read;
3. ``extract-1`` / ``extract-2`` / ``extract-spark`` (ctgov text only): whole processes, as a batch
   user runs them: ``eligex extract CORPUS -o OUT -q -n N`` and ``eligex extract CORPUS -o OUT -q
   --engine spark --master local[2]`` timed from launch to exit (loading, reading, splitting,
   writing records included; for Spark also the JVM, the session and its Python workers), over the
   whole corpus, or over its first whole trials up to ``--words`` when that is less (``--quick``:
   about 50k words). Start-up is measured apart, as a whole process too: the
   same command on the corpus's first K trials only, K being its worker processes (1, 2, and the
   cores of ``local[2]``: every worker starts and loads the pipeline), run right after the full one
   (its files cached, so if anything it understates the full run's start-up); the rate after
   start-up is (words - the short run's words) / (seconds - the short run's seconds). For Spark the
   start-up is also split into its parts in one session of the benchmark's own (JVM and session,
   starting the Python workers, each worker loading the pipeline, stopping); every process of a
   whole run is sampled from /proc (peak resident set size by kind: driver, JVM, workers; the
   driver's CPU time, for its per-record cost). The Spark row is skipped, with the reason, when
   pyspark, Java 17+ or the built model (models/eligex) is missing. docs/PERFORMANCE.md's Spark
   section (when Spark pays off; the whole registry on 8, 32 and 128 cores) is computed from the
   figures of the same run;
4. ``medspacy``: ``medspacy.load()`` with its defaults (PyRuSH sentences, target matcher,
   ConText); loguru's DEBUG output of PyRuSH (a line per document on stderr) is switched off.

Also ``eligex-tokenizer`` (our tokenizer alone) and a per-component breakdown of eligex-1
(microseconds per word). Peak memory is the maximum resident set size (``ru_maxrss``) of the
process, and for n_process=2 of the largest worker.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import platform
import re
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator, List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: docs/PERFORMANCE.md from this line on is written by hand and kept when the file is rewritten
HAND_WRITTEN = "<!-- written by hand from here on: scripts/bench.py keeps it -->"
VARIANTS = ("tokenizer", "eligex-tokenizer", "eligex-plumbing", "eligex-1", "eligex-2", "eligex-spacy-2",
            "extract-1", "extract-2", "extract-spark", "medspacy")
SPARK_MASTER = "local[2]"
#: whole-process variants: ``eligex extract`` as a subprocess, with these options
WHOLE = {"extract-1": ("-n", "1"), "extract-2": ("-n", "2"),
         "extract-spark": ("--engine", "spark", "--master", SPARK_MASTER)}
#: the whole registry, for the Spark section's calculation
REGISTRY_WORDS = 250e6
REGISTRY_CORES = (8, 32, 128)
#: seconds between two samples of a whole run's processes (/proc)
SAMPLE_EVERY = 0.25
DEFAULT_CORPUS = Path(os.environ.get("ELIGEX_CTGOV") or
                      Path(__file__).resolve().parents[2] / "shared" / "corpora" / "ctgov-2021" / "criteria.jsonl.gz")
#: criteria of the untimed warm-up pass
WARM_UP = 2000
LABELS = {
    "tokenizer": 'spaCy tokenizer alone (`spacy.blank("en")`)',
    "eligex-tokenizer": "eligex tokenizer alone",
    "eligex-plumbing": "eligex tokenizer + six components that do nothing (the pipeline's plumbing)",
    "eligex-1": "eligex full pipeline, n_process=1",
    "eligex-2": "eligex full pipeline, n_process=2 (`eligex extract -n 2`)",
    "eligex-spacy-2": "eligex full pipeline, spaCy `nlp.pipe(n_process=2)`",
    "extract-1": "`eligex extract -n 1`, whole process (load, read, split, write)",
    "extract-2": "`eligex extract -n 2`, whole process (load, read, split, write)",
    "extract-spark": f"`eligex extract --engine spark --master {SPARK_MASTER}`, whole process (JVM, session, "
                     "workers, load, read, split, write)",
    "medspacy": "medspaCy `medspacy.load()` defaults",
}
TARGETS = [  # (description, numerator, denominator, minimum ratio)
    ("`eligex extract -n 2` (whole process) ≥ 0.5× tokenizer alone (issue #14)", "extract-2", "tokenizer", 0.5),
    ("`eligex extract -n 2` ≥ 1.8× `-n 1`, whole processes (issue #14)", "extract-2", "extract-1", 1.8),
    ("eligex n_process=1 ≥ 0.4× tokenizer alone", "eligex-1", "tokenizer", 0.4),
    ("eligex n_process=1 ≥ 8× medspaCy defaults", "eligex-1", "medspacy", 8.0),
    ("eligex n_process=2 ≥ 1.6× n_process=1", "eligex-2", "eligex-1", 1.6),
    ("(spaCy `nlp.pipe(n_process=2)` ≥ 1.6× n_process=1)", "eligex-spacy-2", "eligex-1", 1.6),
]
MEMORY_LIMIT_MB = 400


# ---------------------------------------------------------------------------------------------
# the text
# ---------------------------------------------------------------------------------------------

TEXT = {"kind": "ctgov", "corpus": DEFAULT_CORPUS}


def criteria_texts() -> List[str]:
    """The criterion texts of the benchmark text (:data:`TEXT`), as the pipeline reads them."""
    return ctgov_texts(TEXT["corpus"]) if TEXT["kind"] == "ctgov" else lct_texts()


def ctgov_texts(path: Path) -> List[str]:
    """Every criterion of the ctgov-2021 trials, in file order (each trial's text split as
    ``eligex extract`` splits it)."""
    import gzip

    from pipeline.core.paths import configs_dir
    from pipeline.core.reflow import pipeline_text
    from pipeline.rules.loading import load_rules
    from pipeline.ingest.sections import compile_heading_rules, split_criteria

    rules, _ = load_rules(configs_dir() / "sections.jsonl", "section", strict=True)
    headings = compile_heading_rules(rules)
    texts = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            texts.extend(pipeline_text(c.text) for c in split_criteria(row["text"], headings, row["id"]))
    return texts


def lct_texts() -> List[str]:
    """The distinct LCT criterion texts, in file order, as the pipeline reads them."""
    from pipeline.core.paths import configs_dir
    from pipeline.core.reflow import pipeline_text
    from pipeline.rules.loading import load_rules
    from pipeline.ingest.sections import compile_heading_rules, split_criteria

    rules, _ = load_rules(configs_dir() / "sections.jsonl", "section", strict=True)
    headings = compile_heading_rules(rules)
    texts = []
    for path in sorted((ROOT / "annotations" / "external" / "lct").rglob("*.txt")):
        texts.extend(pipeline_text(c.text) for c in split_criteria(path.read_text(encoding="utf-8"), headings, path.stem))
    return texts


def corpus(texts: List[str], words: int) -> Iterator[str]:
    """``texts`` until at least ``words`` words have been yielded: repeated for the LCT text,
    never for ctgov (a prefix, or all of it once)."""
    total = 0
    for text in (texts if TEXT["kind"] == "ctgov" else itertools.cycle(texts)):
        if total >= words:
            return
        total += len(text.split())
        yield text


def corpus_words(texts: List[str], words: int) -> int:
    return sum(len(t.split()) for t in corpus(texts, words))


# ---------------------------------------------------------------------------------------------
# one variant (in its own process)
# ---------------------------------------------------------------------------------------------

def _peak_mb(who) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def whole_workers(name: str) -> int:
    """The worker processes of a whole-process variant: ``-n N``'s N, the cores of ``local[N]``."""
    opts = WHOLE[name]
    if "--master" in opts:
        return master_cores(opts[opts.index("--master") + 1])
    return int(opts[opts.index("-n") + 1])


def master_cores(master: str) -> int:
    if master == "local":
        return 1
    m = re.fullmatch(r"local\[(\d+|\*)\]", master)
    if not m:
        raise ValueError(f"{master}: the benchmark runs a local[N] master only")
    return (os.cpu_count() or 1) if m.group(1) == "*" else int(m.group(1))


def spark_missing() -> Optional[str]:
    """Why the Spark row cannot run here (pyspark, Java 17+ or the built model missing), or None."""
    from pipeline.spark.session import SparkUnavailable, require_spark

    try:
        require_spark()
    except SparkUnavailable as exc:
        return str(exc)
    return None


def _process_tree(root: int) -> List[int]:
    """``root`` and every process below it, from /proc."""
    children: dict = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, ()))
    return tree


def _process_sample(pid: int) -> Optional[tuple]:
    """(peak resident MB so far, CPU seconds, command line) of one process, or None when it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    hwm = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    return hwm / 1024, cpu, os.path.basename(cmdline[0].decode(errors="replace")) if cmdline else ""


def process_kind(pid: int, root: int, program: str) -> str:
    return "driver" if pid == root else "JVM" if program == "java" else "workers"


def timed_run(cmd: List[str]) -> dict:
    """Run ``cmd`` from launch to exit; meanwhile sample its processes every :data:`SAMPLE_EVERY`
    seconds: the largest peak resident set size of each kind, the driver's CPU seconds."""
    import tempfile
    import threading

    peaks: dict = {}
    cpu = {"driver": None}
    stop = threading.Event()

    def sample(root: int) -> None:
        while not stop.wait(SAMPLE_EVERY):
            try:
                tree = _process_tree(root)
            except OSError:  # no /proc: no per-process figures
                return
            for pid in tree:
                got = _process_sample(pid)
                if got is None:
                    continue
                kind = process_kind(pid, root, got[2])
                peaks[kind] = max(peaks.get(kind, 0.0), got[0])
                if kind == "driver":
                    cpu["driver"] = got[1]

    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
        sampler = threading.Thread(target=sample, args=(proc.pid,), daemon=True)
        sampler.start()
        returncode = proc.wait()
        seconds = time.perf_counter() - started
        stop.set()
        sampler.join()
        err.seek(0)
        stderr = err.read()
    if returncode not in (0, 1):  # 1: some trials failed, the run is still whole
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{stderr[-3000:]}")
    return {"seconds": seconds, "processes": peaks, "driver_cpu": cpu["driver"]}


def run_whole(name: str, limit: Optional[int] = None) -> dict:
    """``eligex extract`` over the corpus in a subprocess, from launch to exit (over its first
    whole trials up to ``limit`` words when it is longer: ``--words``, ``--quick``); then the same
    command on the first :func:`whole_workers` trials, for its start-up."""
    import gzip
    import hashlib
    import tempfile

    with gzip.open(TEXT["corpus"], "rt", encoding="utf-8") as fh:
        lines = [line for line in fh if line.strip()]
    words = [len(json.loads(line)["text"].split()) for line in lines]
    first = whole_workers(name)
    prefix = limit is not None and sum(words) > limit
    if prefix:  # whole trials up to the limit, at least one per worker
        total = keep = 0
        while keep < len(lines) and (total + words[keep] <= limit or keep < first):
            total += words[keep]
            keep += 1
        lines, words = lines[:keep], words[:keep]
    eligex = Path(sys.executable).with_name("eligex")
    with tempfile.TemporaryDirectory() as tmp:
        short_input = Path(tmp) / "first.jsonl"
        short_input.write_text("".join(lines[:first]), encoding="utf-8")
        full_input = TEXT["corpus"]
        if prefix:
            full_input = Path(tmp) / "prefix.jsonl"
            full_input.write_text("".join(lines), encoding="utf-8")
        runs = {}
        for which, source in (("full", full_input), ("short", short_input)):
            out = Path(tmp) / f"{which}.jsonl"
            run = timed_run([str(eligex), "extract", str(source), "-o", str(out), "-q", *WHOLE[name]])
            with out.open("rb") as fh:
                data = fh.read()
            run.update(records=data.count(b"\n"), sha256=hashlib.sha256(data).hexdigest())
            runs[which] = run
    full, short = runs["full"], runs["short"]
    result = {"name": name, "words": sum(words), "trials": len(lines), "prefix": prefix,
              "seconds": full["seconds"], "constraints": None, "records": full["records"],
              "sha256": full["sha256"], "processes": full["processes"],
              "peak_mb": max([_peak_mb(resource.RUSAGE_CHILDREN), *full["processes"].values()]),
              "worker_peak_mb": None, "workers": first,
              "startup": {"words": sum(words[:first]), "records": short["records"],
                          "seconds": short["seconds"]}}
    if full["driver_cpu"] is not None and short["driver_cpu"] is not None:
        result["driver_cpu"] = {"full": full["driver_cpu"], "short": short["driver_cpu"]}
    if "--engine" in WHOLE[name]:
        try:
            result["spark_parts"] = spark_startup_parts(SPARK_MASTER)
        except Exception as exc:  # the parts explain the start-up; the row stands without them
            result["spark_parts"] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    return result


def _worker_pid(_rows) -> Iterator[int]:
    yield os.getpid()


def _worker_load(_rows, model: str) -> Iterator[tuple]:
    from pipeline.spark.session import worker_extractor

    started = time.perf_counter()
    worker_extractor(model, 256)
    yield os.getpid(), time.perf_counter() - started


def spark_startup_parts(master: str) -> dict:
    """Spark's start-up in its parts, timed in one session of this process: the JVM and the session,
    starting one Python worker per core (a job of one empty task per core), each worker loading the
    pipeline (another such job, on the same reused workers), stopping the session."""
    from functools import partial

    from pipeline.spark.session import model_path, spark_session

    clock = time.perf_counter
    started = clock()
    with spark_session(master, app_name="eligex-bench") as spark:
        ready = clock()
        sc = spark.sparkContext
        n = max(1, sc.defaultParallelism)
        pids = sc.parallelize(range(n), n).mapPartitions(_worker_pid).collect()
        workers = clock()
        loads = sc.parallelize(range(n), n).mapPartitions(partial(_worker_load, model=model_path())).collect()
        loaded = clock()
    stopped = clock()
    return {"session": ready - started, "workers": workers - ready, "workers_started": len(set(pids)),
            "load_wall": loaded - workers, "load_each": [seconds for _pid, seconds in loads],
            "stop": stopped - loaded}


def run_variant(name: str, words: int, batch_size: int) -> dict:
    if name in WHOLE:
        return run_whole(name, words)
    texts = criteria_texts()
    n_process = 2 if name.endswith("-2") else 1
    consume = lambda doc: 0  # noqa: E731
    if name == "tokenizer":
        import spacy

        nlp = spacy.blank("en")
    elif name == "medspacy":
        from loguru import logger

        logger.remove()  # PyRuSH logs every document at DEBUG level to stderr by default
        import medspacy

        nlp = medspacy.load()
    else:
        from pipeline.components.nlp import load

        nlp = load()
        if name == "eligex-tokenizer":
            nlp.select_pipes(disable=nlp.pipe_names)
        elif name == "eligex-plumbing":
            nlp = plumbing_only(nlp)
        else:
            consume = lambda doc: len(doc._.eligex["constraints"])  # noqa: E731
    from pipeline.extraction.run import msgpack_hooks_cached, pipeline_results

    for doc in nlp.pipe(texts[:WARM_UP], batch_size=batch_size):  # warm-up: lexemes, lazy components
        consume(doc)
    docs = found = 0
    started = time.perf_counter()
    if name in ("eligex-1", "eligex-2"):
        items = ((text, i) for i, text in enumerate(corpus(texts, words)))
        for _ctx, eligex, _reason in pipeline_results(nlp, items, n_process, batch_size):
            docs += 1
            found += len(eligex["constraints"])
    else:
        with msgpack_hooks_cached():
            for doc in nlp.pipe(corpus(texts, words), batch_size=batch_size, n_process=n_process):
                docs += 1
                found += consume(doc)
    seconds = time.perf_counter() - started
    result = {"name": name, "words": corpus_words(texts, words), "docs": docs, "seconds": seconds,
              "constraints": found, "peak_mb": _peak_mb(resource.RUSAGE_SELF),
              "worker_peak_mb": _peak_mb(resource.RUSAGE_CHILDREN) if n_process > 1 else None}
    if name == "eligex-1":
        result["components"] = component_times(nlp, texts, min(words, 200_000))
    return result


def plumbing_only(nlp):
    """eligex's tokenizer and six components that only fetch the shared state, as each real
    component does first: what spaCy's pipe machinery and our per-component overhead cost."""
    import spacy
    from spacy.language import Language

    from pipeline.components import docview

    from pipeline.core import extensions

    if "bench_plumbing" not in Language.factories:
        @Language.component("bench_plumbing")
        def _plumbing(doc):
            extensions.state(doc)
            docview.view(doc)
            return doc

    bare = spacy.blank("en")
    bare.tokenizer = nlp.tokenizer
    for i in range(len(nlp.pipe_names)):
        bare.add_pipe("bench_plumbing", name=f"plumbing_{i}")
    return bare


def component_times(nlp, texts: List[str], words: int) -> dict:
    """Microseconds per word spent in the tokenizer and in each component."""
    spent = {"tokenizer": 0.0, **{name: 0.0 for name in nlp.pipe_names}}
    clock = time.perf_counter
    total_words = 0
    for text in corpus(texts, words):
        total_words += len(text.split())
        t = clock()
        doc = nlp.make_doc(text)
        spent["tokenizer"] += clock() - t
        for name, proc in nlp.pipeline:
            t = clock()
            doc = proc(doc)
            spent[name] += clock() - t
    return {name: seconds / total_words * 1e6 for name, seconds in spent.items()}


# ---------------------------------------------------------------------------------------------
# the report
# ---------------------------------------------------------------------------------------------

def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    from importlib.metadata import PackageNotFoundError, version

    packages = {}
    for pkg in ("eligex", "spacy", "medspacy", "scispacy", "thinc", "numpy", "regex", "pyarrow", "pyspark"):
        try:
            packages[pkg] = version(pkg)
        except PackageNotFoundError:
            packages[pkg] = "-"
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        commit += " (with uncommitted changes)" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        commit = "-"
    return {"cpu": cpu, "cores": os.cpu_count(), "ram": ram, "python": platform.python_version(), "java": java_version(),
            "os": f"{platform.system()} {platform.release()}", "packages": packages, "commit": commit,
            "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def java_version() -> Optional[int]:
    """The major version of the ``java`` Spark would run, or None."""
    from pipeline.spark.session import java_command, java_major

    java = java_command()
    return java_major(java) if java else None


def rate(r: dict) -> float:
    return r["words"] / r["seconds"]


def startup_seconds(r: dict) -> float:
    return r["startup"]["seconds"]


def rate_after_startup(r: dict) -> Optional[float]:
    """Words per second of a whole run less its start-up (the short run's words and seconds)."""
    s = r.get("startup")
    if not s or r["seconds"] <= s["seconds"]:
        return None
    return (r["words"] - s["words"]) / (r["seconds"] - s["seconds"])


def driver_us_per_record(r: dict) -> Optional[float]:
    """The driver process's CPU time per record, less the short run's (µs): all it does itself
    (reading the input, handing rows out, receiving and writing records)."""
    cpu, s = r.get("driver_cpu"), r.get("startup")
    if not cpu or not s or r["records"] <= s["records"]:
        return None
    return (cpu["full"] - cpu["short"]) / (r["records"] - s["records"]) * 1e6


def whole_table(results: dict) -> List[str]:
    rows = [name for name in WHOLE if name in results and results[name].get("startup")]
    if not rows:
        return []
    lines = ["", "The whole processes and their start-up, measured apart: the same command on the corpus's "
             "first trials only, one per worker process (so every worker starts and loads the pipeline), "
             "run right after the full one; the rate after start-up leaves the short run's words and "
             "seconds out.", "",
             "| command | seconds, launch to exit | start-up (first trials) | words/s | words/s after start-up "
             "| records |", "|---|---:|---:|---:|---:|---:|"]
    for name in rows:
        r = results[name]
        after = rate_after_startup(r)
        lines.append(f"| `eligex extract {' '.join(WHOLE[name])}` | {r['seconds']:.1f} | "
                     f"{startup_seconds(r):.1f} s ({r['workers']}) | {rate(r):,.0f} | "
                     f"{f'{after:,.0f}' if after else '-'} | {r['records']:,} |")
    return lines


def duration(seconds: float) -> str:
    return f"{seconds:,.0f} s" if seconds < 120 else f"{seconds / 60:,.1f} min"


def registry_plan(per_core: float, words_per_trial: float, records_per_trial: float, startup: float,
                  driver_us: Optional[float], partition_rows: int, cores=REGISTRY_CORES,
                  words: float = REGISTRY_WORDS) -> dict:
    """The whole registry (``words``) on Spark with ``cores`` cores at ``per_core`` words/s each:
    partitions of ``partition_rows`` trials, ``startup`` seconds once, and for the command-line
    engine a driver that spends ``driver_us`` on every record (while the workers run)."""
    import math

    trials = words / words_per_trial
    partitions = math.ceil(trials / partition_rows)
    floor = trials * records_per_trial * driver_us / 1e6 if driver_us else None
    rows = []
    for n in cores:
        pipeline = words / (n * per_core)
        rows.append({"cores": n, "pipeline": pipeline, "with_startup": pipeline + startup,
                     "partitions_per_core": partitions / n, "startup_share": startup / (pipeline + startup),
                     "command_line": startup + max(pipeline, floor) if floor else None})
    return {"trials": trials, "records": trials * records_per_trial, "partitions": partitions,
            "partition_seconds": partition_rows * words_per_trial / per_core, "driver_floor": floor,
            "driver_bound_from": words / (per_core * floor) if floor else None, "rows": rows}


def spark_section(results: dict, skipped: dict) -> List[str]:
    """When the Spark engine pays off, in this run's figures (the extract-spark row)."""
    from pipeline.spark.engine import DEFAULT_PARTITION_ROWS

    head = ["", "## The Spark engine: when it pays off", ""]
    if "extract-spark" in skipped:
        return head + [f"Not measured in this run: {skipped['extract-spark']}."]
    sp = results.get("extract-spark")
    if not sp:
        return []
    cores = sp["workers"]
    after = rate_after_startup(sp)
    lines = head + [
        "`eligex extract --engine spark` and `pipeline.spark.dataframe.extract_criteria` run the same "
        "per-partition function as the local engine (`pipeline.extraction.partition`), one Python process "
        "per core, so per core they are as fast as `eligex extract -n 1`; what Spark adds is start-up and, "
        "in the command-line engine, a driver that writes every record.", ""]
    local = results.get("extract-2")
    measured = (f"Measured in this run, whole processes over the same {sp['trials']:,} trials "
                f"({sp['words'] / 1e6:.2f} M words): `--engine spark --master {SPARK_MASTER}` "
                f"{sp['seconds']:.1f} s")
    if local:
        same = "identical, byte for byte" if local.get("sha256") == sp.get("sha256") else "**not identical**"
        measured += (f", `-n 2` {local['seconds']:.1f} s (the records of both runs {same}). Start-up, the same "
                     f"command on the first trials only: {startup_seconds(sp):.1f} s for Spark, "
                     f"{startup_seconds(local):.1f} s for `-n 2`.")
    else:
        measured += f". Start-up, the same command on the first {cores} trials only: {startup_seconds(sp):.1f} s."
    parts = sp.get("spark_parts") or {}
    if "session" in parts:
        lo, hi = f"{min(parts['load_each']):.1f}", f"{max(parts['load_each']):.1f}"
        rest = startup_seconds(sp) - parts["session"] - parts["workers"] - parts["load_wall"] - parts["stop"]
        measured += (f" Spark's start-up in its parts, timed apart in one session afterwards: "
                     f"{parts['session']:.1f} s for the JVM and the session, {parts['workers']:.1f} s to start "
                     f"{parts['workers_started']} Python worker(s), {lo if lo == hi else f'{lo}–{hi}'} s for each "
                     f"worker to load the pipeline ({parts['load_wall']:.1f} s in all, in parallel), "
                     f"{parts['stop']:.1f} s to stop the session; the other {max(rest, 0):.1f} s of the "
                     "whole process are Python's own start and imports, the Java check, the trials' work "
                     "and the exit. Start-up is paid once per job, and each worker loads the pipeline once.")
    elif parts.get("error"):
        measured += f" (Its parts could not be timed: {parts['error']}.)"
    if after:
        measured += f" After start-up Spark ran {after:,.0f} words/s"
        local_after = rate_after_startup(local) if local else None
        if local_after:
            ratio = after / local_after
            measured += f", {ratio:.2f}× `-n 2`'s {local_after:,.0f} words/s after its own start-up"
            extra = startup_seconds(sp) - startup_seconds(local)
            if ratio <= 1:
                measured += (". On one machine Spark therefore never pays off: `-n N` uses the same cores "
                             "without the JVM or the start-up.")
            elif extra <= 0:
                measured += ". Here Spark was ahead from the first trial."
            else:
                even = extra / (1 / local_after - 1 / after)
                measured += (f". Spark's {extra:.1f} s of extra start-up would be paid back after "
                             f"{even / 1e6:,.1f} M words on this machine.")
        else:
            measured += "."
    lines.append(measured)
    if not after:
        return lines
    per_core = after / cores
    words_per_trial = sp["words"] / sp["trials"]
    records_per_trial = sp["records"] / sp["trials"]
    driver_us = driver_us_per_record(sp)
    plan = registry_plan(per_core, words_per_trial, records_per_trial, startup_seconds(sp), driver_us,
                         DEFAULT_PARTITION_ROWS)
    alone = results.get("eligex-1")
    alone_note = (f"; the pipeline alone on one core, eligex n_process=1 above, reaches {rate(alone):,.0f}"
                  if alone else "")
    lines += [
        "",
        "It pays off where the data already is in Spark (tables on Databricks, EMR, a cluster: nothing to "
        "export), and where more cores than one machine has are wanted. For the whole registry, about "
        f"{REGISTRY_WORDS / 1e6:,.0f} M words (≈ {plan['trials']:,.0f} trials at this corpus's "
        f"{words_per_trial:,.0f} words a trial, ≈ {plan['records'] / 1e6:,.1f} M criterion records at its "
        f"{records_per_trial:.1f} records a trial), at {per_core:,.0f} words/s per core (Spark's rate after "
        f"start-up here over its {cores} cores: on the low side, as the driver and the JVM shared those "
        f"cores{alone_note}), with partitions of {DEFAULT_PARTITION_ROWS} trials (about "
        f"{plan['partition_seconds']:.2f} s of work each, ≈ {plan['partitions']:,} partitions) and the "
        f"start-up measured here ({startup_seconds(sp):.0f} s):",
        "",
        f"| cores | pipeline {REGISTRY_WORDS / 1e6:,.0f} M / (cores × {per_core / 1e3:,.1f}k/s) | with start-up "
        "| start-up's share | partitions per core | last-partition tail |"
        + (" command-line engine (driver writes every record) |" if driver_us else ""),
        "|---:|---:|---:|---:|---:|---:|" + ("---:|" if driver_us else ""),
    ]
    for row in plan["rows"]:
        lines.append(f"| {row['cores']} | {duration(row['pipeline'])} | {duration(row['with_startup'])} | "
                     f"{row['startup_share']:.0%} | {row['partitions_per_core']:,.0f} | "
                     f"< {plan['partition_seconds']:.1f} s |"
                     + (f" {duration(row['command_line'])} |" if driver_us else ""))
    big = plan["rows"][-1]
    closing = (f"Start-up hardly grows with the cluster (each worker loads the pipeline once, all at the same "
               f"time), so at {big['cores']} cores it is {big['startup_share']:.0%} of the run; smaller "
               "partitions would only add task overhead.")
    if driver_us:
        closing += (f" The command-line engine has a floor the pipeline column does not show: its driver "
                    f"receives and writes every record itself, and its CPU time in this run (less the short "
                    f"run's) came to {driver_us:,.0f} µs a record (reading the input and handing rows out "
                    f"included; on these {cores} shared cores), some {duration(plan['driver_floor'])} for "
                    f"{plan['records'] / 1e6:,.1f} M records whatever the number of cores, so past about "
                    f"{plan['driver_bound_from']:,.0f} cores use the DataFrame API and let the workers write "
                    "(`records.write.parquet(...)`), which does no per-record work on the driver.")
    lines += ["", closing]
    return lines


def _whole_description(results: dict) -> str:
    """What the whole-process rows ran over: the whole corpus, or a prefix of its trials."""
    whole = [r for name, r in results.items() if name in WHOLE]
    if not any(r.get("prefix") for r in whole):
        return "the whole corpus"
    r = whole[0]
    return f"the corpus's first {r['trials']:,} trials ({r['words']:,} words)"


def report(results: dict, info: dict, words: int, batch_size: int, rounds: int,
           skipped: Optional[dict] = None) -> str:
    skipped = skipped or {}
    base = results.get("tokenizer")
    lines = [
        "# Performance",
        "",
        "Written by `scripts/bench.py` (run it again to refresh this file). Every variant processes the "
        f"same text — {_text_description(results, words)} — in a process of its own, after an untimed "
        f"warm-up pass over the first {WARM_UP:,} criteria; batch size {batch_size}; best of {rounds} "
        "round(s). The `eligex extract` rows are whole processes over "
        f"{_whole_description(results)}, timed from "
        "launch to exit (model loading, reading, splitting and writing included; for Spark also the "
        "JVM, the session and its Python workers), their start-up measured apart below. Peak memory is "
        "the process's maximum resident set size (for n_process=2 also the largest worker's; for a whole "
        "process the largest of its processes, by kind where there are several).",
        "",
        "| variant | words/s | × tokenizer | seconds | peak memory per process |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in VARIANTS:
        if name not in results:
            continue
        r = results[name]
        mem = f"{r['peak_mb']:.0f} MB"
        if r.get("worker_peak_mb"):
            mem += f" (workers {r['worker_peak_mb']:.0f} MB)"
        elif len(r.get("processes") or ()) > 1:
            mem = ", ".join(f"{kind} {mb:.0f} MB" for kind, mb in sorted(r["processes"].items()))
        ratio = f"{rate(r) / rate(base):.2f}" if base else "-"
        lines.append(f"| {LABELS[name]} | {rate(r):,.0f} | {ratio} | {r['seconds']:.1f} | {mem} |")
    for name, reason in skipped.items():
        lines.append(f"| {LABELS[name]} | skipped: {reason} | | | |")
    lines += whole_table(results)
    lines += ["", "| target | measured | met |", "|---|---:|:---:|"]
    for text, num, den, minimum in TARGETS:
        if num in results and den in results:
            ratio = rate(results[num]) / rate(results[den])
            lines.append(f"| {text} | {ratio:.2f}× | {'yes' if ratio >= minimum else '**no**'} |")
    peaks = [max(r["peak_mb"], r.get("worker_peak_mb") or 0) for k, r in results.items() if k.startswith("eligex")]
    if peaks:
        lines.append(f"| eligex peak memory per process < {MEMORY_LIMIT_MB} MB | {max(peaks):.0f} MB | "
                     f"{'yes' if max(peaks) < MEMORY_LIMIT_MB else '**no**'} |")
    comps = results.get("eligex-1", {}).get("components")
    if comps:
        total = sum(comps.values())
        lines += ["", "Where eligex's time goes (n_process=1, each component timed alone, µs per word):", "",
                  "| step | µs/word | share |", "|---|---:|---:|"]
        for name, us in comps.items():
            lines.append(f"| {name} | {us:.2f} | {us / total:.0%} |")
        lines.append(f"| total | {total:.2f} | |")
    lines += [
        "",
        "Reading the figures: the tokenizer alone only splits text, while eligex runs six components "
        "after its own tokenizer (each a Python pass over a criterion's tokens and entities; ConText "
        "runs medspaCy's token Matcher). medspaCy's defaults are PyRuSH sentence splitting, an empty "
        "target matcher and ConText with its default rules; PyRuSH's per-document DEBUG logging is "
        "switched off, as it would slow medspaCy down further. `eligex extract -n 2` runs the pipeline "
        "in two forked worker processes that send back `doc._.eligex` (plain data); spaCy's own "
        "`nlp.pipe(n_process=2)` sends whole Docs, which the main process rebuilds (`Doc.from_bytes`) on "
        "the same two cores, so it gains little.",
        "",
        "What keeps eligex fast (see `docs/ARCHITECTURE.md`): the components share one plain view of "
        "each criterion's tokens instead of rebuilding `doc.text` and Token objects; an entity regex "
        "runs only where its literals (found in one Aho-Corasick pass) or, for units, the characters "
        "after a digit show it can match; ConText runs only on criteria that contain all words of "
        "a modifying rule; the tokenizer remembers the split of chunks it has seen, as spaCy's does.",
    ]
    budget = _budget_paragraph(results, comps)
    if budget:
        lines += ["", budget]
    lines += spark_section(results, skipped)
    pk = info["packages"]
    lines += [
        "",
        "## Machine",
        "",
        f"- CPU: {info['cpu']}, {info['cores']} cores; RAM {info['ram']}; {info['os']}",
        f"- Python {info['python']}; " + ", ".join(f"{k} {v}" for k, v in pk.items())
        + (f"; Java {info['java']}" if info.get("java") else ""),
        f"- eligex commit {info['commit']}; run {info['date']}",
        "",
        "The machine is shared and noisy: figures vary by ±15% between runs. Re-run with "
        "`.venv/bin/python scripts/bench.py` (`--quick` for a 50k-word smoke run that writes nothing, "
        "`--profile 30` for the 30 functions that take the most time, by cProfile).",
        "",
    ]
    return "\n".join(lines)


def _text_description(results: dict, words: int) -> str:
    some = next((r for k, r in results.items() if k not in WHOLE), None)
    if TEXT["kind"] == "ctgov":
        counted = f"{some['words']:,} words in {some['docs']:,} criteria" if some else "all of it"
        return (f"the ctgov-2021 trials (`{TEXT['corpus'].name}`: 4,823 distinct real trials, split as "
                f"eligex splits trial text, each criterion once, never repeated; {counted})")
    return (f"the LCT criteria (`annotations/external/lct`), split as eligex splits trial text and "
            f"repeated to {words:,} words")


def _budget_paragraph(results: dict, comps: Optional[dict]) -> Optional[str]:
    """Why the 0.4× tokenizer target is out of reach, in this run's own numbers."""
    if "tokenizer" not in results or "eligex-tokenizer" not in results or not comps:
        return None
    budget = 1e6 / (0.4 * rate(results["tokenizer"]))
    ours = 1e6 / rate(results["eligex-tokenizer"])
    context, entities = comps.get("eligex_context", 0.0), comps.get("eligex_entities", 0.0)
    plumbing = ""
    if "eligex-plumbing" in results:
        plumbing = (f" The plumbing alone (our tokenizer and six components that do nothing) already "
                    f"takes {1e6 / rate(results['eligex-plumbing']):.1f} µs per word of that budget; the "
                    "rest of the gap is the components' own work.")
    return (f"About the 0.4× tokenizer target: it leaves the whole pipeline {budget:.1f} µs per word. "
            f"Our tokenizer alone takes {ours:.1f} µs (it builds the spaCy Doc from Python lists, where "
            f"spaCy's own tokenizer stays in C), leaving {max(budget - ours, 0):.1f} µs for six "
            f"components, of which ConText alone (medspaCy, run on the criteria with a cue) takes "
            f"{context:.1f} µs and the entity rules {entities:.1f} µs in the breakdown above. We see no "
            "way to meet it with Python components and medspaCy ConText; the medspaCy target is the one "
            "a user of these libraries can compare against." + plumbing)


def profile(words: int, batch_size: int, top: int) -> None:
    """cProfile of the eligex pipeline (n_process=1) over the benchmark text: what dominates."""
    import cProfile
    import pstats

    from pipeline.components.nlp import load

    texts = criteria_texts()
    nlp = load()
    for _ in nlp.pipe(texts[:WARM_UP], batch_size=batch_size):  # warm-up, as in the benchmark
        pass
    prof = cProfile.Profile()
    prof.enable()
    for _ in nlp.pipe(corpus(texts, words), batch_size=batch_size):
        pass
    prof.disable()
    pstats.Stats(prof, stream=sys.stdout).sort_stats("tottime").print_stats(top)


def run_in_process(name: str, words: int, batch_size: int) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--variant", name, "--words", str(words),
           "--batch-size", str(batch_size), "--text", TEXT["kind"], "--corpus", str(TEXT["corpus"])]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"variant {name} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=None,
                        help="words of text per variant (default: all of ctgov-2021 once; 1M of LCT)")
    parser.add_argument("--text", choices=("ctgov", "lct"), default="ctgov",
                        help="ctgov: ctgov-2021, distinct, never repeated (default); lct: LCT repeated")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                        help="the ctgov-2021 criteria.jsonl.gz (default ../shared/..., or ELIGEX_CTGOV)")
    parser.add_argument("--quick", action="store_true", help="50k words, print only (unless --out)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=1, help="runs per variant; the fastest counts")
    parser.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated subset")
    parser.add_argument("--out", type=Path, default=None, help="report file (default docs/PERFORMANCE.md)")
    parser.add_argument("--no-write", action="store_true", help="print the report only")
    parser.add_argument("--json", type=Path, default=None, help="also write the raw figures (and skips) here")
    parser.add_argument("--profile", type=int, metavar="N", default=0,
                        help="profile the eligex pipeline (cProfile) over --words and print the N "
                             "functions with the most own time, instead of benchmarking")
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    TEXT.update(kind=args.text, corpus=args.corpus)
    if args.text == "ctgov" and not args.corpus.exists():
        parser.error(f"{args.corpus}: no such file (the ctgov-2021 corpus; --corpus, ELIGEX_CTGOV or --text lct)")
    words = 50_000 if args.quick else args.words or (10 ** 9 if args.text == "ctgov" else 1_000_000)
    if args.profile:
        profile(words, args.batch_size, args.profile)
        return 0
    if args.variant:  # child process
        print(json.dumps(run_variant(args.variant, words, args.batch_size)))
        return 0
    results, skipped = {}, {}
    for name in [v.strip() for v in args.variants.split(",") if v.strip()]:
        if name not in VARIANTS:
            parser.error(f"unknown variant {name!r}")
        reason = None
        if name in WHOLE and args.text != "ctgov":
            reason = "whole processes run on the ctgov text only"
        elif name == "extract-spark":
            reason = spark_missing()
        if reason:
            skipped[name] = reason
            print(f"{name}: skipped ({reason})", file=sys.stderr)
            continue
        best = None
        for _ in range(args.rounds):
            r = run_in_process(name, words, args.batch_size)
            best = r if best is None or r["seconds"] < best["seconds"] else best
        results[name] = best
        mem = f"{best['peak_mb']:.0f} MB" + (f", workers {best['worker_peak_mb']:.0f} MB" if best.get("worker_peak_mb") else "")
        print(f"{name:17s} {rate(best):>10,.0f} words/s  {best['seconds']:7.1f} s  {mem}", file=sys.stderr)
    if args.json is not None:
        args.json.write_text(json.dumps({"results": results, "skipped": skipped}, indent=1), encoding="utf-8")
    text = report(results, machine(), words, args.batch_size, args.rounds, skipped)
    print(text)
    write = not args.no_write and (args.out is not None or not args.quick)
    if write:
        target = args.out or ROOT / "docs" / "PERFORMANCE.md"
        old = target.read_text(encoding="utf-8") if target.exists() else ""
        kept = old[old.index(HAND_WRITTEN):] if HAND_WRITTEN in old else HAND_WRITTEN + "\n"
        text = text.rstrip("\n") + "\n\n" + kept  # what is written by hand below the line is kept
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
