"""Positional questions about one criterion's tokens and entity records, answered without a pass
over every entity or token, so that assembling a long criterion stays linear in its length."""

from bisect import bisect_left, insort
from collections import Counter
from dataclasses import dataclass
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from pipeline.core.brackets import CLOSERS, OPENERS, scan_outside_asides

SUBJECT_LABELS = ("MEASUREMENT", "SCORE")


@dataclass(frozen=True)
class Criterion:
    """One criterion's text and tokens: token texts, sentence number and first character per token."""
    text: str
    words: Sequence[str]
    sent_of: Sequence[int]
    token_starts: Optional[Sequence[int]] = None


class _built_once:
    """A property computed on first use and kept (``functools.cached_property`` without its lock:
    an index belongs to one call)."""

    def __init__(self, method):
        self.method = method
        self.name = method.__name__
        self.__doc__ = method.__doc__

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.method(obj)
        return value


class EntityIndex:
    """The positional questions assembly asks of one criterion, answered without a pass over
    every entity or token (a long criterion with many numbers stays linear): which subjects end
    before or start after a token, which words stand between two tokens (up to a limit), whether
    a quantity claims any of them, which parenthesis is open at a token.

    ``ents`` must be sorted by position (as every component leaves them); subjects added later
    (implicit ages, :meth:`add`) are indexed for the leftward questions, the only ones that can
    reach them (quantities are assembled left to right, and an implicit age is the unit of the
    quantity being assembled). ``work`` counts the candidates and words examined, per step, so
    tests can check that the work grows linearly with the input."""

    def __init__(self, words: Sequence[str], sent_of: Sequence[int], ents: List[dict],
                 coordinators: Iterable[str] = (), work: Optional[Counter] = None,
                 coordinator_followers: Iterable[str] = ()):
        self.words = words
        self.sent_of = sent_of
        self.ents = ents
        self.coordinators = frozenset(coordinators)
        self.coordinator_followers = frozenset(coordinator_followers)
        self.work = work if work is not None else Counter()
        self.n_original = len(ents)
        self._claimed: List[int] = []  # sorted
        starts = [e["start"] for e in ents]
        if starts != sorted(starts):
            k = next(k for k in range(1, len(starts)) if starts[k] < starts[k - 1])
            raise ValueError(f"entities must be sorted by position: {ents[k]['text']!r} at character "
                             f"{starts[k]} follows {ents[k - 1]['text']!r} at character {starts[k - 1]}")

    def is_added(self, i: int) -> bool:
        """Whether entity ``i`` is a subject :meth:`add` appended (an implicit age), not one of
        the criterion's entities."""
        return i >= self.n_original

    def add(self, ent: dict) -> int:
        """Append a subject found later (an implicit age); returns its index."""
        i = len(self.ents)
        self.ents.append(ent)
        built = self.__dict__
        if "_by_end" in built:
            insort(self._by_end, (-ent["token_end"], -ent["token_start"], i))
        if "_subject_ends" in built:
            self._subject_ends.add(ent["token_end"])
        if "_age_at" in built and ent.get("norm") == "age":
            self._age_at.setdefault(ent["start"], i)
        return i

    # ---- words between tokens
    def between(self, a: int, b: int, limit: int, lower: bool = True) -> Optional[List[str]]:
        """The words (not whitespace; lower-cased unless ``lower`` is false) of tokens
        ``a..b-1``, or ``None`` when there are more than ``limit``."""
        out: List[str] = []
        words = self.words
        for k in range(a, min(b, len(words))):
            w = words[k]
            if w.isspace():
                continue
            if len(out) == limit:
                self.work["words"] += len(out) + 1
                return None
            out.append(w.lower() if lower else w)
        self.work["words"] += len(out)
        return out

    def gap_words(self, a: int, b: int, limit: int) -> Optional[int]:
        """How many words tokens ``a..b-1`` hold outside the bracketed asides closed among them
        (:func:`~pipeline.core.brackets.words_outside_asides`), or ``None`` when more than ``limit``."""
        found = self.words_outside_asides(a, b, limit)
        return None if found is None else len(found)

    def words_outside_asides(self, a: int, b: int, limit: int) -> Optional[List[str]]:
        """The words (lower-cased) of tokens ``a..b-1`` outside the bracketed asides closed among
        them, or ``None`` when more than ``limit``: "(ULN) (" → ["("]."""
        found, scanned = scan_outside_asides(self.words, a, b, limit)
        self.work["words"] += scanned
        return found

    def joins(self, a: int, b: int, same: bool = False) -> Optional[str]:
        """What the words of tokens ``a..b-1`` make of the subjects they separate: ``"short"``
        for a long form and its "(short form)" (or, when ``same``, the same subject written
        again around parentheses), ``"list"`` for coordinated subjects ("AST, ALT"; "X or the Y": a
        coordinator follower after a coordinator), else None."""
        words, coordinators = self.words, self.coordinators
        n = 0
        first = None
        all_parens = True
        any_coordinator = False
        for k in range(a, min(b, len(words))):
            w = words[k]
            if w.isspace():
                continue
            w = w.lower()
            n += 1
            self.work["words"] += 1
            paren = w in OPENERS or w in CLOSERS
            coordinator = w in coordinators
            if not (paren or coordinator):
                if any_coordinator and w in self.coordinator_followers:
                    continue  # "X or the Y"
                return None  # neither a short form nor a list
            first = first or w
            all_parens = all_parens and paren
            any_coordinator = any_coordinator or coordinator
        if n == 1 and first in OPENERS:
            return "short"
        if same and all_parens:
            return "short"
        if n and any_coordinator:
            return "list"
        return None

    def claim(self, tokens: set) -> None:
        """The tokens quantities claim (no subject is looked for across them)."""
        self._claimed = sorted(tokens)

    def claimed(self, a: int, b: int) -> bool:
        """Whether a quantity claims any of tokens ``a..b-1``."""
        self.work["words"] += 1
        claimed = self._claimed
        k = bisect_left(claimed, a)
        return k < len(claimed) and claimed[k] < b

    # ---- parentheses
    @_built_once
    def _parens(self) -> Tuple[List[int], List[int]]:
        """The "(" and ")" tokens, and the innermost "(" still open after each (-1 if none)."""
        positions = [k for k, w in enumerate(self.words) if w == "(" or w == ")"]
        open_after: List[int] = []
        stack: List[int] = []
        for k in positions:
            if self.words[k] == "(":
                stack.append(k)
            elif stack:
                stack.pop()
            open_after.append(stack[-1] if stack else -1)
        return positions, open_after

    def open_paren_before(self, token: int) -> int:
        """The innermost "(" still open before ``token`` (-1 if none)."""
        positions, open_after = self._parens
        k = bisect_left(positions, token) - 1
        return open_after[k] if k >= 0 else -1

    def close_paren_in(self, a: int, b: int) -> Optional[int]:
        """The first ")" among tokens ``a..b-1``."""
        positions, _ = self._parens
        k = bisect_left(positions, a)
        while k < len(positions) and positions[k] < b:
            if self.words[positions[k]] == ")":
                return positions[k]
            k += 1
        return None

    # ---- subjects (each table built on first use)
    @_built_once
    def _by_end(self) -> List[Tuple[int, int, int]]:
        """All subjects (added ones too) as ``(-token_end, -token_start, index)``: nearest end first."""
        return sorted([(-e["token_end"], -e["token_start"], i) for i, e in enumerate(self.ents)
                       if e["label"] in SUBJECT_LABELS])

    @_built_once
    def _subject_ends(self) -> set:
        return {e["token_end"] for e in self.ents if e["label"] in SUBJECT_LABELS}

    @_built_once
    def _right(self) -> Tuple[List[int], List[int]]:
        """Original subjects, left to right: their first tokens and their indices."""
        indices = [i for i, e in enumerate(self.ents[:self.n_original]) if e["label"] in SUBJECT_LABELS]
        return [self.ents[i]["token_start"] for i in indices], indices

    @_built_once
    def _scores(self) -> Tuple[List[int], List[int], List[int]]:
        """SCORE entities, left to right: their first tokens, first characters and indices."""
        indices = [i for i, e in enumerate(self.ents[:self.n_original]) if e["label"] == "SCORE"]
        return ([self.ents[i]["token_start"] for i in indices], [self.ents[i]["start"] for i in indices],
                indices)

    @_built_once
    def _previous(self) -> List[int]:
        """The last subject or CONDITION at or before each original entity (-1 if none)."""
        out: List[int] = []
        last = -1
        for i, e in enumerate(self.ents[:self.n_original]):
            if e["label"] in SUBJECT_LABELS or e["label"] == "CONDITION":
                last = i
            out.append(last)
        return out

    @_built_once
    def _age_at(self) -> Dict[int, int]:
        """Character start → the first entity there whose norm is "age"."""
        out: Dict[int, int] = {}
        for i, e in enumerate(self.ents):
            if e.get("norm") == "age":
                out.setdefault(e["start"], i)
        return out

    def subjects_ending_by(self, token: int) -> Iterator[int]:
        """Subjects (added ones too) ending at or before ``token``, nearest first."""
        by_end = self._by_end
        for k in range(bisect_left(by_end, (-token,)), len(by_end)):
            self.work["subjects"] += 1
            yield by_end[k][2]

    def subjects_starting_from(self, token: int) -> Iterator[int]:
        """Original subjects starting at or after ``token``, left to right."""
        starts, indices = self._right
        for k in range(bisect_left(starts, token), len(indices)):
            self.work["subjects"] += 1
            yield indices[k]

    def first_subject_from(self, token: int) -> Optional[int]:
        return next(self.subjects_starting_from(token), None)

    def scores_starting_in(self, lo: int, hi: int) -> Iterator[int]:
        """SCORE entities whose first token is in ``lo..hi`` (both included), left to right."""
        starts, _, indices = self._scores
        for k in range(bisect_left(starts, lo), len(starts)):
            if starts[k] > hi:
                return
            self.work["subjects"] += 1
            yield indices[k]

    def scores_at_chars(self, lo: int, hi: int) -> Iterator[int]:
        """SCORE entities whose first character is in ``lo..hi-1``, left to right."""
        _, starts, indices = self._scores
        for k in range(bisect_left(starts, lo), len(starts)):
            if starts[k] >= hi:
                return
            self.work["subjects"] += 1
            yield indices[k]

    def has_subject_ending_at(self, token: int) -> bool:
        return token in self._subject_ends

    def previous_subject_or_condition(self, i: int) -> int:
        """The last original subject or CONDITION at or before entity ``i`` (-1 if none)."""
        return self._previous[i] if i >= 0 else -1

    def age_cue_end(self, end: int) -> int:
        """Extend an age span over an age word right after it ("... 45 years-old")."""
        age_at = self._age_at
        found = [i for i in (age_at.get(end), age_at.get(end + 1)) if i is not None]
        return self.ents[min(found)]["end"] if found else end

    @_built_once
    def _spans(self) -> Dict[Tuple[str, int, int], List[int]]:
        out: Dict[Tuple[str, int, int], List[int]] = {}
        for i, e in enumerate(self.ents):
            out.setdefault((e["label"], e["start"], e["end"]), []).append(i)
        return out

    def with_span(self, label: str, start: int, end: int) -> List[int]:
        """Entities with this label and exactly these character offsets."""
        return self._spans.get((label, start, end), [])

