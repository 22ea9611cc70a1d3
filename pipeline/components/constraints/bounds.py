"""Step 3, bounds: from the comparators, merged per subject ("≥5 years and <17 years old" is one
range), into constraint records with their relations to the entities they use."""

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from pipeline.components.constraints.index import EntityIndex
from pipeline.components.constraints.quantities import Quantity, read_number, unit_of
from pipeline.components.constraints.subjects import Groups
from pipeline.components.units import UnitNormalizer
from pipeline.core.numbers import dot_thousands, number_out

#: subject attributes (from ConText) a constraint carries in its ``context``
CONTEXT_FLAGS = ("historical", "hypothetical", "exception", "uncertain")


@dataclass
class Assembled:
    """What assembly found: constraint records with their subject entity index, relations as
    (from index, to index, type), and the entities they use."""
    constraints: List[Tuple[dict, int]] = field(default_factory=list)
    relations: List[Tuple[int, int, str]] = field(default_factory=list)
    used: set = field(default_factory=set)


def _or(value, default):
    return default if value is None else value


def bounds_of(q: Quantity, ents, value_words) -> Tuple[Optional[dict], Optional[dict]]:
    if q.number is not None:  # the "/100" of a pair, the implied 1 of "> ULN"
        vals = [q.number]
    else:
        vals = [read_number(ents[v]["text"], value_words) for v in q.values]
        unit = unit_of([q])
        if unit is not None and (ents[unit].get("attrs") or {}).get("dot_thousands"):
            # "neutrophils ≥ 1.500/mm3": a cell count per volume is never 1.5 per mm3
            vals = [_or(dot_thousands(ents[v]["text"]), x) for v, x in zip(q.values, vals)]
    if any(v is None for v in vals):
        return None, None
    if q.op == "list" and len(vals) > 1:
        return {"value": number_out(min(vals)), "inclusive": True}, {"value": number_out(max(vals)), "inclusive": True}
    if q.op == "range" and len(vals) == 2:
        lo, hi = sorted(vals)
        inc = True if q.inclusive is None else q.inclusive
        low_in, up_in = q.ends if q.ends is not None and q.inclusive is None else (inc, inc)
        return {"value": number_out(lo), "inclusive": low_in}, {"value": number_out(hi), "inclusive": up_in}
    v = number_out(vals[0])
    if q.inclusive is not None and q.op in (">", ">=", "<", "<="):
        # "below 7 months inclusive": a written (in/ex)clusive decides
        side = {"value": v, "inclusive": q.inclusive}
        return (side, None) if q.op in (">", ">=") else (None, side)
    if q.op == ">=":
        return {"value": v, "inclusive": True}, None
    if q.op == ">":
        return {"value": v, "inclusive": False}, None
    if q.op == "<=":
        return None, {"value": v, "inclusive": True}
    if q.op == "<":
        return None, {"value": v, "inclusive": False}
    if q.op == "=":
        return {"value": v, "inclusive": True}, {"value": v, "inclusive": True}
    return None, None


def merge_bounds(qs: Sequence[Quantity], ents, value_words):
    """Combine one-sided quantities of the same subject into two-sided bounds."""
    out = []
    pending = None  # (lower, upper, [q])
    for q in qs:
        lower, upper = bounds_of(q, ents, value_words)
        if pending is not None and not q.disjoint and q.sex == pending[2][-1].sex:
            pl, pu, pq = pending
            # a lower bound above the upper one is no range but either ("below 18 and above 45")
            if pl is not None and pu is None and lower is None and upper is not None and pl["value"] < upper["value"]:
                pending = (pl, upper, pq + [q])
                continue
            if pu is not None and pl is None and upper is None and lower is not None and lower["value"] < pu["value"]:
                pending = (lower, pu, pq + [q])
                continue
        if pending is not None:
            out.append(pending)
        pending = (lower, upper, [q])
    if pending is not None:
        out.append(pending)
    return out


SubjectKey = Tuple[Tuple[int, ...], Optional[str]]


def per_subject(assigned: Sequence[Tuple[Quantity, Groups]]) -> List[Tuple[SubjectKey, List[Quantity]]]:
    """The quantities of each subject group and component (:mod:`.pairs`), in order of first
    appearance."""
    out: Dict[SubjectKey, List[Quantity]] = {}
    for q, groups in assigned:
        for group in groups:
            out.setdefault((tuple(group), q.component), []).append(q)
    return list(out.items())


