"""The criterion's record: the entities kept (with ids), NEGATION cues, relations (with
``has_temporal``) and the constraints pointing at their subject's id."""

from bisect import bisect_right
from collections import Counter
from typing import Dict, List, Optional, Sequence, Tuple

from pipeline.components.constraints.bounds import Assembled
from pipeline.components.constraints.config import AssemblyConfig
from pipeline.components.constraints.index import Criterion
from pipeline.components.constraints.negation import negation_cues

#: labels kept only when a constraint uses them
PART_LABELS = ("VALUE", "UNIT", "COMPARATOR", "CUE")


def build_record(criterion: Criterion, ents: Sequence[dict], assembled: Assembled,
                 negation_modifiers: Sequence[dict], config: AssemblyConfig,
                 work: Optional[Counter] = None) -> dict:
    """``{"entities", "relations", "constraints"}`` for one criterion."""
    keep = kept_entities(ents, assembled.used)
    kept_spans = {(ents[i]["start"], ents[i]["end"]): i for i in keep}
    cues = negation_cues(criterion, negation_modifiers, kept_spans, config.non_clinical, config.phrase_words)
    pairs = assembled.relations + temporal_relations(ents, keep, criterion.sent_of, config.temporal_stop_labels,
                                                     config.limits.temporal_max_gap, work)
    records, new_id, cue_ids = _numbered(ents, keep, cues)
    relations = []
    seen = set()
    for a, b, kind in pairs:
        if a in new_id and b in new_id and (a, b, kind) not in seen:
            seen.add((a, b, kind))
            relations.append({"id": len(relations) + 1, "from": new_id[a], "to": new_id[b], "type": kind})
    for k, (_, targets) in enumerate(cues):
        for t in targets:
            relations.append({"id": len(relations) + 1, "from": cue_ids[k], "to": new_id[t], "type": "negates"})
    constraints = []
    for constraint, subject in assembled.constraints:
        constraint["subject_id"] = new_id.get(subject)
        constraints.append(constraint)
    return {"entities": records, "relations": relations, "constraints": constraints}


def kept_entities(ents: Sequence[dict], used: set) -> List[int]:
    """Value, unit, comparator and cue entities only when a constraint uses them; measurements
    also when negated or carrying a result; everything else always."""
    keep: List[int] = []
    for idx, e in enumerate(ents):
        label = e["label"]
        if label in PART_LABELS:
            if idx in used:
                keep.append(idx)
        elif label == "MEASUREMENT":
            if idx in used or e.get("negated") or e.get("result"):
                keep.append(idx)
        else:
            keep.append(idx)
    return keep


def _numbered(ents: Sequence[dict], keep: Sequence[int], cues: Sequence[Tuple[dict, List[int]]]):
    """Entity records (kept entities and cues, in text order) with ids from 1; the id of each
    kept entity index and of each cue."""
    records: List[dict] = []
    new_id: Dict[int, int] = {}
    cue_ids: Dict[int, int] = {}
    items = [(ents[i]["start"], ents[i]["end"], "e", i) for i in keep] + \
            [(c[0]["start"], c[0]["end"], "n", k) for k, c in enumerate(cues)]
    for _, _, kind, ref in sorted(items):
        eid = len(records) + 1
        if kind == "e":
            rec = {"id": eid, **ents[ref]}
            rec.pop("token_start", None)
            rec.pop("token_end", None)
            new_id[ref] = eid
        else:
            rec = {"id": eid, **cues[ref][0], "negated": False}
            cue_ids[ref] = eid
        records.append(rec)
    return records, new_id, cue_ids


def temporal_relations(ents: Sequence[dict], keep: Sequence[int], sent_of: Sequence[int],
                       stop_labels: frozenset, max_gap: int,
                       work: Optional[Counter] = None) -> List[Tuple[int, int, str]]:
    """has_temporal: a TEMPORAL span belongs to the subject or condition before it, within
    ``max_gap`` tokens (the factory setting ``temporal_max_gap``) in its sentence, unless another TEMPORAL span comes between
    (``stop_labels``, ``temporal_stops`` in ``configs/constraints.json``, end the search).
    Of the kept entities ending before the span, the last in list order that is a subject, a
    condition or a TEMPORAL span decides (an implicit age, added last, comes first)."""
    temporal = [k for k in keep if ents[k]["label"] == "TEMPORAL"]
    if not temporal:
        return []
    stops = sorted((ents[k]["end"], k) for k in keep if ents[k]["label"] in stop_labels)
    ends = [end for end, _ in stops]
    latest: List[int] = []  # the highest entity index among stops[:i+1]
    for _, k in stops:
        latest.append(max(k, latest[-1]) if latest else k)
    pairs = []
    for idx in temporal:
        e = ents[idx]
        if work is not None:
            work["temporal"] += 1
        n = bisect_right(ends, e["start"])
        if n == 0:
            continue
        jdx = latest[n - 1]
        o = ents[jdx]
        if o["label"] != "TEMPORAL" and sent_of[o["token_start"]] == sent_of[e["token_start"]] and \
                e["token_start"] - o["token_end"] <= max_gap:
            pairs.append((jdx, idx, "has_temporal"))
    return pairs

