"""Score predictions against gold criteria records (our doccano JSONL or mapped LCT).

Pure functions over two aligned lists of records (gold, predicted) for the same criterion texts:

- **entities**: per label, strict (same label, same offsets) and overlap (same label, overlapping
  offsets) precision/recall/F1;
- **relations**: same type, both ends overlapping entities of the same labels;
- **constraints**: counted in *bounds*, not constraints (a two-sided range is two bounds, so merging
  or splitting a range is neither rewarded nor punished). A predicted bound matches a gold bound
  when the subject spans overlap, the side (lower/upper) is the same, the values are equal as
  numbers, the inclusiveness is the same, and the units are equal after normalisation. Unmatched
  gold bounds are classified ``unit_wrong`` (all but the unit right), ``bound_wrong`` (subject
  found, bound different) or ``subject_missed``; unmatched predicted bounds are ``spurious``;
  The category does not decide the match (a matched bound counts under the gold category; a
  spurious one under its own): ``category_accuracy`` says how often a matched bound has the gold's
  category ("life expectancy" is a ``measurement`` in LCT and a ``duration`` in our registry gold).
  Over matched temporal bounds, ``anchor`` and ``direction`` are scored as accuracies (gold that
  leaves them null, i.e. does not annotate them, is not counted); over matched bounds whose gold
  has a ``population`` key, ``sex_accuracy`` says how often the bound's ``population.sex`` (men or
  women only, as in "≥ 13 g/dL (men)") is the gold's, counted where either side names a sex;
- **categories**: ``categories`` restricts the constraint figures to those categories (gold and
  predicted bounds of other categories are set aside); a gold record that lists the constraint
  categories it annotates (``"annotated": ["constraints:temporal", ...]``, see
  :func:`annotated_categories`) sets aside predictions of the others, so they are not false;
- **negation**: (cue, target) pairs match when both cue spans and target spans overlap; plus the
  accuracy of the ``negated`` flag over gold targets the pipeline found.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from pipeline.core.spans import overlaps

TARGET_LABELS = ("MEASUREMENT", "SCORE", "CONDITION")
METRICS_VERSION = 1

#: the constraint categories (docs/CONSTRAINTS.md); every one has a row in ``per_category``
MEASUREMENT_CATEGORIES = ("age", "lab", "vital", "measurement", "score")
CATEGORIES = MEASUREMENT_CATEGORIES + ("temporal", "duration", "count", "grade")
#: the categories whose constraints carry ``anchor`` and ``direction``
ANCHORED = ("temporal",)


def category_of(c: dict) -> str:
    """A constraint's category (``measurement`` when it names none)."""
    return c.get("category") or "measurement"


def annotated_categories(rec: dict) -> Optional[frozenset]:
    """The constraint categories a gold record annotates; ``None`` for all of them.

    ``"annotated"`` absent, or holding ``"constraints"``: every category. Entries
    ``"constraints:<category>"`` (``"constraints:age"``, ``"constraints:temporal"``) name the
    categories annotated, and only those; a list with neither annotates no constraints.
    """
    items = rec.get("annotated")
    if items is None or "constraints" in items:
        return None
    return frozenset(i.split(":", 1)[1] for i in items if i.startswith("constraints:"))


def check_categories(categories: Optional[Iterable[str]]) -> Optional[frozenset]:
    """``categories`` as a set, or a ``ValueError`` naming the unknown ones and the known ones."""
    if categories is None:
        return None
    wanted = frozenset(categories)
    unknown = sorted(wanted - set(CATEGORIES))
    if unknown:
        raise ValueError(f"unknown constraint categor{'y' if len(unknown) == 1 else 'ies'} "
                         f"{', '.join(unknown)} (known: {', '.join(CATEGORIES)})")
    return wanted


def precision_recall_f1(tp: int, fp: int, fn: int) -> Tuple[Optional[float], Optional[float], Optional[float]]:
    """Precision, recall and F1 from true positives, false positives and false negatives.

    The one convention of eligex: a figure with nothing to count is ``None`` (undefined), not 0 —
    precision with no predictions (``tp + fp == 0``), recall with no reference items
    (``tp + fn == 0``), F1 with neither. F1 is 0.0 when there are items but no match, else
    ``2PR / (P + R)``.
    """
    p = tp / (tp + fp) if tp + fp else None
    r = tp / (tp + fn) if tp + fn else None
    if not tp + fp + fn:
        f = None
    elif not tp:
        f = 0.0
    else:
        f = 2 * p * r / (p + r)
    return p, r, f