def build_constraints(assigned: Sequence[Tuple[Quantity, Groups]], index: EntityIndex,
                      scale_of: Dict[int, float], condition: Optional[int], value_words: Dict[str, float],
                      units: UnitNormalizer) -> Assembled:
    """One constraint per subject per merged bound set; ``condition`` is the CONDITION entity the
    criterion scopes its thresholds to (not given to ages)."""
    out = Assembled()
    for (key, component), qs in per_subject(assigned):
        for lower, upper, qgroup in merge_bounds(qs, index.ents, value_words):
            if lower is None and upper is None:
                continue
            record = _constraint(key, qgroup, lower, upper, index, scale_of, condition, units)
            if component is not None:
                record["subject"] = component
            out.constraints.append((record, key[-1]))
            members = _members(qgroup)
            out.used.update(key)  # the subject with its long/short form partner
            out.used.update(members)
            out.relations.extend(_relations(key[-1], qgroup, index.ents))
            if condition is not None and out.constraints[-1][0]["condition"] is not None:
                out.relations.append((key[-1], condition, "for_condition"))
    return out


def _members(qgroup: Sequence[Quantity]) -> List[int]:
    return sorted({m for q in qgroup for m in q.members()})


def _constraint(key: Tuple[int, ...], qgroup: Sequence[Quantity], lower, upper, index: EntityIndex,
                scale_of: Dict[int, float], condition: Optional[int], units: UnitNormalizer) -> dict:
    ents = index.ents
    subj = ents[key[-1]]
    unit_idx = constraint_unit(qgroup, ents, units)
    unit_text = ents[unit_idx]["text"] if unit_idx is not None else None
    scale_max = next((q.scale_max for q in qgroup if q.scale_max is not None), None)
    if scale_max is None:
        scale_max = next((scale_of[i] for i in key if i in scale_of), None)
    members = _members(qgroup)
    if index.is_added(key[-1]) or (subj.get("category") == "age" and len(qgroup) > 1):
        # an age written with each bound ("≥18 years-old and ≤45 years-old") or with none
        ends = [ents[m]["end"] for m in members] + [subj["end"]]
        subject_span = [min([ents[m]["start"] for m in members] + [subj["start"]]),
                        index.age_cue_end(max(ends))]
    else:  # a long form and its short form are one subject
        subject_span = [min(ents[i]["start"] for i in key), max(ents[i]["end"] for i in key)]
    scoped = None
    if condition is not None and subj.get("category") != "age":
        scoped = ents[condition].get("norm", ents[condition]["text"])
    return {
        "subject": subj.get("norm") or subj["text"].lower(),
        "subject_text": subj["text"],
        "category": subj.get("category") or "measurement",
        "lower": lower,
        "upper": upper,
        "unit": units.normalize(unit_text),
        "unit_text": unit_text,
        "scale_max": scale_max,
        "negated": bool(subj.get("negated")),
        "condition": scoped,
        "population": _population(qgroup),
        "span": [min([subj["start"]] + [ents[m]["start"] for m in members]),
                 max([subj["end"]] + [ents[m]["end"] for m in members])],
        "subject_span": subject_span,
        "rules": [subj["rule"]] + [ents[m]["rule"] for m in members],
        "context": {k: subj.get(k) for k in CONTEXT_FLAGS if subj.get(k)},
    }


def constraint_unit(qgroup: Sequence[Quantity], ents, units: UnitNormalizer) -> Optional[int]:
    """The unit entity of a constraint: that of its first quantity with one (:func:`unit_of`),
    unless another bound writes the same unit with an annotation, which then holds for both:
    "FEV1 ≥ 30% and < 80% predicted" is [30, 80) ``%{predicted}``, not ``%``."""
    first = unit_of(qgroup)
    if first is None:
        return None
    plain = units.normalize(ents[first]["text"])
    for q in qgroup:
        for v in q.values:
            u = q.units.get(v)
            canon = units.normalize(ents[u]["text"]) if u is not None else None
            if plain and canon and canon != plain and canon.startswith(plain + "{") and canon.endswith("}"):
                return u
    return first


def _population(qgroup: Sequence[Quantity]) -> Optional[dict]:
    """``{"sex": ...}`` when every quantity of the constraint is written for that sex, else None."""
    sexes = {q.sex for q in qgroup}
    if len(sexes) == 1 and None not in sexes:
        return {"sex": sexes.pop()}
    return None


def _relations(subject: int, qgroup: Sequence[Quantity], ents: Sequence[dict]) -> List[Tuple[int, int, str]]:
    """has_value, has_comparator and has_unit pairs of one constraint."""
    pairs = []
    for q in qgroup:
        for v in q.values:
            if ents[v]["label"] != "VALUE":  # the UNIT that holds the number ("/100", "> ULN")
                continue
            pairs.append((subject, v, "has_value"))
            for c in q.comparators:
                pairs.append((v, c, "has_comparator"))
            u = q.units.get(v, unit_of([q]))
            if u is not None:
                pairs.append((v, u, "has_unit"))
            if q.scale_unit is not None:
                pairs.append((v, q.scale_unit, "has_unit"))
    return pairs
