"""Agreement between two annotators' records (gold JSONL format), as pure functions.

Criteria are paired by ``criterion_id``; only criteria both annotators have (with the same text)
are compared. Measures:

* span F1 with exact match of offsets and label (``spans``), and of offsets alone (``spans_unlabelled``,
  which tells boundary disagreements from label ones), overall and per label;
* relation F1, a relation matching when its type and both end spans (offsets and label) match;
* Cohen's kappa over the non-blank characters of the compared texts: each character's category is
  the set of labels of the spans covering it (none: outside); overall (``kappa_chars``) and per label
  (inside / outside spans of that label). Kappa is ``None`` where it is undefined (both annotators
  put every character in one same category).

F1 between annotators is symmetric: precision and recall swap when A and B swap. Figures follow
:func:`pipeline.evaluation.metrics.precision_recall_f1`: ``None`` where there is nothing to count.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from pipeline.evaluation.metrics import precision_recall_f1

Span = Tuple[int, int, str]


@dataclass
class PRF:
    """Counts of matches: ``a`` items of A, ``b`` items of B, ``both`` in both."""

    a: int = 0
    b: int = 0
    both: int = 0

    def add(self, xs: Iterable, ys: Iterable) -> None:
        xs, ys = set(xs), set(ys)
        self.a += len(xs)
        self.b += len(ys)
        self.both += len(xs & ys)

    def _prf(self) -> Tuple[Optional[float], Optional[float], Optional[float]]:
        # A is the reference: B's items are the "predictions"
        return precision_recall_f1(self.both, self.b - self.both, self.a - self.both)

    @property
    def precision(self) -> Optional[float]:
        """Share of B's items that A has (A taken as reference)."""
        return self._prf()[0]

    @property
    def recall(self) -> Optional[float]:
        return self._prf()[1]

    @property
    def f1(self) -> Optional[float]:
        return self._prf()[2]

    def to_dict(self) -> dict:
        return {
            "a": self.a,
            "b": self.b,
            "both": self.both,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


def _spans(record: Mapping[str, Any]) -> set:
    return {(e["start_offset"], e["end_offset"], e["label"]) for e in record.get("entities") or []}


def _relations(record: Mapping[str, Any]) -> set:
    by_id = {e["id"]: (e["start_offset"], e["end_offset"], e["label"]) for e in record.get("entities") or []}
    return {(by_id.get(r["from_id"]), by_id.get(r["to_id"]), r["type"]) for r in record.get("relations") or []}


def pair_records(
    a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]]
) -> Tuple[List[Tuple[Mapping[str, Any], Mapping[str, Any]]], Dict[str, List[str]]]:
    """Pairs of records of the same criterion (A order), and the criterion ids left out, by reason."""
    by_b = {r.get("criterion_id"): r for r in b}
    ids_a = {r.get("criterion_id") for r in a}
    pairs = []
    left = {"only_a": [], "only_b": [], "text_differs": []}
    for ra in a:
        cid = ra.get("criterion_id")
        rb = by_b.get(cid)
        if rb is None:
            left["only_a"].append(cid)
        elif ra.get("text") != rb.get("text"):
            left["text_differs"].append(cid)
        else:
            pairs.append((ra, rb))
    left["only_b"] = [r.get("criterion_id") for r in b if r.get("criterion_id") not in ids_a]
    return pairs, left


def span_agreement(pairs: Sequence[Tuple[Mapping, Mapping]], labelled: bool = True) -> Tuple[PRF, Dict[str, PRF]]:
    """Exact-span F1 (with the label when ``labelled``), overall and per label."""
    total = PRF()
    per_label: Dict[str, PRF] = {}
    for ra, rb in pairs:
        sa, sb = _spans(ra), _spans(rb)
        if labelled:
            total.add(sa, sb)
            for label in {s[2] for s in sa | sb}:
                per_label.setdefault(label, PRF()).add(
                    {s for s in sa if s[2] == label}, {s for s in sb if s[2] == label}
                )
        else:
            total.add({s[:2] for s in sa}, {s[:2] for s in sb})
    return total, dict(sorted(per_label.items()))


def relation_agreement(pairs: Sequence[Tuple[Mapping, Mapping]]) -> Tuple[PRF, Dict[str, PRF]]:
    """Relation F1 (type and both end spans exact), overall and per type."""
    total = PRF()
    per_type: Dict[str, PRF] = {}
    for ra, rb in pairs:
        xa, xb = _relations(ra), _relations(rb)
        total.add(xa, xb)
        for t in {x[2] for x in xa | xb}:
            per_type.setdefault(t, PRF()).add({x for x in xa if x[2] == t}, {x for x in xb if x[2] == t})
    return total, dict(sorted(per_type.items()))