def prf(tp: int, fp: int, fn: int) -> dict:
    """The figures of the evaluation JSON (metrics version 1): :func:`precision_recall_f1` rounded
    to 4 digits, with an undefined figure written as 0.0, and the counts."""
    p, r, f = (round(x, 4) if x is not None else 0.0 for x in precision_recall_f1(tp, fp, fn))
    return {"precision": p, "recall": r, "f1": f, "tp": tp, "fp": fp, "fn": fn}


# ----------------------------------------------------------------------------------------------
# normalising records
# ----------------------------------------------------------------------------------------------

def gold_entities(rec: dict) -> List[dict]:
    """Gold entities as ``{id, label, start, end}``."""
    return [{"id": e["id"], "label": e["label"], "start": e["start_offset"], "end": e["end_offset"]}
            for e in rec.get("entities", [])]


def gold_relations(rec: dict) -> List[Tuple[int, int, str]]:
    return [(r["from_id"], r["to_id"], r["type"]) for r in rec.get("relations", [])]


def pred_relations(rec: dict) -> List[Tuple[int, int, str]]:
    return [(r["from"], r["to"], r["type"]) for r in rec.get("relations", [])]


#: units that mean "no unit" when comparing: the points of a score, a class/grade/stage
UNITLESS = {"{point}", "{grade}"}


def bounds(constraints: Iterable[dict], normalize: Callable[[Optional[str]], Optional[str]]) -> List[dict]:
    """Every bound of every constraint: ``{span, side, value, inclusive, unit, constraint}``.

    Units are compared after normalisation; a score's points (``{point}``) and a class, grade or
    stage (``{grade}``) equal no unit.
    """
    out = []
    for c in constraints:
        span = c.get("subject_span") or c.get("span")
        unit = c.get("unit")
        unit = normalize(unit) if unit else normalize(c.get("unit_text"))
        if unit in UNITLESS:
            unit = None
        for side in ("lower", "upper"):
            b = c.get(side)
            if b:
                out.append({"span": list(span), "side": side, "value": float(b["value"]),
                            "inclusive": bool(b["inclusive"]), "unit": unit, "constraint": c})
    return out


def pred_subject_span(rec: dict, c: dict) -> List[int]:
    """The span of the predicted constraint's subject entity."""
    for e in rec.get("entities", []):
        if e["id"] == c.get("subject_id"):
            return [e["start"], e["end"]]
    return list(c["span"])


# ----------------------------------------------------------------------------------------------
# matching
# ----------------------------------------------------------------------------------------------

def match_entities(gold: List[dict], pred: List[dict], strict: bool) -> Tuple[list, list, list]:
    """Greedy one-to-one matching with the same label; returns (pairs, unmatched gold, unmatched pred)."""
    used = set()
    pairs, fn = [], []
    for g in gold:
        hit = None
        for i, p in enumerate(pred):
            if i in used or p["label"] != g["label"]:
                continue
            if (strict and (p["start"], p["end"]) == (g["start"], g["end"])) or \
                    (not strict and overlaps((p["start"], p["end"]), (g["start"], g["end"]))):
                hit = i
                if (p["start"], p["end"]) == (g["start"], g["end"]):
                    break
        if hit is None:
            fn.append(g)
        else:
            used.add(hit)
            pairs.append((g, pred[hit]))
    fp = [p for i, p in enumerate(pred) if i not in used]
    return pairs, fn, fp


def _same_bound(g: dict, p: dict) -> bool:
    return abs(g["value"] - p["value"]) < 1e-9 and g["inclusive"] == p["inclusive"]


