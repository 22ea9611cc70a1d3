"""Literal prefilters: skip an entity regex on a text that cannot contain a match.

Most entity regexes match only a few criteria, yet running each on every criterion was the
largest cost of the pipeline. Two sound tests, derived once from each pattern's parse tree,
decide cheaply that a regex cannot match a text, so it is not run there:

- :func:`regex_prefilter`: literal strings (case-folded for case-insensitive rules) of which at
  least one must occur per clause ("mg" or "kg"; a digit);
- :func:`after_digit_prefilter`: for the patterns that start with a lookbehind ending in a digit
  and a bounded tail (most unit rules; alternations of such patterns too), the characters a match
  can start with and how far after a digit it can start.

:class:`RulePrefilter` applies both to a set of rules: one Aho-Corasick pass over the text (and
one over its case-folded form) finds every literal at once, and an index from literal to rules
yields the few rules worth running. Pure functions, tested directly, including the guarantee that
no rule is ever skipped on a text it matches (``tests/test_prefilter.py``).
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

import regex
from ahocorasick_rs import AhoCorasick, MatchKind

#: an atom is (kind, text): ("raw", s) — s occurs in the text; ("fold", s) — s (ASCII, case-folded)
#: occurs in the case-folded text; DIGIT — a decimal digit (\\d) occurs in the text
DIGIT = ("digit", "")
_DIGIT_RX = regex.compile(r"\d")
_DIGITS_RX = regex.compile(r"\d+")
#: a word character, as ``\b`` of the ``regex`` module sees it
_WORD_CHAR = regex.compile(r"\w")
#: the atoms of a literal that a \b precedes ("\bten\b"): ("wraw", s) — s occurs in the text at
#: the start of a word, i.e. not just after a word character; ("wfold", s) — the same in the
#: case-folded text. Tested as such only in ASCII texts (where a position in the case-folded text
#: is the same position in the text); in others as the plain "raw"/"fold" atom
#: after str.casefold(): characters the regex module matches case-insensitively to an ASCII letter
#: that casefold() maps elsewhere: "İ" (casefold "i" + U+0307) and dotless "ı" both match "i"
_FOLD_FIX = {0x307: None, 0x131: "i"}
#: a "{" that does not open a repeat count {m}, {m,}, {,n}, {m,n} (and is not escaped)
_ODD_BRACE = regex.compile(r"(?<!\\)(?:\\\\)*\{(?!\d*,?\d*\})")


#: clauses with more literals than this, single characters among them, are not tested ("[A-Za-z]":
#: 52 letters, nearly always there); longer literals cost one Aho-Corasick pass however many
_MAX_ATOMS = 16


class _NoPrefilter(Exception):
    pass


try:
    from re import _constants as sre_c, _parser as sre_parse
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants as sre_c  # type: ignore
    import sre_parse  # type: ignore


def _sre_parse(pattern: str):
    """``pattern``'s parse tree by Python's own regex parser, or ``None`` when that tree may not
    describe what the ``regex`` module does with the pattern (its own syntax, global flags other
    than ``i``), so no prefilter may be derived from it."""
    if "[[:" in pattern or "\\p" in pattern or "\\P" in pattern or "\\X" in pattern:
        return None
    if _ODD_BRACE.search(pattern):  # "{e<=1}" is fuzzy matching to regex, literal text to Python
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            parsed = sre_parse.parse(pattern)
    except Exception:
        return None
    c = sre_c
    if parsed.state.flags & (c.SRE_FLAG_VERBOSE | c.SRE_FLAG_MULTILINE | c.SRE_FLAG_DOTALL | c.SRE_FLAG_ASCII
                             | c.SRE_FLAG_LOCALE):
        return None
    return parsed


def regex_prefilter(pattern: str, ignorecase: bool) -> Optional[Tuple[FrozenSet[tuple], ...]]:
    """Clauses that every text with a match of ``pattern`` satisfies, or ``None`` when none can
    be derived.

    Each clause is a set of atoms (see :data:`DIGIT`), at least one of which occurs in any text
    the pattern matches. They come from the pattern's parse tree: literal runs, character sets,
    alternations (the best clause of each alternative, joined), repeats of at least one, groups and
    positive lookarounds (their text must be there too). Case-insensitive literals keep only their
    ASCII parts (and uncased symbols), case-folded, and are looked for in the text case-folded the
    same way (see :data:`_FOLD_FIX`): every character that the ``regex`` module matches to them
    case-insensitively folds to them (checked over all of Unicode for regex 2026.11.19). Anything
    the analysis does not model (scoped flags other than ``i``, back-references, syntax of the
    ``regex`` module that Python's parser reads differently or not at all) gives ``None``, and the
    regex always runs. So a prefilter only ever skips a text on which the regex finds nothing.
    """
    parsed = _sre_parse(pattern)
    if parsed is None:
        return None
    c = sre_c
    flags = parsed.state.flags
    repeats = (c.MAX_REPEAT, c.MIN_REPEAT) + ((c.POSSESSIVE_REPEAT,) if hasattr(c, "POSSESSIVE_REPEAT") else ())
    digit_categories = {c.CATEGORY_DIGIT, getattr(c, "CATEGORY_UNI_DIGIT", c.CATEGORY_DIGIT)}

    def literal_clauses(text: str, fold: bool, word_start: bool = False) -> List[FrozenSet[tuple]]:
        # word_start: a \\b stands just before the run, so a run beginning with an ASCII letter
        # or digit begins a word of the text (a "wraw"/"wfold" atom, see _WORD_CHAR)
        word_start = word_start and text[0].isascii() and text[0].isalnum()
        if not fold:
            return [frozenset([("wraw" if word_start and len(text) > 1 else "raw", text)])]
        parts, cur = [], []
        for ch in text + "\uffff":  # characters with case folding outside ASCII split the run
            if foldable(ch):
                cur.append(ch)
            elif cur:
                parts.append("".join(cur))
                cur = []
        return [frozenset([("wfold" if i == 0 and word_start and len(part) > 1 else "fold", part.casefold())])
                for i, part in enumerate(parts)]

    def char_class(items, fold: bool) -> List[FrozenSet[tuple]]:
        atoms = set()
        for op, av in items:
            if op is c.LITERAL:
                ch = chr(av)
                if "0" <= ch <= "9":
                    atoms.add(DIGIT)
                elif not fold:
                    atoms.add(("raw", ch))
                elif foldable(ch):
                    atoms.add(("fold", ch.casefold()))
                else:
                    return []
            elif op is c.RANGE:
                lo, hi = av
                if 48 <= lo <= hi <= 57:
                    atoms.add(DIGIT)
                elif hi - lo > 30 or (fold and hi > 127):
                    return []
                else:
                    atoms.update(("fold", chr(i).casefold()) if fold else ("raw", chr(i)) for i in range(lo, hi + 1))
            elif op is c.CATEGORY and av in digit_categories:
                atoms.add(DIGIT)
            else:  # other categories (\\w, \\s), negated sets
                return []
        return [frozenset(atoms)] if atoms else []

    def score(clause):
        # how selective a clause is: its shortest literal, a symbol ("≥", ">") counting as rare
        # as three more letters ("or" is in every other criterion, ">" in few)
        return (min(_rarity(a) for a in clause), -len(clause))

    def seq(items, fold: bool, word_start: bool = False) -> List[FrozenSet[tuple]]:
        # word_start: the sequence starts where a \\b stands (in the enclosing sequence)
        clauses: List[FrozenSet[tuple]] = []
        run: List[str] = []
        run_word_start = False
        for op, av in items:
            if op is c.LITERAL:
                if not run:
                    run_word_start = word_start
                run.append(chr(av))
                word_start = False
                continue
            if run:
                clauses.extend(literal_clauses("".join(run), fold, run_word_start))
                run = []
            clauses.extend(item(op, av, fold, word_start))
            # after \\b, or after a whitespace character (\\s, \\s+: never a word character)
            word_start = op is c.AT and av == c.AT_BOUNDARY or _ends_with_space(op, av)
        if run:
            clauses.extend(literal_clauses("".join(run), fold, run_word_start))
        return clauses

    def item(op, av, fold: bool, word_start: bool = False) -> List[FrozenSet[tuple]]:
        if op is c.SUBPATTERN:
            _group, add_flags, del_flags, body = av
            if (add_flags | del_flags) & ~c.SRE_FLAG_IGNORECASE:
                raise _NoPrefilter
            if add_flags & c.SRE_FLAG_IGNORECASE:
                fold = True
            if del_flags & c.SRE_FLAG_IGNORECASE:
                fold = False
            return seq(body, fold, word_start)
        if op is c.BRANCH:
            union = set()
            for alternative in av[1]:
                clauses = seq(alternative, fold, word_start)
                if not clauses:
                    return []
                union |= max(clauses, key=score)
            return [frozenset(union)]
        if op in repeats:
            lo, _hi, body = av
            return seq(body, fold, word_start) if lo >= 1 else []  # its first repeat starts there
        if op is getattr(c, "ATOMIC_GROUP", None):
            return seq(av, fold, word_start)
        if op is c.ASSERT:
            return seq(av[1], fold)
        if op is c.IN:
            return char_class(av, fold)
        if op in (c.GROUPREF, c.GROUPREF_EXISTS):
            raise _NoPrefilter
        return []  # \\b, ^, $, ., [^...], negative lookarounds: no requirement

    try:
        clauses = [cl for cl in seq(parsed, ignorecase or bool(flags & c.SRE_FLAG_IGNORECASE)) if cl]
    except _NoPrefilter:
        return None
    if not clauses:
        return None
    return tuple(sorted(set(clauses), key=lambda cl: (score(cl), sorted(cl)), reverse=True))  # ties: stable across runs


def _ends_with_space(op, av) -> bool:
    """Whether every match of the item ``(op, av)`` ends with a whitespace character (``\\s``,
    ``\\s+``, ``\\s{2,}``), which the ``regex`` module never counts as a word character (tested)."""
    c = sre_c
    if op in (c.MAX_REPEAT, c.MIN_REPEAT) or op is getattr(c, "POSSESSIVE_REPEAT", None):
        lo, _hi, body = av
        return lo >= 1 and len(body) == 1 and _ends_with_space(*body[0])
    return op is c.IN and len(av) == 1 and av[0][0] is c.CATEGORY and av[0][1] in (
        c.CATEGORY_SPACE, getattr(c, "CATEGORY_UNI_SPACE", c.CATEGORY_SPACE))


def _rarity(atom: tuple) -> int:
    if atom == DIGIT:
        return 5  # tested apart and first (one criterion in three has a digit)
    text = atom[1]
    return len(text) + (3 if any(not ch.isalnum() and not ch.isspace() for ch in text) else 0)


def after_digit_prefilter(pattern: str, ignorecase: bool) -> Optional[Tuple[int, FrozenSet[str]]]:
    """For a pattern that starts with a lookbehind ending in a digit and what may follow it
    (``(?<=\\d\\s?)mg\\b``, as most unit rules do), or an alternation of such patterns:
    ``(width, first)``, where every match starts at most ``width`` characters after a digit and its
    first character is in ``first``; else ``None``.

    The digit is the lookbehind's last item that always ends with a digit (``\\d``, ``\\d+``,
    ``[0-9]``, a group or alternation of such, as in ``(?<=\\d[.,]\\d+\\s?)`` or
    ``(?<=(?:3[4-9]|4[0-2])\\s?)``); ``width`` is 1 plus the longest the items after it can be.
    So a text where no character of ``first`` stands within ``width`` characters after a digit
    cannot contain a match (:func:`after_digit_chars`). With ``ignorecase`` the characters are
    case-folded by :func:`fold_key`, on both sides (a scoped ``(?-i:...)`` inside is folded too:
    that only lets through more).
    """
    parsed = _sre_parse(pattern)
    if parsed is None or not parsed.data:
        return None
    c = sre_c
    if parsed.state.flags & c.SRE_FLAG_IGNORECASE and not ignorecase:
        return None  # a global (?i) in a case-sensitive rule: the table would be the raw one
    alternatives = [parsed.data]
    if len(parsed.data) == 1 and parsed.data[0][0] is c.BRANCH:
        alternatives = [list(alt) for alt in parsed.data[0][1][1]]
    widest, first = 0, set()
    for items in alternatives:
        found = _after_digit_alternative(items, parsed.state, ignorecase)
        if found is None:
            return None
        widest = max(widest, found[0])
        first |= found[1]
    return widest, frozenset(first)


def _after_digit_alternative(items, state, fold: bool) -> Optional[Tuple[int, set]]:
    c = sre_c
    if len(items) < 2:
        return None
    op, av = items[0]
    if op is not c.ASSERT or av[0] != -1:  # (?<=...)
        return None
    behind = list(av[1])
    last = max((i for i, (iop, iav) in enumerate(behind) if _ends_with_digit(iop, iav)), default=None)
    if last is None:
        return None
    _lo, width = sre_parse.SubPattern(state, behind[last + 1:]).getwidth()
    if width >= c.MAXREPEAT:
        return None
    try:
        chars, nullable = _first_chars(items[1:], fold)
    except _NoPrefilter:
        return None
    if nullable or not chars:
        return None
    return width + 1, chars


def _ends_with_digit(op, av) -> bool:
    """Whether every match of the item ``(op, av)`` is non-empty and ends with a decimal digit."""
    c = sre_c
    if op is c.LITERAL:
        return 48 <= av <= 57
    if op is c.IN:
        if not av or av[0][0] is c.NEGATE:
            return False
        for iop, iav in av:
            if iop is c.LITERAL and 48 <= iav <= 57 or iop is c.RANGE and 48 <= iav[0] <= iav[1] <= 57:
                continue
            if iop is c.CATEGORY and iav in (c.CATEGORY_DIGIT, getattr(c, "CATEGORY_UNI_DIGIT", c.CATEGORY_DIGIT)):
                continue
            return False
        return True
    if op is c.SUBPATTERN:
        _group, add_flags, del_flags, body = av
        return not (add_flags | del_flags) & ~c.SRE_FLAG_IGNORECASE and _seq_ends_with_digit(body)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT) or op is getattr(c, "POSSESSIVE_REPEAT", None):
        lo, _hi, body = av
        return lo >= 1 and _seq_ends_with_digit(body)
    if op is getattr(c, "ATOMIC_GROUP", None):
        return _seq_ends_with_digit(av)
    if op is c.BRANCH:
        return all(_seq_ends_with_digit(alt) for alt in av[1])
    return False


def _seq_ends_with_digit(items) -> bool:
    """Whether every match of the sequence ``items`` ends with a digit: its last item that is not
    zero-width (``\\b``, lookarounds) does."""
    c = sre_c
    for op, av in reversed(list(items)):
        if op is c.AT or op in (c.ASSERT, c.ASSERT_NOT):
            continue
        return _ends_with_digit(op, av)
    return False


def _first_chars(items, fold: bool) -> Tuple[set, bool]:
    """The characters a match of the sequence ``items`` can start with, and whether it can be
    empty; raises :class:`_NoPrefilter` for anything not modelled."""
    c = sre_c
    out: set = set()
    for op, av in items:
        if op is c.AT or op in (c.ASSERT, c.ASSERT_NOT):
            continue  # zero-width: the next item gives the first character
        if op is c.LITERAL:
            chars, nullable = {chr(av)}, False
        elif op is c.IN:
            chars = set()
            for iop, iav in av:
                if iop is c.LITERAL:
                    chars.add(chr(iav))
                elif iop is c.RANGE and iav[1] - iav[0] <= 64:
                    chars.update(chr(i) for i in range(iav[0], iav[1] + 1))
                else:  # negated sets, categories (\\w, \\s, \\d), wide ranges
                    raise _NoPrefilter
            nullable = False
        elif op is c.BRANCH:
            chars, nullable = set(), False
            for alternative in av[1]:
                sub, sub_nullable = _first_chars(alternative, fold)
                chars |= sub
                nullable = nullable or sub_nullable
        elif op is c.SUBPATTERN:
            _group, add_flags, del_flags, body = av
            if (add_flags | del_flags) & ~c.SRE_FLAG_IGNORECASE or add_flags and not fold:
                raise _NoPrefilter  # (?i:...) in a case-sensitive pattern: its table is the raw one
            # (?-i:...) in a case-insensitive pattern: its characters are folded like the rest,
            # which only lets more texts through
            chars, nullable = _first_chars(body, fold)
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT) or op is getattr(c, "POSSESSIVE_REPEAT", None):
            lo, _hi, body = av
            chars, nullable = _first_chars(body, fold)
            nullable = nullable or lo == 0
        elif op is getattr(c, "ATOMIC_GROUP", None):
            chars, nullable = _first_chars(av, fold)
        else:  # ., [^x], back-references, conditionals
            raise _NoPrefilter
        if fold:
            keys = [fold_key(ch) for ch in chars]
            if not all(keys):  # a combining dot above folds to nothing
                raise _NoPrefilter
            chars = {f for key in keys for f in key}
        out |= chars
        if not nullable:
            return out, False
    return out, True


def after_digit_chars(text: str, width: int, fold: bool, runs: Optional[List[Tuple[int, int]]] = None
                      ) -> FrozenSet[str]:
    """The characters standing 1 to ``width`` characters after a digit in ``text`` (with ``fold``,
    the characters of their :func:`fold_key`); ``runs`` are the text's :func:`digit_runs` when the
    caller has them."""
    if runs is None:
        runs = digit_runs(text)
    seen = "".join([text[start + 1:end + width] for start, end in runs])
    if fold:
        seen = seen.casefold().translate(_FOLD_FIX)  # casefold maps character by character
    return frozenset(seen)


def digit_runs(text: str) -> List[Tuple[int, int]]:
    """The spans of the runs of digits in ``text``."""
    return [m.span() for m in _DIGITS_RX.finditer(text)]


def fold_key(ch: str) -> str:
    """The characters of ``ch`` case-folded (with :data:`_FOLD_FIX`). Two characters that the
    ``regex`` module matches to each other case-insensitively share at least one of them
    (``µ``/``μ``/``Μ`` → ``μ``, ``ẞ``/``ß`` → ``ss``, ``K`` (Kelvin) → ``k``; tested)."""
    return ch.casefold().translate(_FOLD_FIX)


def foldable(ch: str) -> bool:
    """Whether a case-insensitive literal ``ch`` can be looked for in case-folded text: ASCII (a
    character matching it case-insensitively case-folds to it, the Kelvin sign and long s included),
    or a symbol, punctuation mark or digit without case (≥, ±, ×, –), which matches only itself."""
    if ch.isascii():
        return True
    return (unicodedata.category(ch)[0] in "SPNZ" and ch.casefold() == ch and ch.upper() == ch
            and ch.lower() == ch)


def passes(clauses, text: str, has_digit: Optional[bool] = None) -> bool:
    """Whether ``text`` satisfies every clause of a :func:`regex_prefilter` (a plain reference
    implementation of what :class:`RulePrefilter` decides with its index)."""
    folded = text.casefold().translate(_FOLD_FIX)
    if has_digit is None:
        has_digit = _DIGIT_RX.search(text) is not None
    ascii_text = text.isascii()

    def holds(kind: str, value: str) -> bool:
        if kind == "digit":
            return has_digit
        hay = text if kind in ("raw", "wraw") else folded
        if kind in ("raw", "fold") or not ascii_text:
            return value in hay
        at = hay.find(value)
        while at >= 0:
            if at == 0 or _WORD_CHAR.match(text, at - 1) is None:
                return True
            at = hay.find(value, at + 1)
        return False

    for clause in clauses:
        for kind, value in clause:
            if holds(kind, value):
                break
        else:
            return False
    return True


class RulePrefilter:
    """Which of a list of regexes (``(pattern, ignorecase)``) can match a text.

    :meth:`candidates` never leaves out a regex that matches the text; the others it leaves out
    when their literals (:func:`regex_prefilter`) or the characters after the text's digits
    (:func:`after_digit_prefilter`) rule them out. Sets of literals and of regexes are bit masks
    (Python ints), so a text costs two Aho-Corasick passes and a few integer operations.
    """

    def __init__(self, patterns: Sequence[Tuple[str, bool]]):
        self.patterns = list(patterns)
        atom_bit: Dict[tuple, int] = {DIGIT: 1}
        first_clause_rules: Dict[tuple, int] = {}  # atom → mask of regexes whose first clause has it
        #: per regex: its literal clauses after the indexing one, as masks of literals
        self._rest: List[Tuple[int, ...]] = []
        self._always = 0  # regexes without a literal clause
        self._needs_digit = 0  # regexes that never match a text without a digit
        #: regexes with an after-digit test (not indexed by their literals): per (width, case
        #: folding), the character a match starts with → mask of regexes
        self._after_tables: Dict[Tuple[int, bool], Dict[str, int]] = {}
        for ri, (pattern, ignorecase) in enumerate(self.patterns):
            clauses = regex_prefilter(pattern, ignorecase) or ()
            after = after_digit_prefilter(pattern, ignorecase)
            needs_digit = frozenset([DIGIT]) in clauses or after is not None
            if needs_digit:
                self._needs_digit |= 1 << ri
            if after is not None:
                # the after-digit test is the sharper one; its literals ("y" for years) would
                # only make common letters index it
                clauses = ()
            masks = []
            for clause in clauses:
                if clause == frozenset([DIGIT]) or (len(clause) > _MAX_ATOMS
                                                    and any(len(atom[1]) < 2 for atom in clause)):
                    continue  # a digit is tested apart; a clause of many literals rules out little
                mask = 0
                for atom in clause:
                    if atom not in atom_bit:
                        atom_bit[atom] = 1 << len(atom_bit)
                    mask |= atom_bit[atom]
                masks.append(mask)
                if len(masks) == 1:  # the most selective clause indexes the regex
                    for atom in clause:
                        first_clause_rules[atom] = first_clause_rules.get(atom, 0) | (1 << ri)
            if not masks and after is None:
                self._always |= 1 << ri
            if after is not None:  # first character → regexes, per (width, case folding)
                table = self._after_tables.setdefault((after[0], ignorecase), {})
                for ch in after[1]:
                    table[ch] = table.get(ch, 0) | (1 << ri)
            self._rest.append(tuple(masks[1:]))

        def table(kind: str, single: bool) -> Dict[str, Tuple[int, int]]:
            """literal → (its bit, mask of the regexes it indexes), for one kind and length class"""
            return {atom[1]: (bit, first_clause_rules.get(atom, 0)) for atom, bit in atom_bit.items()
                    if atom[0] == kind and (len(atom[1]) == 1) == single}

        def scanner_entries(kind: str) -> Dict[str, Tuple[int, int, int, int]]:
            """literal → (bit, regexes) of the plain atom and (bit, regexes) of the word-start atom
            (zeros for an atom not used), for one form (raw or folded)"""
            plain, word = table(kind, False), table("w" + kind, False)
            return {lit: plain.get(lit, (0, 0)) + word.get(lit, (0, 0)) for lit in {**plain, **word}}

        self._digit_rules = first_clause_rules.get(DIGIT, 0)
        # single characters: looked up in the text's set of characters (as Aho-Corasick patterns
        # they would report every occurrence); longer literals: one Aho-Corasick pass per form
        self._raw_chars, self._fold_chars = table("raw", True), table("fold", True)
        self._scanners = []
        for kind in ("raw", "fold"):
            entries = scanner_entries(kind)  # (word-start literals have two characters or more)
            if entries:
                self._scanners.append((kind == "fold", AhoCorasick(list(entries), matchkind=MatchKind.Standard),
                                       list(entries.values())))

    def __reduce__(self):
        # rebuilt from the patterns (the Aho-Corasick automata do not pickle)
        return (RulePrefilter, (self.patterns,))

    def candidates(self, text: str) -> List[int]:
        """Indices (ascending) of the regexes that may match ``text``."""
        has_digit = _DIGIT_RX.search(text) is not None
        present, found = (1, self._always | self._digit_rules) if has_digit else (0, self._always)
        ascii_text = text.isascii()
        # ASCII: casefold() is lower(), character by character, and _FOLD_FIX has nothing to do
        folded = text.lower() if ascii_text else text.casefold().translate(_FOLD_FIX)
        for chars, table in ((text, self._raw_chars), (folded, self._fold_chars)):
            if table:
                for ch in table.keys() & set(chars):
                    bit, rules = table[ch]
                    present |= bit
                    found |= rules
        word_char = _WORD_CHAR.match
        for fold, scanner, entries in self._scanners:
            for idx, start, _e in scanner.find_matches_as_indexes(folded if fold else text, overlapping=True):
                bit, rules, word_bit, word_rules = entries[idx]
                present |= bit
                found |= rules
                # a word-start literal counts when no word character stands before it (in an
                # ASCII text; in others, always: its positions need not be those of the text)
                if word_bit and (not ascii_text or start == 0 or word_char(text, start - 1) is None):
                    present |= word_bit
                    found |= word_rules
        if has_digit:
            # an after-digit regex stays when its first character stands just after a digit
            runs = digit_runs(text)
            for (width, fold), table in self._after_tables.items():
                # an ASCII text's folded form has its characters at the same places
                seen = (frozenset("".join([folded[start + 1:end + width] for start, end in runs]))
                        if fold and ascii_text else after_digit_chars(text, width, fold, runs))
                for ch in table.keys() & seen:
                    found |= table[ch]
        else:
            found &= ~self._needs_digit  # every match of these needs a digit
        out: List[int] = []
        rests = self._rest
        while found:
            low = found & -found
            found ^= low
            ri = low.bit_length() - 1
            rest = rests[ri]
            if rest and not all(present & mask for mask in rest):
                continue  # a further clause has no literal in the text
            out.append(ri)
        return out


class Substrings:
    """Whether a text contains any of a set of literal strings: one Aho-Corasick pass (the same
    answer as searching for the alternation of the escaped strings, without trying each of them
    at every position)."""

    def __init__(self, literals: Sequence[str]):
        self.literals = tuple(literals)
        self._scanner = AhoCorasick(list(self.literals), matchkind=MatchKind.LeftmostFirst) if self.literals else None

    def __reduce__(self):
        return (Substrings, (self.literals,))  # the automaton does not pickle

    def any_in(self, text: str) -> bool:
        return self._scanner is not None and bool(self._scanner.find_matches_as_indexes(text))


#: a non-ASCII character that Python's ``re`` matches case-insensitively to an ASCII letter
#: (the Kelvin sign, long s, dotted and dotless i), where ``str.lower()`` may not give that letter
_FOLDS_TO_ASCII = re.compile(r"(?i)(?![\x00-\x7f])[a-z]")


class WordStarts:
    """Whether a ``re`` pattern that starts with one of a set of words matches a text somewhere:
    the pattern is tried, anchored, only where one of the words starts (one overlapping
    Aho-Corasick pass), instead of at every position.

    ``folded`` are the words the pattern matches in any case (found in the lower-cased text),
    ``exact`` those it matches as written; for a phrase its first word is enough (the pattern may
    join the words with any whitespace). Every match of ``pattern`` must begin with one of the
    words: then :meth:`search` is true exactly when ``pattern.search`` finds a match. A text where
    lower-casing could move or hide a word (a non-ASCII character that folds to an ASCII letter,
    one whose lower case is longer, or any non-ASCII text when a folded word has a non-ASCII
    letter) is searched whole."""

    def __init__(self, folded: Sequence[str], exact: Sequence[str], pattern: "re.Pattern"):
        self.folded, self.exact = tuple(sorted({w.lower() for w in folded if w})), tuple(sorted(set(w for w in exact if w)))
        self.pattern = pattern
        self._folded = AhoCorasick(list(self.folded), matchkind=MatchKind.Standard) if self.folded else None
        self._exact = AhoCorasick(list(self.exact), matchkind=MatchKind.Standard) if self.exact else None
        #: a folded word with a non-ASCII cased letter: its case variants are not all found by lower()
        self._cased = any(not ch.isascii() and ch.lower() != ch.upper() for w in self.folded for ch in w)

    def __reduce__(self):
        return (WordStarts, (self.folded, self.exact, self.pattern))  # the automata do not pickle

    def search(self, text: str, target: Optional[str] = None, lower: Optional[str] = None) -> bool:
        """Whether ``pattern`` matches ``target`` (``text`` itself when not given; else a string of
        the same length, such as ``text`` with parts masked, where the words still start where they
        do in ``text``) at a place where one of the words starts in ``text``; ``lower`` is
        ``text.lower()`` when the caller has it."""
        target = text if target is None else target
        if self._folded is not None:
            lower = text.lower() if lower is None else lower
            if not text.isascii() and (self._cased or len(lower) != len(text) or _FOLDS_TO_ASCII.search(text)):
                return self.pattern.search(target) is not None
        match = self.pattern.match
        for scanner, haystack in ((self._folded, lower), (self._exact, text)):
            if scanner is None:
                continue
            starts = {start for _i, start, _e in scanner.find_matches_as_indexes(haystack, overlapping=True)}
            if any(match(target, start) for start in sorted(starts)):
                return True
        return False
