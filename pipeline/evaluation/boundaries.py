"""Scoring criterion segmentation against gold boundaries (``annotations/segmentation/``).

Gold is JSONL, one trial a line: ``{"id", "text", "criteria": [{"start", "end", "population",
"parent"}, ...]}`` with character offsets into ``text`` (a criterion's text without its
enumerator), ``population`` the normalised cohort heading or ``null``, and ``parent`` the index
(0-based, into the same list) of the criterion whose list it belongs to, or ``null``.

:func:`predict` segments each text with :func:`pipeline.ingest.sections.split_criteria` into the
same shape; :func:`score` counts exact ``(start, end)`` matches (precision, recall, F1) and, over
the matched criteria, how often the population and the parent (compared by the parent's span)
agree. ``eligex evaluate --gold annotations/segmentation --format segmentation`` prints them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from pipeline.core.problems import Problem
from pipeline.ingest.sections import HeadingRule, split_criteria

Span = Tuple[int, int]


def load_boundaries(path: Path) -> Tuple[List[dict], List[Problem]]:
    """Gold trials from a JSONL file or every ``*.jsonl`` of a folder; bad lines become problems."""
    files = sorted(Path(path).glob("*.jsonl")) if Path(path).is_dir() else [Path(path)]
    trials: List[dict] = []
    problems: List[Problem] = []
    for f in files:
        for lineno, line in enumerate(f.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                text, crits = rec["text"], rec["criteria"]
                for i, c in enumerate(crits):
                    if not (0 <= c["start"] < c["end"] <= len(text)):
                        raise ValueError(f"criterion {i}: [{c['start']}, {c['end']}) is outside the text")
                    if c.get("parent") is not None and not (0 <= c["parent"] < len(crits)):
                        raise ValueError(f"criterion {i}: parent {c['parent']} is not an index of the list")
            except (ValueError, KeyError, TypeError) as exc:
                problems.append(Problem(str(f), lineno, f"bad segmentation gold: {exc}"))
                continue
            trials.append(rec)
    return trials, problems


def predict(text: str, rules: Sequence[HeadingRule], trial_id: str = "") -> List[dict]:
    """The segmenter's criteria of ``text`` in the gold's shape."""
    crits = split_criteria(text, rules, trial_id)
    index = {c.criterion_id: i for i, c in enumerate(crits)}
    return [{"start": c.offset, "end": c.offset + len(c.text), "population": c.population,
             "parent": index.get(c.parent) if c.parent else None} for c in crits]


def _parent_span(crits: Sequence[dict], c: dict) -> Optional[Span]:
    p = c.get("parent")
    return None if p is None else (crits[p]["start"], crits[p]["end"])


def _prf(tp: int, fp: int, fn: int) -> Dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "tp": tp, "fp": fp, "fn": fn}


def score(gold: Sequence[dict], rules: Sequence[HeadingRule]) -> Tuple[dict, List[dict]]:
    """Boundary P/R/F1 and population/parent accuracy over ``gold`` trials, and every error."""
    tp = fp = fn = pop_right = parent_right = 0
    errors: List[dict] = []
    for trial in gold:
        text = trial["text"]
        g = trial["criteria"]
        p = predict(text, rules, trial.get("id", ""))
        gspans = {(c["start"], c["end"]): c for c in g}
        pspans = {(c["start"], c["end"]): c for c in p}
        for span in gspans.keys() - pspans.keys():
            fn += 1
            errors.append({"trial": trial.get("id"), "kind": "missed", "span": span, "text": text[span[0]:span[1]]})
        for span in pspans.keys() - gspans.keys():
            fp += 1
            errors.append({"trial": trial.get("id"), "kind": "spurious", "span": span, "text": text[span[0]:span[1]]})
        for span in gspans.keys() & pspans.keys():
            tp += 1
            gc, pc = gspans[span], pspans[span]
            if gc.get("population") == pc.get("population"):
                pop_right += 1
            else:
                errors.append({"trial": trial.get("id"), "kind": "population", "span": span,
                               "gold": gc.get("population"), "predicted": pc.get("population")})
            if _parent_span(g, gc) == _parent_span(p, pc):
                parent_right += 1
            else:
                errors.append({"trial": trial.get("id"), "kind": "parent", "span": span,
                               "gold": _parent_span(g, gc), "predicted": _parent_span(p, pc)})
    metrics = {"trials": len(gold), "gold_criteria": tp + fn, "boundaries": _prf(tp, fp, fn),
               "population_accuracy": pop_right / tp if tp else 0.0,
               "parent_accuracy": parent_right / tp if tp else 0.0}
    return metrics, errors


def summary_lines(metrics: dict) -> List[str]:
    b = metrics["boundaries"]
    return [f"{metrics['trials']} trials, {metrics['gold_criteria']} gold criteria",
            f"boundaries   P {b['precision']:.3f}  R {b['recall']:.3f}  F1 {b['f1']:.3f}  "
            f"(tp {b['tp']}, fp {b['fp']}, fn {b['fn']})",
            f"population accuracy {metrics['population_accuracy']:.3f}; parent accuracy "
            f"{metrics['parent_accuracy']:.3f} (over matched criteria)"]


def evaluate_file(gold: Path, configs: Optional[Path] = None) -> Tuple[dict, List[dict], List[Problem]]:
    """What ``eligex evaluate --format segmentation`` does: the gold under ``gold`` scored against
    the segmenter with the section rules of ``configs`` (default ``configs/``)."""
    from pipeline.core.paths import configs_dir
    from pipeline.ingest.sections import compile_heading_rules
    from pipeline.rules.loading import load_rules

    trials, problems = load_boundaries(gold)
    if not trials:
        return {}, [], problems
    rules = compile_heading_rules(load_rules(Path(configs or configs_dir()) / "sections.jsonl", "section",
                                             strict=True)[0])
    metrics, errors = score(trials, rules)
    return metrics, errors, problems
