"""Bracketed asides: the words a reader skips between a name and what is said of it.

"AST (serum glutamic oxaloacetic transaminase [SGOT]) ≤ 3 x ULN" and "Hemoglobin (measured at
screening by the central laboratory) ≥ 9 g/dL" put an aside between the subject and its
comparator; how far apart they are is counted without it. One pure function over token texts,
used by the shape subjects (:mod:`pipeline.components.shapes`) and the subject search
(:mod:`pipeline.components.constraints.index`).
"""

from typing import List, Optional, Sequence, Tuple

OPENERS = frozenset("([")
CLOSERS = frozenset(")]")
#: how many tokens the asides of one gap may hold in all (a longer aside is no aside)
ASIDE_MAX_TOKENS = 30


def words_outside_asides(words: Sequence[str], a: int, b: int, limit: int,
                         max_aside: int = ASIDE_MAX_TOKENS) -> Optional[int]:
    """How many words (whitespace tokens aside) tokens ``a..b-1`` hold outside the brackets
    opened and closed among them, or ``None`` when more than ``limit`` or when the gap holds more
    than ``limit + max_aside`` tokens (so the scan is bounded). A bracket still open at ``b`` is
    no aside (its words and itself count); a closing bracket whose opening comes before ``a``
    counts as a word."""
    return scan_outside_asides(words, a, b, limit, max_aside)[0]


def scan_outside_asides(words: Sequence[str], a: int, b: int, limit: int,
                        max_aside: int = ASIDE_MAX_TOKENS) -> Tuple[Optional[int], int]:
    """:func:`words_outside_asides` and the number of tokens it looked at."""
    found, scanned = _outside(words, a, b, limit, max_aside)
    return (None if found is None else len(found)), scanned


def outside_asides(words: Sequence[str], a: int, b: int, limit: int,
                   max_aside: int = ASIDE_MAX_TOKENS) -> Optional[List[str]]:
    """The words (lower-cased) :func:`words_outside_asides` counts, in order: "( ULN ) (" → ["("]."""
    return _outside(words, a, b, limit, max_aside)[0]


def _outside(words: Sequence[str], a: int, b: int, limit: int, max_aside: int) -> Tuple[Optional[List[str]], int]:
    if b - a > limit + max_aside:
        return None, 0
    outside: List[str] = []
    open_groups: List[List[str]] = []  # each bracket still open: its opener, then the words inside
    k = a
    for k in range(a, min(b, len(words))):
        w = words[k]
        if w in OPENERS:
            open_groups.append([w])
        elif w in CLOSERS and open_groups:
            open_groups.pop()
        elif not w.isspace():
            if open_groups:
                open_groups[-1].append(w.lower())
            else:
                outside.append(w.lower())
                if len(outside) > limit:
                    return None, k - a + 1
    for group in open_groups:  # a bracket still open at b is no aside
        outside.extend(group)
    return (None if len(outside) > limit else outside), max(0, min(b, len(words)) - a)