def match_bounds(gold: List[dict], pred: List[dict]):
    """(matched pairs, gold misses with a kind, spurious predictions)."""
    used = set()
    matched, missed = [], []
    # exact matches first, then partial ones
    remaining = []
    for g in gold:
        hit = next((i for i, p in enumerate(pred) if i not in used and overlaps(g["span"], p["span"])
                    and g["side"] == p["side"] and _same_bound(g, p) and g["unit"] == p["unit"]), None)
        if hit is None:
            remaining.append(g)
        else:
            used.add(hit)
            matched.append((g, pred[hit]))
    for g in remaining:
        kind = "subject_missed"
        partner = None
        for i, p in enumerate(pred):
            if i in used or not overlaps(g["span"], p["span"]):
                continue
            if g["side"] == p["side"] and _same_bound(g, p):
                kind, partner = "unit_wrong", i
                break
            kind, partner = "bound_wrong", i
        if partner is not None and kind == "unit_wrong":
            used.add(partner)
        missed.append((g, kind, pred[partner] if partner is not None else None))
    spurious = [p for i, p in enumerate(pred) if i not in used]
    return matched, missed, spurious


# ----------------------------------------------------------------------------------------------
# evaluation
# ----------------------------------------------------------------------------------------------

def evaluate_records(gold_records: Sequence[dict], pred_records: Sequence[dict],
                     normalize: Callable[[Optional[str]], Optional[str]],
                     categories: Optional[Iterable[str]] = None) -> Tuple[dict, List[dict]]:
    """Metrics (the ``--json`` document) and the list of errors (the ``--errors`` lines).

    ``categories``: score only the constraints of these categories (default all; an unknown name
    is a ``ValueError``).
    """
    scored = check_categories(categories)
    errors: List[dict] = []
    anchor_ok = {"anchor": Counter(), "direction": Counter()}
    ent_counts = {"strict": defaultdict(Counter), "overlap": defaultdict(Counter)}
    rel_counts = defaultdict(Counter)
    bound_counts = defaultdict(Counter)
    kinds = Counter()
    neg = Counter()
    neg_flag = Counter()
    rule_counts = defaultdict(Counter)
    scores_total, scores_right = 0, 0
    condition_ok = Counter()

    for g, p in zip(gold_records, pred_records):
        ctx = {"criterion_id": g.get("criterion_id"), "trial_id": g.get("trial_id"), "text": g["text"]}
        gents = gold_entities(g)
        # a record annotated for constraints only (``"annotated": ["constraints"]``) scores no
        # entities, relations or negation: the predicted ones are set aside, not counted as false
        pe = p if "entities" in (g.get("annotated") or ("entities",)) else {"entities": [], "relations": []}
        pents = pe.get("entities", [])
        for mode in ("strict", "overlap"):
            pairs, fn, fp = match_entities(gents, pents, strict=(mode == "strict"))
            for gg, pp in pairs:
                ent_counts[mode][gg["label"]]["tp"] += 1
                if mode == "overlap":
                    rule_counts[pp.get("rule")]["tp"] += 1
            for gg in fn:
                ent_counts[mode][gg["label"]]["fn"] += 1
                if mode == "strict":
                    errors.append({**ctx, "kind": "entity_fn", "label": gg["label"],
                                   "span": [gg["start"], gg["end"]], "span_text": g["text"][gg["start"]:gg["end"]]})
            for pp in fp:
                ent_counts[mode][pp["label"]]["fp"] += 1
                if mode == "overlap":
                    rule_counts[pp.get("rule")]["fp"] += 1
                if mode == "strict":
                    errors.append({**ctx, "kind": "entity_fp", "label": pp["label"], "span": [pp["start"], pp["end"]],
                                   "span_text": pp["text"], "rule": pp.get("rule")})
        # relations: endpoints by overlap with the same label
        gmap = {e["id"]: e for e in gents}
        pmap = {e["id"]: e for e in pents}
        grels = [(gmap[a], gmap[b], t) for a, b, t in gold_relations(g) if a in gmap and b in gmap]
        prels = [(pmap[a], pmap[b], t) for a, b, t in pred_relations(pe) if a in pmap and b in pmap]
        used = set()
        for ga, gb, gt in grels:
            hit = next((i for i, (pa, pb, pt) in enumerate(prels) if i not in used and pt == gt
                        and pa["label"] == ga["label"] and pb["label"] == gb["label"]
                        and overlaps((pa["start"], pa["end"]), (ga["start"], ga["end"]))
                        and overlaps((pb["start"], pb["end"]), (gb["start"], gb["end"]))), None)
            if hit is None:
                rel_counts[gt]["fn"] += 1
                errors.append({**ctx, "kind": "relation_fn", "type": gt,
                               "from": g["text"][ga["start"]:ga["end"]], "to": g["text"][gb["start"]:gb["end"]]})
            else:
                used.add(hit)
                rel_counts[gt]["tp"] += 1
        for i, (pa, pb, pt) in enumerate(prels):
            if i not in used:
                rel_counts[pt]["fp"] += 1
                errors.append({**ctx, "kind": "relation_fp", "type": pt, "from": pa["text"], "to": pb["text"],
                               "rule": pa.get("rule")})
        # constraints, counted in bounds
        annotated = annotated_categories(g)

        def in_scope(c: dict) -> bool:
            cat = category_of(c)
            return (scored is None or cat in scored) and (annotated is None or cat in annotated)

        gb_list = bounds([c for c in g.get("constraints", []) if in_scope(c)], normalize)
        pcons = []
        for c in p.get("constraints", []):
            if not in_scope(c):
                continue
            c2 = dict(c)
            c2["subject_span"] = c.get("subject_span") or pred_subject_span(p, c)
            pcons.append(c2)
        pb_list = bounds(pcons, normalize)
        matched, missed, spurious = match_bounds(gb_list, pb_list)
        for gbnd, pbnd in matched:
            cat = category_of(gbnd["constraint"])
            bound_counts[cat]["tp"] += 1
            gc, pc = gbnd["constraint"], pbnd["constraint"]
            if "condition" in gc:
                condition_ok["total"] += 1
                condition_ok["right"] += int(gc.get("condition") == pc.get("condition"))
            if "population" in gc and (_sex(gc) or _sex(pc)):  # gold that annotates populations
                condition_ok["sex_total"] += 1
                condition_ok["sex_right"] += int(_sex(gc) == _sex(pc))
                if _sex(gc) != _sex(pc):
                    errors.append({**ctx, "kind": "constraint_sex_wrong", "gold": _bound_view(gbnd, g["text"]),
                                   "pred": _bound_view(pbnd, g["text"]), "rule": pc.get("rules")})
            if "scale_max" in gc and gc.get("scale_max") is not None:
                condition_ok["scale_total"] += 1
                condition_ok["scale_right"] += int(gc.get("scale_max") == pc.get("scale_max"))
            for r in pc.get("rules", []):
                rule_counts[r]["constraint_tp"] += 1
            condition_ok["category_total"] += 1
            if category_of(pc) == cat:
                condition_ok["category_right"] += 1
            else:
                errors.append({**ctx, "kind": "constraint_category_wrong", "gold": _bound_view(gbnd, g["text"]),
                               "pred": _bound_view(pbnd, g["text"]), "rule": pc.get("rules")})
            if cat in ANCHORED:
                for key in ("anchor", "direction"):
                    if gc.get(key) is None:  # not annotated: not scored
                        continue
                    anchor_ok[key]["total"] += 1
                    right = gc.get(key) == pc.get(key)
                    anchor_ok[key]["right"] += int(right)
                    if not right:
                        errors.append({**ctx, "kind": f"constraint_{key}_wrong", "gold": _bound_view(gbnd, g["text"]),
                                       "pred": _bound_view(pbnd, g["text"]), "rule": pc.get("rules")})
        for gbnd, kind, pbnd in missed:
            cat = category_of(gbnd["constraint"])
            bound_counts[cat]["fn"] += 1
            if kind == "unit_wrong":  # its prediction is paired with it, and wrong: a false positive too
                bound_counts[cat]["fp"] += 1
            kinds[kind] += 1
            errors.append({**ctx, "kind": f"constraint_{kind}", "gold": _bound_view(gbnd, g["text"]),
                           "pred": _bound_view(pbnd, g["text"]) if pbnd else None,
                           "rule": (pbnd["constraint"].get("rules") if pbnd else None)})
        for pbnd in spurious:
            cat = category_of(pbnd["constraint"])
            bound_counts[cat]["fp"] += 1
            kinds["spurious"] += 1
            for r in pbnd["constraint"].get("rules", []):
                rule_counts[r]["constraint_fp"] += 1
            errors.append({**ctx, "kind": "constraint_spurious", "pred": _bound_view(pbnd, g["text"]),
                           "rule": pbnd["constraint"].get("rules")})
        # score thresholds: every gold bound of a score, right?
        for gbnd in gb_list:
            if (gbnd["constraint"].get("category") or "") == "score":
                scores_total += 1
                scores_right += int(any(gbnd is m[0] for m in matched))
        # negation: (cue, target) pairs
        gneg = [(gmap[a], gmap[b]) for a, b, t in gold_relations(g) if t == "negates" and a in gmap and b in gmap]
        pneg = [(pmap[a], pmap[b]) for a, b, t in pred_relations(pe) if t == "negates" and a in pmap and b in pmap]
        # a cue whose target is no entity carries the negated phrase itself
        pneg += [(e, {"start": e["target"][0], "end": e["target"][1], "text": e.get("target_text")})
                 for e in pents if e["label"] == "NEGATION" and e.get("target")]
        # a gold cue whose target is outside our labels (LCT: a drug, a procedure) is neither
        # rewarded nor punished: predicted pairs on it are not counted
        targeted = {a for a, b, t in gold_relations(g) if t == "negates"}
        untargeted = [e for e in gents if e["label"] == "NEGATION" and e["id"] not in targeted]
        pneg = [(pc_, pt_) for pc_, pt_ in pneg
                if not any(overlaps((pc_["start"], pc_["end"]), (u["start"], u["end"])) for u in untargeted)]
        used = set()
        for gc_, gt_ in gneg:
            hit = next((i for i, (pc_, pt_) in enumerate(pneg) if i not in used
                        and overlaps((pc_["start"], pc_["end"]), (gc_["start"], gc_["end"]))
                        and overlaps((pt_["start"], pt_["end"]), (gt_["start"], gt_["end"]))), None)
            if hit is None:
                neg["fn"] += 1
                errors.append({**ctx, "kind": "negation_fn", "cue": g["text"][gc_["start"]:gc_["end"]],
                               "target": g["text"][gt_["start"]:gt_["end"]]})
            else:
                used.add(hit)
                neg["tp"] += 1
        for i, (pc_, pt_) in enumerate(pneg):
            if i not in used:
                neg["fp"] += 1
                errors.append({**ctx, "kind": "negation_fp", "cue": pc_["text"], "target": pt_["text"],
                               "rule": pc_.get("rule")})
        # negated flag accuracy over gold targets found by the pipeline
        negated_gold = {b for a, b, t in gold_relations(g) if t == "negates"}
        pairs, _, _ = match_entities([e for e in gents if e["label"] in TARGET_LABELS],
                                     [e for e in pents if e["label"] in TARGET_LABELS], strict=False)
        for gg, pp in pairs:
            neg_flag["total"] += 1
            neg_flag["right"] += int((gg["id"] in negated_gold) == bool(pp.get("negated")))

    for cat in CATEGORIES:  # a row per category scored, also when nothing of it was seen
        if scored is None or cat in scored:
            bound_counts.setdefault(cat, Counter())
    metrics = {
        "version": METRICS_VERSION,
        "documents": len(gold_records),
        "entities": _summary(ent_counts["strict"], extra={"overlap": _summary(ent_counts["overlap"])}),
        "relations": _summary(rel_counts),
        "constraints": _summary(bound_counts, extra={
            "unit": "bounds",
            "errors": dict(kinds),
            "condition_accuracy": _ratio(condition_ok["right"], condition_ok["total"]),
            "scale_max_accuracy": _ratio(condition_ok["scale_right"], condition_ok["scale_total"]),
            "sex_accuracy": _ratio(condition_ok["sex_right"], condition_ok["sex_total"]),
            "sex_matches": {"right": condition_ok["sex_right"], "total": condition_ok["sex_total"]},
            "score_thresholds": {"right": scores_right, "total": scores_total},
            "parts": constraint_parts(bound_counts, kinds),
            "unit_agreement": unit_agreement(bound_counts, kinds),
            "categories": sorted(scored) if scored is not None else None,
            "category_accuracy": _ratio(condition_ok["category_right"], condition_ok["category_total"]),
            "category_matches": {"right": condition_ok["category_right"], "total": condition_ok["category_total"]},
            "anchor_accuracy": _ratio(anchor_ok["anchor"]["right"], anchor_ok["anchor"]["total"]),
            "direction_accuracy": _ratio(anchor_ok["direction"]["right"], anchor_ok["direction"]["total"]),
            "anchored": {key: dict(anchor_ok[key]) or {"right": 0, "total": 0} for key in anchor_ok},
        }, label_key="per_category"),
        "negation": {**prf(neg["tp"], neg["fp"], neg["fn"]),
                     "pairs": "cue and negated target both overlap",
                     "cue": prf(**{k: ent_counts["overlap"]["NEGATION"][k] for k in ("tp", "fp", "fn")}),
                     "accuracy": _ratio(neg_flag["right"], neg_flag["total"]),
                     "targets": neg_flag["total"]},
        "rules": {r: dict(c) for r, c in sorted(rule_counts.items(), key=lambda kv: -kv[1].get("fp", 0)) if r},
    }
    return metrics, errors


