"""Coverage without gold: which comparison-like expressions produced no constraint, grouped by shape.

A *comparison* is a comparator word or sign near a number ("at least 18", "≥ 60 g/L", "18 years or
older", "within 4 weeks"); what counts as one is data in ``configs/coverage.json``. A criterion
that holds a comparison is *covered* when it produced at least one constraint; the share of
covered criteria is the headline figure. A comparison is *matched* when its number lies inside the
span of one of the criterion's constraints (the finer, per-expression figure).

The comparisons of criteria that produced nothing are grouped by the **shape** of their phrase:
the tokens from the comparator to a few words after the number, each named by its kind
(``CMP``, ``NUM``, ``NUM-word``, ``UNIT`` for a unit eligex knows, ``UNIT?`` for a unit-like token it
does not, ``TIME``, ``WORD``; connecting words such as ``to``/``and``/``of`` stay as they are), and
prefixed with ``SUBJ`` when a measurement or score eligex knows stands right before. An annotator
reads the biggest group first: it is the pattern whose rule is missing.

Everything here is a pure function over plain records (``eligex extract`` output).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

import regex

from pipeline.rules.loading import load_json_config

#: tokens: numbers (with decimal/thousand separators), words, then any other single character
_TOKEN_RE = regex.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:['’-][^\W\d_]+)*|\S")
#: a clause ends at these (a shape never runs past them)
_CLAUSE_END = frozenset(";,.:!?")
#: brackets around a restated comparator, "greater than (>)", are not gap words
_BRACKETS = frozenset("()[]{}")
#: labels whose span right before a comparator marks the subject as known
_SUBJECT_LABELS = frozenset({"MEASUREMENT", "SCORE"})
#: how many examples each shape keeps
EXAMPLES_PER_SHAPE = 5


class Token(NamedTuple):
    start: int
    end: int
    text: str
    lower: str


class Comparison(NamedTuple):
    """One comparison-like expression: the comparator's span, the number's span and where it ends."""

    start: int
    end: int
    cmp_start: int
    cmp_end: int
    num_start: int
    num_end: int
    first: int  # index of the first token of the expression
    number: int  # index of the number token


@dataclass(frozen=True)
class CoverageRules:
    """The word lists of ``configs/coverage.json``, compiled for matching."""

    signs: frozenset  # the characters comparator signs are made of ("<", "=", "≥", ...)
    phrases: Dict[str, Tuple[Tuple[str, ...], ...]]  # comparator phrases before a number, by first word
    trailing: Dict[str, Tuple[Tuple[str, ...], ...]]  # comparator phrases after a number, by first word
    number_words: frozenset
    time_words: frozenset
    kept_words: frozenset
    max_gap: int
    words_after: int

    @classmethod
    def from_json(cls, data: dict, source: str = "coverage.json") -> "CoverageRules":
        """From the parsed file (its schema, ``coverage_config.json``, is checked by :meth:`from_file`
        and ``eligex rules validate``; types are checked here too, for data from elsewhere)."""
        def words(key: str) -> List[str]:
            value = data.get(key, [])
            if not isinstance(value, list) or not all(isinstance(w, str) and w.strip() for w in value):
                raise ValueError(f"{source}: '{key}' must be a list of non-empty strings")
            return value

        def phrases(key: str) -> Dict[str, Tuple[Tuple[str, ...], ...]]:
            by_first: Dict[str, set] = {}
            for w in words(key):
                phrase = tuple(t.lower for t in tokenize(w))
                by_first.setdefault(phrase[0], set()).add(phrase)
            return {first: tuple(sorted(group, key=len, reverse=True)) for first, group in by_first.items()}

        def count(key: str, default: int) -> int:
            value = data.get(key, default)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{source}: '{key}' must be a non-negative integer")
            return value

        return cls(signs=frozenset(ch for sign in words("comparator_signs") for ch in sign), phrases=phrases("comparator_words"),
                   trailing=phrases("trailing_comparator_words"),
                   number_words=frozenset(w.lower() for w in words("number_words")),
                   time_words=frozenset(w.lower() for w in words("time_words")),
                   kept_words=frozenset(w.lower() for w in words("kept_words")),
                   max_gap=count("max_gap_words", 3), words_after=count("shape_words_after", 3))

    @classmethod
    def from_file(cls, path: Path | str) -> "CoverageRules":
        return cls.from_json(load_json_config(path, "coverage_config.json"), str(path))


def tokenize(text: str) -> List[Token]:
    """Numbers, words and single other characters with their offsets (``text[start:end] == text``)."""
    return [Token(m.start(), m.end(), m.group(), m.group().lower()) for m in _TOKEN_RE.finditer(text)]


def _is_number(tok: Token, rules: CoverageRules) -> bool:
    return tok.text[0].isdigit() or tok.lower in rules.number_words


def _match_phrase(tokens: Sequence[Token], i: int, phrases: Dict[str, Tuple[Tuple[str, ...], ...]]) -> int:
    """Length (in tokens) of the longest phrase starting at ``tokens[i]``, 0 if none."""
    for phrase in phrases.get(tokens[i].lower, ()):
        n = len(phrase)
        if i + n <= len(tokens) and all(tokens[i + k].lower == phrase[k] for k in range(n)):
            return n
    return 0


def _match_signs(tokens: Sequence[Token], i: int, signs: frozenset) -> int:
    """Length of the comparator sign at ``tokens[i]``: adjacent sign characters ("> =" counts too)."""
    n = 0
    while i + n < len(tokens) and tokens[i + n].text in signs:
        if n and tokens[i + n].start - tokens[i + n - 1].end > 1:
            break
        n += 1
        if n == 3:
            break
    if n == 0 or (n == 1 and tokens[i].text == "="):
        return 0
    return n


def find_comparisons(tokens: Sequence[Token], rules: CoverageRules) -> List[Comparison]:
    """Every comparator (word or sign) with a number at most ``max_gap`` words after it, and every
    number followed within ``max_gap`` words by a trailing comparator ("18 years or older").

    Linear in the number of tokens (each position tries a bounded number of phrases and gap words).
    """
    found: List[Comparison] = []
    used_numbers = set()
    i = 0
    n = len(tokens)
    while i < n:
        length = _match_signs(tokens, i, rules.signs) or _match_phrase(tokens, i, rules.phrases)
        if not length:
            i += 1
            continue
        j = i + length
        cmp_last = j - 1
        gap = 0
        while j < n and gap <= rules.max_gap and not _is_number(tokens[j], rules) \
                and tokens[j].text not in _CLAUSE_END:
            again = _match_signs(tokens, j, rules.signs) or _match_phrase(tokens, j, rules.phrases)
            if again:
                if not all(tokens[k].text in _BRACKETS for k in range(cmp_last + 1, j)):
                    break  # a later comparator owns what follows
                j += again  # "greater than (>) 4.5": the bracketed sign restates the comparator
                cmp_last = j - 1
                continue
            gap += tokens[j].text not in _BRACKETS
            j += 1
        if j < n and gap <= rules.max_gap and _is_number(tokens[j], rules):
            found.append(Comparison(tokens[i].start, tokens[j].end, tokens[i].start, tokens[cmp_last].end,
                                    tokens[j].start, tokens[j].end, i, j))
            used_numbers.add(j)
        i = cmp_last + 1
    for j, tok in enumerate(tokens):
        if j in used_numbers or not _is_number(tok, rules):
            continue
        k = j + 1
        gap = 0
        while k < n and gap <= rules.max_gap and tokens[k].text not in _CLAUSE_END:
            length = _match_phrase(tokens, k, rules.trailing)
            if length:
                found.append(Comparison(tok.start, tokens[k + length - 1].end, tokens[k].start,
                                        tokens[k + length - 1].end, tok.start, tok.end, j, j))
                break
            if _is_number(tokens[k], rules):
                break
            gap += 1
            k += 1
    found.sort(key=lambda c: (c.start, c.end))
    return found


def _unit_like(tok: Token) -> bool:
    """A token that looks like a unit nobody named: ``mmHg``, ``IU``, ``µL``, ``%``."""
    t = tok.text
    if t == "%" or "µ" in t or "μ" in t:
        return True
    return t.isalpha() and (len(t) <= 3 or (len(t) <= 5 and any(c.isupper() for c in t[1:])))


def _covering_label(spans: Sequence[Tuple[int, int, str]], start: int, end: int) -> Optional[str]:
    for s, e, label in spans:
        if s <= start and end <= e:
            return label
    return None


def phrase_shape(tokens: Sequence[Token], comparison: Comparison, entities: Sequence[dict],
                 rules: CoverageRules) -> str:
    """The shape of one comparison's phrase (see the module docstring), e.g. ``SUBJ CMP NUM UNIT?``."""
    spans = [(e["start"], e["end"], e["label"]) for e in entities
             if isinstance(e.get("start"), int) and isinstance(e.get("end"), int)]
    parts: List[str] = []
    first = comparison.first
    if first > 0:
        before = tokens[first - 1]
        if _covering_label(spans, before.start, before.end) in _SUBJECT_LABELS:
            parts.append("SUBJ")
    end = comparison.number + 1 + rules.words_after
    if comparison.number == first:  # trailing comparator: the phrase runs to the comparator's end
        end = next(k for k in range(first, len(tokens)) if tokens[k].end >= comparison.end) + 1
    cmp_done = False
    for k in range(first, min(end, len(tokens))):
        tok = tokens[k]
        if tok.text in _CLAUSE_END and k > comparison.number:
            break
        if comparison.cmp_start <= tok.start and tok.end <= comparison.cmp_end:
            if not cmp_done:
                parts.append("CMP")
                cmp_done = True
            continue
        label = _covering_label(spans, tok.start, tok.end)
        if _is_number(tok, rules):
            kind = "NUM" if tok.text[0].isdigit() else "NUM-word"
        elif label == "UNIT":
            kind = "UNIT"
        elif tok.lower in rules.time_words:
            kind = "TIME"
        elif tok.lower in rules.kept_words or not tok.text[0].isalnum():
            kind = tok.lower
        elif k == comparison.number + 1 and _unit_like(tok):
            kind = "UNIT?"
        elif label in _SUBJECT_LABELS:
            kind = "SUBJ"
        else:
            kind = "WORD"
        if parts and kind == parts[-1] and kind in ("WORD", "UNIT", "SUBJ", "TIME"):
            continue  # a run of words (or of one unit's tokens) is one part
        parts.append(kind)
    return " ".join(parts)


