"""The error list of the HTML report: each error placed in its criterion, gold and predicted spans.

``build_error_view`` turns the ``--errors`` lines of ``evaluate_records`` (plus, when given, the gold
and predicted records) into a compact document that the page's script renders and filters:

- ``criteria``: one entry per criterion that has an error: ``id``, ``trial``, ``section``, ``text``,
  ``g`` (gold spans ``[start, end, label]``) and ``p`` (predicted ``[start, end, label, rule]``);
- ``errors``: ``c`` (index into ``criteria``), ``kind``, ``group`` (entity, relation, constraint,
  negation), ``label`` (the filter key: ``entity:CONDITION``, ``relation:has_value``,
  ``constraint:lab``, ``negation``), ``rules``, ``trial``, ``desc`` (one line for a person), ``fg`` and
  ``fp`` (the spans the error is about, on the gold and on the predicted side).
"""

from __future__ import annotations

from collections import Counter
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from pipeline.core.spans import overlaps
from pipeline.reporting.bounds import format_bound_view

ERROR_KINDS = (
    "entity_fn", "entity_fp", "relation_fn", "relation_fp",
    "constraint_subject_missed", "constraint_bound_wrong", "constraint_unit_wrong", "constraint_spurious",
    "constraint_category_wrong", "constraint_anchor_wrong", "constraint_direction_wrong",
    "constraint_sex_wrong", "negation_fn", "negation_fp",
)
CONSTRAINT_KINDS = ("subject_missed", "bound_wrong", "unit_wrong", "spurious")
KIND_HELP = {
    "entity_fn": "a gold entity the pipeline did not find with the same label and offsets",
    "entity_fp": "a predicted entity not in gold with the same label and offsets",
    "relation_fn": "a gold relation not predicted between overlapping entities of the same labels",
    "relation_fp": "a predicted relation not in gold",
    "constraint_subject_missed": "a gold bound whose subject no predicted bound overlaps",
    "constraint_bound_wrong": "the subject was found, but the side, value or inclusiveness differ",
    "constraint_unit_wrong": "subject, side and value right, the unit wrong",
    "constraint_spurious": "a predicted bound that matches no gold bound",
    "constraint_category_wrong": "a matched bound (right subject and bound) whose category differs from the gold's",
    "constraint_anchor_wrong": "a matched temporal bound whose anchor (screening, first dose, now, ...) differs",
    "constraint_direction_wrong": "a matched temporal bound whose direction (before / after) differs",
    "constraint_sex_wrong": "a matched bound whose population sex (written for men / women) differs from the gold's",
    "negation_fn": "a gold (cue, target) negation pair not predicted",
    "negation_fp": "a predicted (cue, target) negation pair not in gold",
}
SUBJECT_LABELS = ("MEASUREMENT", "SCORE", "CONDITION")
NO_RULE = "(no rule)"


def _gold_spans(rec: Optional[dict]) -> List[list]:
    if not rec:
        return []
    return sorted(([e["start_offset"], e["end_offset"], e["label"]] for e in rec.get("entities", [])),
                  key=lambda x: (x[0], -x[1]))


def _pred_spans(rec: Optional[dict]) -> List[list]:
    if not rec:
        return []
    return sorted(([e["start"], e["end"], e["label"], e.get("rule") or ""] for e in rec.get("entities", [])),
                  key=lambda x: (x[0], -x[1]))


def _locate(fragment: Optional[str], spans: Sequence[list], text: str,
            labels: Optional[Iterable[str]] = None) -> Optional[List[int]]:
    """The span of ``fragment``: an entity with exactly that text first, else its first occurrence."""
    if not fragment:
        return None
    labels = set(labels) if labels else None
    for s in spans:
        if text[s[0]:s[1]] == fragment and (labels is None or s[2] in labels):
            return [s[0], s[1]]
    i = text.find(fragment)
    return [i, i + len(fragment)] if i >= 0 else None


