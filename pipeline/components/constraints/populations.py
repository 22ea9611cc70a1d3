"""Step 1b, populations: the group a quantity is written for ("≥ 13 g/dL (men) or ≥ 12 g/dL (women)").

A population marker names a sex next to a quantity, in one of these shapes (the words are data,
``populations`` in ``configs/constraints.json``):

- after the quantity: ``(men)``, ``(for women)``, ``for men``, ``in female subjects``, ``among males``;
  a parenthesised conversion between the two is stepped over ("≤ 12 g/dL (120 g/L) for men");
- before it, with a preposition or a colon: ``in men ≥ 13 g/dL``, ``women: ≥ 12 g/dL``;
- for several quantities at once: "≥ 1.5 mg/dL or ≥ 1.4 mg/dL in men and women, respectively"
  (the k-th quantity is for the k-th group).

Only a marker next to a quantity counts: a criterion that opens with a sex ("Female patients must
...") is not read as a population (its gold is inconsistent about it, and "The subject is male or
female and 18 to 75 years" shows how easily such a reading misfires).

A marker that names both sexes ("for men and women") names no population. A quantity with a
marker that follows another quantity with a marker for another sex, with only link words (``,``,
``or``, ``and``, ...), markers and conversions between, continues it (:attr:`Quantity.group_of`):
it bounds the same subjects as a constraint of its own, and a bare number there takes the
previous comparator ("QTc < 500 msec for men (470 msec for women)").
"""

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from pipeline.components.constraints.quantities import Quantity


@dataclass(frozen=True)
class PopulationWords:
    """The words of population markers (``populations`` in ``configs/constraints.json``)."""
    sex_words: Dict[str, str] = field(default_factory=dict)  # lower-cased word → "male" / "female"
    prepositions: frozenset = frozenset()
    nouns: frozenset = frozenset()
    respectively: frozenset = frozenset()
    links: frozenset = frozenset()

    @classmethod
    def from_dict(cls, data: dict) -> "PopulationWords":
        return cls(sex_words={k.lower(): v for k, v in data.get("sex_words", {}).items()},
                   prepositions=frozenset(w.lower() for w in data.get("prepositions", [])),
                   nouns=frozenset(w.lower() for w in data.get("nouns", [])),
                   respectively=frozenset(w.lower() for w in data.get("respectively", [])),
                   links=frozenset(w.lower() for w in data.get("links", [])))

    def to_dict(self) -> dict:
        return {"sex_words": dict(self.sex_words), "prepositions": sorted(self.prepositions),
                "nouns": sorted(self.nouns), "respectively": sorted(self.respectively),
                "links": sorted(self.links)}


class _Tokens:
    """The criterion's non-space words with their token positions."""

    def __init__(self, words: Sequence[str]):
        self.pos = [i for i, w in enumerate(words) if not w.isspace()]
        self.low = [words[i].lower() for i in self.pos]
        self.at: Dict[int, int] = {p: k for k, p in enumerate(self.pos)}

    def first_from(self, token: int) -> int:
        """The index (into ``pos``) of the first word at or after token ``token``."""
        lo, hi = 0, len(self.pos)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.pos[mid] < token:
                lo = mid + 1
            else:
                hi = mid
        return lo


def _group_after(t: _Tokens, k: int, pw: PopulationWords) -> Tuple[List[str], int]:
    """Sex words read from word ``k`` on ("men", "male subjects", "men and women"), and the index
    after them."""
    sexes: List[str] = []
    while k < len(t.low) and t.low[k] in pw.sex_words:
        sexes.append(pw.sex_words[t.low[k]])
        k += 1
        if k < len(t.low) and t.low[k] in pw.nouns:
            k += 1
        if k + 1 < len(t.low) and t.low[k] in ("and", "or", ",", "and/or") and t.low[k + 1] in pw.sex_words:
            k += 1
            continue
        break
    return sexes, k


def _marker_after(t: _Tokens, k: int, pw: PopulationWords) -> Optional[Tuple[List[str], int, bool]]:
    """A marker starting at word ``k``: (sexes, index after it, whether "respectively" ends it)."""
    paren = k < len(t.low) and t.low[k] == "("
    j = k + 1 if paren else k
    has_prep = j < len(t.low) and t.low[j] in pw.prepositions
    if has_prep:
        j += 1
    if j < len(t.low) and t.low[j] == "the":
        j += 1
    if not (paren or has_prep):
        return None
    sexes, j = _group_after(t, j, pw)
    if not sexes:
        return None
    respectively = False
    if j < len(t.low) and t.low[j] == ",":
        if j + 1 < len(t.low) and t.low[j + 1] in pw.respectively:
            j, respectively = j + 2, True
    elif j < len(t.low) and t.low[j] in pw.respectively:
        j, respectively = j + 1, True
    if paren:
        if j >= len(t.low) or t.low[j] != ")":
            return None
        j += 1
    return sexes, j, respectively


