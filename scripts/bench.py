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
3. ``extract-1`` / ``extract-2`` (ctgov text only): whole processes, as a batch user runs them:
   ``eligex extract CORPUS -o OUT -q -n N`` timed from launch to exit (loading, reading, splitting,
   writing records included), over the whole corpus whatever ``--words`` says;
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
            "extract-1", "extract-2", "medspacy")
#: whole-process variants: ``eligex extract`` as a subprocess
WHOLE = {"extract-1": 1, "extract-2": 2}
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


def run_whole(name: str) -> dict:
    """``eligex extract`` over the whole corpus in a subprocess, from launch to exit."""
    import gzip
    import tempfile

    with gzip.open(TEXT["corpus"], "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    words = sum(len(r["text"].split()) for r in rows)
    eligex = Path(sys.executable).with_name("eligex")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.jsonl"
        cmd = [str(eligex), "extract", str(TEXT["corpus"]), "-o", str(out), "-q", "-n", str(WHOLE[name])]
        started = time.perf_counter()
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if done.returncode not in (0, 1):  # 1: some trials failed, the run is still whole
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stderr[-3000:]}")
        records = sum(1 for _ in out.open(encoding="utf-8"))
    return {"name": name, "words": words, "docs": len(rows), "seconds": seconds, "constraints": None,
            "records": records, "peak_mb": _peak_mb(resource.RUSAGE_CHILDREN), "worker_peak_mb": None}


def run_variant(name: str, words: int, batch_size: int) -> dict:
    if name in WHOLE:
        return run_whole(name)
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
    for pkg in ("eligex", "spacy", "medspacy", "scispacy", "thinc", "numpy", "regex", "pyarrow"):
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
    return {"cpu": cpu, "cores": os.cpu_count(), "ram": ram, "python": platform.python_version(),
            "os": f"{platform.system()} {platform.release()}", "packages": packages, "commit": commit,
            "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def rate(r: dict) -> float:
    return r["words"] / r["seconds"]


def report(results: dict, info: dict, words: int, batch_size: int, rounds: int) -> str:
    base = results.get("tokenizer")
    lines = [
        "# Performance",
        "",
        "Written by `scripts/bench.py` (run it again to refresh this file). Every variant processes the "
        f"same text — {_text_description(results, words)} — in a process of its own, after an untimed "
        f"warm-up pass over the first {WARM_UP:,} criteria; batch size {batch_size}; best of {rounds} "
        "round(s). The `eligex extract` rows are whole processes over the whole corpus, timed from "
        "launch to exit (model loading, reading, splitting and writing included). Peak memory is the "
        "process's maximum resident set size (for n_process=2 also the largest worker's; for a whole "
        "process the largest of its processes).",
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
        ratio = f"{rate(r) / rate(base):.2f}" if base else "-"
        lines.append(f"| {LABELS[name]} | {rate(r):,.0f} | {ratio} | {r['seconds']:.1f} | {mem} |")
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
    pk = info["packages"]
    lines += [
        "",
        "## Machine",
        "",
        f"- CPU: {info['cpu']}, {info['cores']} cores; RAM {info['ram']}; {info['os']}",
        f"- Python {info['python']}; " + ", ".join(f"{k} {v}" for k, v in pk.items()),
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
    results = {}
    for name in [v.strip() for v in args.variants.split(",") if v.strip()]:
        if name not in VARIANTS:
            parser.error(f"unknown variant {name!r}")
        if name in WHOLE and args.text != "ctgov":
            print(f"{name}: skipped (whole processes run on the ctgov text only)", file=sys.stderr)
            continue
        best = None
        for _ in range(args.rounds):
            r = run_in_process(name, words, args.batch_size)
            best = r if best is None or r["seconds"] < best["seconds"] else best
        results[name] = best
        mem = f"{best['peak_mb']:.0f} MB" + (f", workers {best['worker_peak_mb']:.0f} MB" if best.get("worker_peak_mb") else "")
        print(f"{name:17s} {rate(best):>10,.0f} words/s  {best['seconds']:7.1f} s  {mem}", file=sys.stderr)
    text = report(results, machine(), words, args.batch_size, args.rounds)
    print(text)
    write = not args.no_write and (args.out is not None or not args.quick)
    if write:
        target = args.out or ROOT / "docs" / "PERFORMANCE.md"
        old = target.read_text(encoding="utf-8") if target.exists() else ""
        if HAND_WRITTEN in old:  # the sections written by hand (the Spark engine's) are kept
            text = text.rstrip("\n") + "\n\n" + old[old.index(HAND_WRITTEN):]
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