def _rules(value) -> List[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [value]
    return [str(r) for r in value if r]


def _category(rec: Optional[dict], view: Optional[dict]) -> Optional[str]:
    if view and view.get("category"):  # bound views name their category
        return view["category"]
    if not rec or not view:
        return None
    for c in rec.get("constraints", []):
        if c.get("subject") == view.get("subject") and c.get("category"):
            return c["category"]
    return None


def _q(s: Optional[str]) -> str:
    return f"“{s}”" if s is not None else "“?”"


def describe(err: dict, gold_spans: Sequence[list], pred_spans: Sequence[list], gold: Optional[dict],
             pred: Optional[dict]) -> dict:
    """Filter keys, a one-line description and the spans concerned, for one error line."""
    text = err.get("text") or ""
    kind = err.get("kind", "?")
    rules = _rules(err.get("rule"))
    fg: List[List[int]] = []
    fp: List[List[int]] = []

    def add(side: List[List[int]], span: Optional[List[int]]) -> None:
        if span and span not in side:
            side.append(span)

    if kind.startswith("entity_"):
        group, label = "entity", f"entity:{err.get('label')}"
        span = list(err.get("span") or [0, 0])
        add(fg, span)
        add(fp, span)
        if kind == "entity_fn":
            desc = f"gold {err.get('label')} {_q(err.get('span_text'))} not predicted"
            near = [p for p in pred_spans if p[2] == err.get("label") and overlaps(p, span)]
            if near:
                for p in near:
                    add(fp, [p[0], p[1]])
                    rules += [r for r in [p[3]] if r and r not in rules]
                desc += "; predicted " + ", ".join(f"{_q(text[p[0]:p[1]])}" for p in near) + " (other offsets)"
        else:
            desc = f"predicted {err.get('label')} {_q(err.get('span_text'))} not in gold"
    elif kind.startswith(("relation_", "negation_")):
        # a pair of spans: (from, to) of a relation, (cue, target) of a negation
        if kind.startswith("relation_"):
            group, label, name, ends = "relation", f"relation:{err.get('type')}", f"{err.get('type')}:", ("from", "to")
        else:
            group, label, name, ends = "negation", "negation", "negation", ("cue", "target")
        missed = kind.endswith("_fn")
        desc = f"{'gold' if missed else 'predicted'} {name} {_q(err.get(ends[0]))} → {_q(err.get(ends[1]))} " + \
               ("not predicted" if missed else "not in gold")
        for frag in (err.get(ends[0]), err.get(ends[1])):
            add(fg, _locate(frag, gold_spans, text))
            add(fp, _locate(frag, pred_spans, text))
    elif kind.startswith("constraint_"):
        group = "constraint"
        g, p = err.get("gold"), err.get("pred")
        category = _category(gold, g) or _category(pred, p) or "measurement"
        label = f"constraint:{category}"
        if kind == "constraint_subject_missed":
            desc = f"gold bound {format_bound_view(g)}: no predicted bound on this subject"
        elif kind == "constraint_spurious":
            desc = f"predicted bound {format_bound_view(p)} not in gold"
        elif kind in ("constraint_category_wrong", "constraint_anchor_wrong", "constraint_direction_wrong",
                      "constraint_sex_wrong"):
            what = kind[len("constraint_"):-len("_wrong")]
            desc = (f"{what} wrong on a matched bound {format_bound_view(g)}: gold {(g or {}).get(what)}, "
                    f"predicted {(p or {}).get(what)}")
        else:
            what = "bound" if kind == "constraint_bound_wrong" else "unit"
            desc = f"{what} wrong: gold {format_bound_view(g)}, predicted {format_bound_view(p)}"
        if g:
            span = _locate(g.get("subject_text"), gold_spans, text, SUBJECT_LABELS)
            add(fg, span)
            add(fp, span)
        if p:
            span = _locate(p.get("subject_text"), pred_spans, text, SUBJECT_LABELS)
            add(fp, span)
            if not g:
                add(fg, span)
    else:
        group, label, desc = "other", kind, kind
    return {"kind": kind, "group": group, "label": label, "rules": rules, "desc": desc, "fg": fg, "fp": fp}


def _key(rec: dict) -> Tuple[Optional[str], str]:
    return rec.get("criterion_id"), rec.get("text") or ""


def build_error_view(errors: Sequence[dict], gold_records: Optional[Sequence[dict]] = None,
                     pred_records: Optional[Sequence[dict]] = None) -> dict:
    """The data the page's error list is drawn from (see the module docstring)."""
    gold_records = list(gold_records or [])
    pred_records = list(pred_records or [])
    index: Dict[Tuple[Optional[str], str], int] = {}
    for i, g in enumerate(gold_records):
        index.setdefault(_key(g), i)
    criteria: List[dict] = []
    slot: Dict[Tuple[Optional[str], str], int] = {}
    out_errors: List[dict] = []
    for err in errors:
        key = _key(err)
        i = index.get(key)
        gold = gold_records[i] if i is not None else None
        pred = pred_records[i] if i is not None and i < len(pred_records) else None
        if key not in slot:
            slot[key] = len(criteria)
            src = gold or err
            criteria.append({"id": src.get("criterion_id"), "trial": src.get("trial_id"),
                             "section": src.get("section"), "text": src.get("text") or "",
                             "g": _gold_spans(gold), "p": _pred_spans(pred)})
        c = criteria[slot[key]]
        view = describe(err, c["g"], c["p"], gold, pred)
        view["c"] = slot[key]
        view["trial"] = err.get("trial_id") or c["trial"] or ""
        out_errors.append(view)
    return {"criteria": criteria, "errors": out_errors}


def filter_options(view: dict) -> dict:
    """Counted choices for the filters: ``label``, ``kind``, ``rule``, ``trial`` → [(value, count)]."""
    errs = view["errors"]
    labels = Counter(e["label"] for e in errs)
    kinds = Counter(e["kind"] for e in errs)
    rules = Counter(r for e in errs for r in (e["rules"] or [NO_RULE]))
    trials = Counter(e["trial"] for e in errs if e["trial"])
    return {
        "label": sorted(labels.items()),
        "kind": [(k, kinds[k]) for k in ERROR_KINDS if k in kinds] + sorted(
            (k, n) for k, n in kinds.items() if k not in ERROR_KINDS),
        "rule": sorted(rules.items(), key=lambda kv: (-kv[1], kv[0])),
        "trial": sorted(trials.items()),
    }