def constraint_parts(bound_counts: Dict[str, Counter], kinds: Counter) -> dict:
    """Which part of a constraint fails, as P/R/F1 over bounds at three levels of strictness:
    ``subject`` (a predicted bound on an overlapping subject), ``subject+bounds`` (and the same
    side, value and inclusiveness; the unit may differ) and ``full`` (the unit too)."""
    matched = sum(c["tp"] for c in bound_counts.values())
    gold = matched + sum(c["fn"] for c in bound_counts.values())
    predicted = matched + sum(c["fp"] for c in bound_counts.values())  # unit_wrong ones are in fp
    levels = {"subject": matched + kinds.get("unit_wrong", 0) + kinds.get("bound_wrong", 0),
              "subject+bounds": matched + kinds.get("unit_wrong", 0),
              "full": matched}
    return {name: prf(tp, max(predicted - tp, 0), gold - tp) for name, tp in levels.items()}


def unit_agreement(bound_counts: Dict[str, Counter], kinds: Counter) -> dict:
    """Of the gold bounds matched on subject, side, value and inclusiveness (the ``subject+bounds``
    level), the share whose predicted unit is the gold one after normalisation: ``right`` are the
    fully matched bounds, ``total`` adds the ``unit_wrong`` ones."""
    right = sum(c["tp"] for c in bound_counts.values())
    total = right + kinds.get("unit_wrong", 0)
    return {"right": right, "total": total, "accuracy": _ratio(right, total)}


