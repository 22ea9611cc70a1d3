"""How well criteria texts are segmented: over a JSONL corpus (``{"id", "text"}``, optionally
``.gz``; default the ctgov-2021 snapshot), the number of trials, criteria, trials without
criteria, and the fraction of *fragments*: criteria that begin inside a sentence, i.e. have no
enumerator and start with a lower-case word that is not a known lower-case start (a word with a
capital or digit inside: ``eGFR``, ``pH``, ``mRNA``, ``n-3``; or one of :data:`LOWER_STARTS`).

    .venv/bin/python scripts/segmentation_stats.py [CORPUS] [--json out.json] [--examples N]

Uses only the segmenter (``pipeline.ingest.sections``), no spaCy: it runs in seconds.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.ingest.sections import compile_heading_rules, split_criteria  # noqa: E402
from pipeline.rules.loading import load_rules  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "ctgov-2021" / "criteria.jsonl.gz"
#: lower-case words a criterion may start with (units, prefixes, trade-style names)
LOWER_STARTS = {"e.g.", "i.e.", "iv", "mg", "ml", "n", "p", "q", "vs", "x", "and/or"}
_WORD = re.compile(r"\S+")


def is_fragment(text: str, marker: str) -> bool:
    """Whether a criterion begins inside a sentence (see the module doc)."""
    if marker:
        return False
    m = _WORD.match(text)
    if not m:
        return False
    word = m.group()
    if not word[:1].islower():
        return False
    if word.lower().rstrip(",;:") in LOWER_STARTS:
        return False
    return not any(ch.isupper() or ch.isdigit() for ch in word[1:])


def read_corpus(path: Path):
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                yield row["id"], row["text"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--json", type=Path, help="write the figures as JSON")
    ap.add_argument("--examples", type=int, default=0, help="print this many random fragments")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    rules = compile_heading_rules(load_rules(ROOT / "configs" / "sections.jsonl", "section", strict=True)[0])
    trials = criteria = fragments = lower = empty = multiline = with_population = with_parent = 0
    frag_examples = []
    for tid, text in read_corpus(args.corpus):
        trials += 1
        crits = split_criteria(text, rules, tid)
        if not crits:
            empty += 1
        for c in crits:
            criteria += 1
            lower += c.text[:1].islower()
            multiline += "\n" in c.text
            with_population += c.population is not None
            with_parent += c.parent is not None
            if is_fragment(c.text, c.marker):
                fragments += 1
                frag_examples.append((c.criterion_id, c.text[:100]))
    stats = {
        "corpus": str(args.corpus), "trials": trials, "criteria": criteria, "trials_without_criteria": empty,
        "fragments": fragments, "fragment_rate": fragments / criteria if criteria else 0.0,
        "lower_case_starts": lower, "multi_line_criteria": multiline,
        "with_population": with_population, "with_parent": with_parent,
    }
    for k, v in stats.items():
        print(f"{k:24s} {v:.4f}" if isinstance(v, float) else f"{k:24s} {v}")
    if args.examples:
        rng = random.Random(args.seed)
        for cid, t in rng.sample(frag_examples, min(args.examples, len(frag_examples))):
            print(f"  {cid}: {t!r}")
    if args.json:
        args.json.write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
