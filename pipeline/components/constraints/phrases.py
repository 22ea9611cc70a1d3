"""Words around a character offset, the short phrase they make, and the record of a constraint
whose subject is such a phrase rather than an entity: what :mod:`.counts` and :mod:`.grades`
share ("at least 2 *prior lines of therapy*", "*peripheral neuropathy* ≥ CTCAE grade 2")."""

import re
from typing import Iterable, List, NamedTuple, Optional, Sequence

#: a word (letters or digits, inner hyphens, slashes, apostrophes and dots: "graft-versus-host",
#: "e.g.", "5.0") or one punctuation mark
_WORD = re.compile(r"[^\W_](?:[\w'’+/-]|\.(?=\w))*|[^\w\s]")


class Word(NamedTuple):
    text: str
    start: int
    end: int

    @property
    def lower(self) -> str:
        return self.text.lower()

    @property
    def alpha(self) -> bool:
        """A word that starts with a letter (not a number, not punctuation)."""
        return self.text[:1].isalpha()


def words_after(text: str, pos: int, limit: int) -> List[Word]:
    """Up to ``limit`` words and punctuation marks from character ``pos`` on."""
    out: List[Word] = []
    for m in _WORD.finditer(text, pos):
        if len(out) == limit:
            break
        out.append(Word(m.group(), m.start(), m.end()))
    return out


def words_before(text: str, pos: int, limit: int, window: int = 200) -> List[Word]:
    """Up to ``limit`` words and punctuation marks ending by character ``pos``, nearest first
    (read within ``window`` characters before ``pos``)."""
    lo = max(0, pos - window)
    found = list(_WORD.finditer(text, lo, pos))
    if lo > 0 and found and found[0].start() == lo:
        found = found[1:]  # may be the tail of a longer word
    return [Word(m.group(), m.start(), m.end()) for m in found[::-1][:limit]]  # a Word only for those kept


def leading_phrase(words: Sequence[Word], stops: Iterable[str], max_words: int) -> List[Word]:
    """The words at the start of ``words`` that make a phrase: words starting with a letter,
    none in ``stops`` (lower-cased), at most ``max_words``."""
    stops = stops if isinstance(stops, (set, frozenset)) else frozenset(stops)
    out: List[Word] = []
    for w in words:
        if len(out) == max_words or not w.alpha or w.lower in stops:
            break
        out.append(w)
    return out


def phrase_record(*, subject: str, subject_span: Sequence[int], subject_text: str, category: str,
                  lower: Optional[dict], upper: Optional[dict], span: Sequence[int], rules: List[str],
                  unit: Optional[str] = None, scale_max=None, condition: Optional[str] = None,
                  negated: bool = False, context: Optional[dict] = None) -> dict:
    """A constraint record with the same keys as those :mod:`.bounds` makes."""
    return {
        "subject": subject,
        "subject_text": subject_text,
        "category": category,
        "lower": lower,
        "upper": upper,
        "unit": unit,
        "unit_text": None,
        "scale_max": scale_max,
        "negated": negated,
        "condition": condition,
        "span": [span[0], span[1]],
        "subject_span": [subject_span[0], subject_span[1]],
        "rules": rules,
        "context": dict(context or {}),
    }