def _matched(comparison: Comparison, constraints: Sequence[dict]) -> bool:
    for c in constraints:
        span = c.get("span")
        if isinstance(span, (list, tuple)) and len(span) == 2 and span[0] <= comparison.num_start \
                and comparison.num_end <= span[1]:
            return True
    return False


@dataclass
class ShapeGroup:
    shape: str
    criteria: int = 0
    expressions: int = 0
    examples: List[dict] = field(default_factory=list)


@dataclass
class CoverageReport:
    """What :func:`measure` counts; ``to_dict`` is the ``--json`` document."""

    criteria: int = 0
    with_comparison: int = 0
    covered: int = 0
    expressions: int = 0
    matched: int = 0
    with_constraint_no_comparison: int = 0
    shapes: Dict[str, ShapeGroup] = field(default_factory=dict)

    @property
    def coverage(self) -> Optional[float]:
        return self.covered / self.with_comparison if self.with_comparison else None

    @property
    def expression_coverage(self) -> Optional[float]:
        return self.matched / self.expressions if self.expressions else None

    def ranked(self) -> List[ShapeGroup]:
        return sorted(self.shapes.values(), key=lambda g: (-g.criteria, -g.expressions, g.shape))

    def to_dict(self) -> dict:
        return {
            "criteria": self.criteria,
            "with_comparison": self.with_comparison,
            "covered": self.covered,
            "coverage": self.coverage,
            "expressions": self.expressions,
            "matched": self.matched,
            "expression_coverage": self.expression_coverage,
            "with_constraint_no_comparison": self.with_constraint_no_comparison,
            "shapes": [{"shape": g.shape, "criteria": g.criteria, "expressions": g.expressions,
                        "examples": g.examples} for g in self.ranked()],
        }