def combined(per_category: Dict[str, dict], categories: Iterable[str]) -> dict:
    """P/R/F1 over the bounds of several categories of a ``per_category`` table (the figures of
    the categories missing from it count nothing)."""
    rows = [per_category[c] for c in categories if c in per_category]
    return prf(*(sum(r[k] for r in rows) for k in ("tp", "fp", "fn")))


def _sex(c: dict) -> Optional[str]:
    """The sex a constraint's bound is written for (``population.sex``), or None."""
    return (c.get("population") or {}).get("sex")


def _ratio(a: int, b: int) -> Optional[float]:
    return round(a / b, 4) if b else None


def _summary(counts: Dict[str, Counter], extra: Optional[dict] = None, label_key: str = "per_label") -> dict:
    tp = sum(c["tp"] for c in counts.values())
    fp = sum(c["fp"] for c in counts.values())
    fn = sum(c["fn"] for c in counts.values())
    out = prf(tp, fp, fn)
    order = (lambda kv: (CATEGORIES.index(kv[0]) if kv[0] in CATEGORIES else len(CATEGORIES), kv[0])) \
        if label_key == "per_category" else None
    out[label_key] = {k: prf(c["tp"], c["fp"], c["fn"]) for k, c in sorted(counts.items(), key=order)}
    if extra:
        out.update(extra)
    return out


def _bound_view(b: Optional[dict], text: str) -> Optional[dict]:
    if b is None:
        return None
    c = b["constraint"]
    view = {"subject": c.get("subject"), "subject_text": text[b["span"][0]:b["span"][1]], "side": b["side"],
            "value": b["value"], "inclusive": b["inclusive"], "unit": b["unit"], "category": category_of(c)}
    for key in ("anchor", "direction"):
        if c.get(key) is not None:
            view[key] = c[key]
    if _sex(c) is not None:
        view["sex"] = _sex(c)
    return view
