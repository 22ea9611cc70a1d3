"""Bracketed asides: the words a reader skips between a name and what is said of it.

"AST (serum glutamic oxaloacetic transaminase [SGOT]) ≤ 3 x ULN" and "Hemoglobin (measured at
screening by the central laboratory) ≥ 9 g/dL" put an aside between the subject and its
comparator; how far apart they are is counted without it. Pure functions over token texts, used
by the shape subjects (:mod:`pipeline.components.shapes`), the subject search
(:mod:`pipeline.components.constraints.index`) and the sentence splitter
(:mod:`pipeline.components.sentences`: a breaker inside brackets ends no sentence).
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
    found, _ = scan_outside_asides(words, a, b, limit, max_aside)
    return None if found is None else len(found)


def scan_outside_asides(words: Sequence[str], a: int, b: int, limit: int,
                        max_aside: int = ASIDE_MAX_TOKENS) -> Tuple[Optional[List[str]], int]:
    """The words (lower-cased, in order) :func:`words_outside_asides` counts, or ``None``, and
    the number of tokens looked at: "( ULN ) (" → ``["("]``."""
    if b - a > limit + max_aside:
        return None, 0
    outside: List[str] = []
    open_groups: List[List[str]] = []  # each bracket still open: its opener, then the words inside
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


def enclosed_tokens(words: Sequence[str]) -> List[bool]:
    """For each token, whether it stands inside a bracket that closes later ("(<7 kg/m² in men;
    <5.7 kg/m² in women)"); a bracket never closed encloses nothing."""
    enclosed = [False] * len(words)
    stack: List[int] = []
    for k, w in enumerate(words):
        if w in OPENERS:
            stack.append(k)
        elif w in CLOSERS and stack:
            start = stack.pop()
            if not stack:
                for j in range(start + 1, k):
                    enclosed[j] = True
    return enclosed