def cohen_kappa(xs: Sequence[Any], ys: Sequence[Any]) -> Optional[float]:
    """Cohen's kappa of two equally long label sequences (``None`` when undefined)."""
    if len(xs) != len(ys):
        raise ValueError("kappa needs two sequences of the same length")
    n = len(xs)
    if n == 0:
        return None
    observed = sum(x == y for x, y in zip(xs, ys)) / n
    ca, cb = Counter(xs), Counter(ys)
    expected = sum(ca[k] * cb[k] for k in ca) / (n * n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


def _char_categories(record: Mapping[str, Any]) -> List[frozenset]:
    text = record.get("text") or ""
    cats: List[set] = [set() for _ in text]
    for s, e, label in _spans(record):
        for i in range(max(0, s), min(len(text), e)):
            cats[i].add(label)
    return [frozenset(c) for c, ch in zip(cats, text) if not ch.isspace()]


def char_kappa(
    pairs: Sequence[Tuple[Mapping, Mapping]], labels: Optional[Iterable[str]] = None
) -> Tuple[Optional[float], Dict[str, Optional[float]]]:
    """Kappa over non-blank characters: overall (category = set of covering labels) and per label."""
    xs: List[frozenset] = []
    ys: List[frozenset] = []
    for ra, rb in pairs:
        xs.extend(_char_categories(ra))
        ys.extend(_char_categories(rb))
    used = set(labels or ()) | {lab for c in xs + ys for lab in c}
    per_label = {lab: cohen_kappa([lab in c for c in xs], [lab in c for c in ys]) for lab in sorted(used)}
    return cohen_kappa(xs, ys), per_label


@dataclass
class Agreement:
    criteria: int
    left_out: Dict[str, List[str]]
    spans: PRF
    spans_unlabelled: PRF
    spans_per_label: Dict[str, PRF]
    relations: PRF
    relations_per_type: Dict[str, PRF]
    kappa_chars: Optional[float]
    kappa_per_label: Dict[str, Optional[float]]
    characters: int
    disagreements: List[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "criteria": self.criteria,
            "left_out": self.left_out,
            "spans": self.spans.to_dict(),
            "spans_unlabelled": self.spans_unlabelled.to_dict(),
            "spans_per_label": {k: v.to_dict() for k, v in self.spans_per_label.items()},
            "relations": self.relations.to_dict(),
            "relations_per_type": {k: v.to_dict() for k, v in self.relations_per_type.items()},
            "kappa_chars": self.kappa_chars,
            "kappa_per_label": self.kappa_per_label,
            "characters": self.characters,
            "disagreements": self.disagreements,
        }


def disagreements(pairs: Sequence[Tuple[Mapping, Mapping]]) -> List[dict]:
    """Per criterion where A and B differ: the spans and relations only one of them has."""
    out = []
    for ra, rb in pairs:
        sa, sb = _spans(ra), _spans(rb)
        xa, xb = _relations(ra), _relations(rb)
        if sa == sb and xa == xb:
            continue
        text = ra.get("text") or ""

        def show(spans):
            return [{"start": s, "end": e, "label": lab, "text": text[s:e]} for s, e, lab in sorted(spans)]

        def show_rel(rels):
            return [
                {
                    "type": t,
                    "from": text[f[0] : f[1]] if f else None,
                    "to": text[g[0] : g[1]] if g else None,
                    "from_span": f,
                    "to_span": g,
                }
                for f, g, t in sorted(rels, key=lambda x: (x[2], str(x[0]), str(x[1])))
            ]

        out.append(
            {
                "criterion_id": ra.get("criterion_id"),
                "spans_only_a": show(sa - sb),
                "spans_only_b": show(sb - sa),
                "relations_only_a": show_rel(xa - xb),
                "relations_only_b": show_rel(xb - xa),
            }
        )
    return out


def agreement(
    a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]], labels: Optional[Iterable[str]] = None
) -> Agreement:
    """All the measures for annotator A's and annotator B's records."""
    pairs, left = pair_records(a, b)
    spans, per_label = span_agreement(pairs, labelled=True)
    unlabelled, _ = span_agreement(pairs, labelled=False)
    rels, per_type = relation_agreement(pairs)
    kappa, kappa_labels = char_kappa(pairs, labels)
    chars = sum(len(_char_categories(ra)) for ra, _ in pairs)
    return Agreement(
        criteria=len(pairs),
        left_out=left,
        spans=spans,
        spans_unlabelled=unlabelled,
        spans_per_label=per_label,
        relations=rels,
        relations_per_type=per_type,
        kappa_chars=kappa,
        kappa_per_label=kappa_labels,
        characters=chars,
        disagreements=disagreements(pairs),
    )