def _marker_before(t: _Tokens, k: int, pw: PopulationWords) -> Optional[Tuple[str, int]]:
    """A marker ending right before word ``k`` ("in men ≥ 13", "women: ≥ 12"): (sex, its first index)."""
    j = k - 1
    colon = j >= 0 and t.low[j] == ":"
    if colon:
        j -= 1
    if j >= 0 and t.low[j] in pw.nouns:
        j -= 1
    if j < 0 or t.low[j] not in pw.sex_words:
        return None
    sex = pw.sex_words[t.low[j]]
    start = j
    if j - 1 >= 0 and t.low[j - 1] == "the":
        j -= 1
    if j - 1 >= 0 and t.low[j - 1] in pw.prepositions:
        return sex, j - 1
    return (sex, start) if colon else None


def _conversion_end(quantities: Sequence[Quantity], qi: int, t: _Tokens, k: int) -> int:
    """After quantity ``qi``, word ``k``: the index after a parenthesised quantity that restates it
    in another unit ("(120 g/L)", "(≥ 133 µmol/L)"), else ``k``."""
    if k >= len(t.low) or t.low[k] != "(" or qi + 1 >= len(quantities):
        return k
    nxt = quantities[qi + 1]
    if t.first_from(nxt.start) != k + 1:
        return k
    end = t.first_from(nxt.end)
    if end < len(t.low) and t.low[end] == ")":
        return end + 1
    return k


def mark_populations(quantities: Sequence[Quantity], words: Sequence[str], sent_of: Sequence[int],
                     pw: PopulationWords) -> None:
    """Set :attr:`Quantity.sex` and :attr:`Quantity.group_of` on the quantities a population
    marker names (see the module docstring); quantities are in text order."""
    if not pw.sex_words or not quantities:
        return
    t = _Tokens(words)
    if not any(w in pw.sex_words for w in t.low):
        return
    conversions = set()
    spans: List[Tuple[int, int]] = []  # per quantity: word indices (start, end after marker/conversion)
    for qi, q in enumerate(quantities):
        start, end = t.first_from(q.start), t.first_from(q.end)
        if qi in conversions:
            spans.append((start, end))
            continue
        after = _conversion_end(quantities, qi, t, end)
        if after != end:
            conversions.add(qi + 1)
        marker = _marker_after(t, after, pw)
        if marker is not None:
            sexes, end, respectively = marker
            if respectively and len(sexes) > 1:
                _respectively(quantities, qi, conversions, sexes)
            elif len(set(sexes)) == 1:
                q.sex = sexes[0]
        else:
            end = after
            before = _marker_before(t, start, pw)
            if before is not None:
                q.sex, start = before
        spans.append((start, end))
    _link_groups(quantities, spans, conversions, t, sent_of, pw)


def _respectively(quantities: Sequence[Quantity], qi: int, conversions: set, sexes: List[str]) -> None:
    """"≥ 1.5 or ≥ 1.4 mg/dL in men and women, respectively": the k-th of the last quantities
    (conversions aside) is for the k-th group."""
    own = [i for i in range(qi + 1) if i not in conversions][-len(sexes):]
    if len(own) != len(sexes):
        return
    for i, sex in zip(own, sexes):
        quantities[i].sex = sex


def _link_groups(quantities: Sequence[Quantity], spans: List[Tuple[int, int]], conversions: set,
                 t: _Tokens, sent_of: Sequence[int], pw: PopulationWords) -> None:
    prev: Optional[int] = None
    for qi, q in enumerate(quantities):
        if qi in conversions:
            continue
        if q.sex is not None and prev is not None:
            p = quantities[prev]
            between = t.low[spans[prev][1]:spans[qi][0]]
            if p.sex is not None and p.sex != q.sex and sent_of[p.start] == sent_of[q.start] \
                    and all(w in pw.links for w in between):
                q.group_of = p
                if q.bare and not p.bare and p.op != "=":
                    q.op, q.bare = p.op, False  # "(470 msec for women)": the comparator of "< 500 msec"
        prev = qi



def with_population(constraints: Sequence[dict]) -> None:
    """Give every constraint a ``population`` key (None when no marker names one), whatever step
    made it, so every record has the same fields."""
    for c in constraints:
        c.setdefault("population", None)