def measure(records: Iterable[dict], rules: CoverageRules, report: Optional[CoverageReport] = None) -> CoverageReport:
    """Count coverage over criterion records (``eligex extract`` output); structured-field records
    (``origin: structured``) are not criteria text and are skipped."""
    report = report if report is not None else CoverageReport()
    for record in records:
        if record.get("origin") == "structured":
            continue
        text = record.get("text")
        if not isinstance(text, str):
            continue
        report.criteria += 1
        constraints = record.get("constraints") or []
        tokens = tokenize(text)
        comparisons = find_comparisons(tokens, rules)
        if not comparisons:
            if constraints:
                report.with_constraint_no_comparison += 1
            continue
        report.with_comparison += 1
        report.expressions += len(comparisons)
        report.matched += sum(1 for c in comparisons if _matched(c, constraints))
        if constraints:
            report.covered += 1
            continue
        entities = record.get("entities") or []
        seen = set()
        for comparison in comparisons:
            shape = phrase_shape(tokens, comparison, entities, rules)
            group = report.shapes.get(shape)
            if group is None:
                group = report.shapes[shape] = ShapeGroup(shape)
            group.expressions += 1
            if shape in seen:
                continue
            seen.add(shape)
            group.criteria += 1
            if len(group.examples) < EXAMPLES_PER_SHAPE:
                group.examples.append({"trial_id": record.get("trial_id"), "criterion_id": record.get("criterion_id"),
                                       "text": text, "span": [comparison.start, comparison.end]})
    return report


