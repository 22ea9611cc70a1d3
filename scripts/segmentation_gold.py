"""Build ``annotations/segmentation/gold.jsonl`` from the hand-read notes
``annotations/segmentation/reading.txt`` and the ctgov-2021 texts.

The notes say, trial by trial, where each criterion is, as a person reads it: a line range
(``6-9``: from the first character after the enumerator on line 6 to the last character of line
9), optionally narrowed by anchors inside it (``10 "Objective evidence"..."of the following:"``:
from the first occurrence of the first anchor at or after the start of line 10 to the end of the
first occurrence of the second after it; without a second anchor, to the end of the range's last
line; whitespace in anchors matches any whitespace). ``@name`` labels a criterion, ``^name``
makes the labelled one its parent; ``pop <heading>`` sets the population of the criteria that
follow (``pop -``: none). This script only turns those positions into offsets; it does not
segment anything itself.

    .venv/bin/python scripts/segmentation_gold.py [--check]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIR = ROOT / "annotations" / "segmentation"
#: the ctgov-2021 texts; ``ELIGEX_CTGOV`` names another copy. Without it, the texts already in
#: ``gold.jsonl`` (copied from the corpus) serve, so that a clone away from ``../shared`` checks too
CORPUS = Path(os.environ.get("ELIGEX_CTGOV") or ROOT.parent / "shared" / "corpora" / "ctgov-2021" / "criteria.jsonl.gz")
#: an enumerator at the start of a line (the guideline leaves it out of the criterion)
ENUM = re.compile(r"(?:[-*•·o–]|\(?\d{1,3}[.)]|\(?[a-zA-Z][.)]|\(?[ivx]{1,4}[.)]|[\u2460-\u2473])\s+")
ITEM = re.compile(r'^(?P<a>\d+)(?:-(?P<b>\d+))?(?:\s+"(?P<s>[^"]+)"(?:\.\.\."(?P<e>[^"]+)")?)?'
                  r'(?P<tags>(?:\s+[@^][\w-]+)*)\s*$')


def _anchor(text: str) -> re.Pattern:
    return re.compile(r"\s+".join(re.escape(w) for w in text.split()))


def line_starts(text: str):
    starts, pos = [], 0
    for raw in text.splitlines(keepends=True):
        starts.append(pos)
        pos += len(raw)
    return starts


def convert(tid: str, text: str, items, where: str):
    starts = line_starts(text)
    lines = text.splitlines()
    crits, labels, pending = [], {}, []
    population = None
    for lineno, spec in items:
        if spec.startswith("pop "):
            value = spec[4:].strip()
            population = None if value == "-" else value
            continue
        m = ITEM.match(spec)
        if not m:
            raise SystemExit(f"{where}:{lineno}: cannot read {spec!r}")
        a, b = int(m["a"]), int(m["b"] or m["a"])
        first = lines[a - 1]
        lead = len(first) - len(first.lstrip())
        e = ENUM.match(first, lead)
        start = starts[a - 1] + (e.end() if e else lead)
        end = starts[b - 1] + len(lines[b - 1].rstrip())
        if m["s"]:
            found = _anchor(m["s"]).search(text, starts[a - 1])
            if not found or found.start() > end:
                raise SystemExit(f"{where}:{lineno}: anchor {m['s']!r} not in lines {a}-{b} of {tid}")
            start = found.start()
            if m["e"]:
                stop = _anchor(m["e"]).search(text, start)
                if not stop:
                    raise SystemExit(f"{where}:{lineno}: anchor {m['e']!r} not found in {tid}")
                end = stop.end()
        crit = {"start": start, "end": end, "population": population, "parent": None}
        for tag in m["tags"].split():
            if tag[0] == "@":
                labels[tag[1:]] = len(crits)
            else:
                pending.append((len(crits), tag[1:], lineno))
        crits.append(crit)
    for i, name, lineno in pending:
        if name not in labels:
            raise SystemExit(f"{where}:{lineno}: no criterion labelled @{name} in {tid}")
        crits[i]["parent"] = labels[name]
    return crits


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="only check that gold.jsonl is up to date")
    args = ap.parse_args(argv)
    texts = {}
    source = CORPUS if CORPUS.exists() else DIR / "gold.jsonl"
    with (gzip.open(source, "rt", encoding="utf-8") if source.suffix == ".gz"
          else source.open(encoding="utf-8")) as fh:
        for line in fh:
            row = json.loads(line)
            texts[row["id"]] = row["text"]
    sample = json.loads((DIR / "sample.json").read_text(encoding="utf-8"))["ids"]
    trials, current = [], None
    notes = DIR / "reading.txt"
    for lineno, raw in enumerate(notes.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("= "):
            current = (line[2:].strip(), [])
            trials.append(current)
        else:
            current[1].append((lineno, line))
    ids = [t for t, _ in trials]
    if ids != sample[:len(ids)]:
        raise SystemExit(f"{notes}: the trials must be the first {len(ids)} of sample.json, in its order")
    missing = [tid for tid in ids if tid not in texts]
    if missing:
        raise SystemExit(f"{source}: no text for {', '.join(missing[:5])}: the notes name trials it lacks "
                         f"(set ELIGEX_CTGOV to the ctgov-2021 criteria.jsonl.gz)")
    out = "".join(json.dumps({"id": tid, "text": texts[tid], "criteria": convert(tid, texts[tid], items, str(notes))},
                             ensure_ascii=False) + "\n" for tid, items in trials)
    target = DIR / "gold.jsonl"
    if args.check:
        if not target.exists() or target.read_text(encoding="utf-8") != out:
            print(f"{target} is not up to date: run scripts/segmentation_gold.py", file=sys.stderr)
            return 1
        return 0
    target.write_text(out, encoding="utf-8")
    print(f"{target}: {len(trials)} trials, {sum(len(i) for _, i in trials)} lines of notes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