def looks_like_records(path: Path) -> bool:
    """True when ``path`` is an ``eligex extract`` output file (its first record is a criterion record)."""
    from pipeline.core.jsonl import parse_record
    from pipeline.ingest.readers.streams import Lines

    name = path.name.lower()
    if not (name.endswith(".jsonl") or name.endswith(".jsonl.gz") or name.endswith(".ndjson")):
        return False
    for lineno, line in Lines(path):
        if line.strip():
            first = parse_record(line, str(path), lineno)
            return isinstance(first, dict) and "criterion_id" in first and "constraints" in first
    return False


def iter_records(paths: Sequence[Path], *, model: Optional[Path] = None, n_process: int = 1,
                 input_format: str = "auto", problems: Optional[list] = None) -> Iterable[dict]:
    """Criterion records from ``paths``: ``eligex extract`` output files are read as they are; every
    other input (text, CT.gov JSON, JSONL, CSV, AACT) is extracted here first, in memory.

    Unreadable lines and failed trials are appended to ``problems`` (a list of
    :class:`~pipeline.core.problems.Problem`), never dropped silently.
    """
    from pipeline.core.jsonl import iter_records as jsonl_records
    from pipeline.core.problems import Problem
    from pipeline.ingest.readers.streams import Lines

    problems = problems if problems is not None else []
    record_files = [Path(p) for p in paths if Path(p).is_file() and looks_like_records(Path(p))]
    raw = [Path(p) for p in paths if Path(p) not in record_files]
    for path in record_files:
        lines = Lines(path)
        for lineno, record in jsonl_records(lines, str(path)):
            bad = lines.bad_between(lineno, lineno)
            if bad is not None:
                problems.append(Problem(str(path), lineno, bad[1]))
            elif isinstance(record, Problem):
                problems.append(record)
            else:
                yield record
        if lines.error is not None:
            problems.append(lines.error)
    if raw:
        from pipeline.components.nlp import load
        from pipeline.extraction.run import process_items
        from pipeline.extraction.records import Extractor
        from pipeline.ingest.readers import ReadOptions, read_inputs

        extractor = Extractor(load(model))
        items = read_inputs(raw, ReadOptions(format=input_format))
        for result in process_items(items, extractor, n_process=n_process):
            problems.extend(p for p in result.problems if p.kind != "warning")
            yield from result.records
