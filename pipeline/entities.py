"""Entity rules: lexicon phrases, regular expressions and token patterns → labelled spans.

Rules are data (``configs/entities/*.jsonl``, schema ``pipeline/schemas/entity_rule.json``), loaded
in ``initialize`` and written by ``to_disk``. Every span keeps its rule id, so each prediction can
be traced to the rule that made it. Overlaps are resolved by :func:`resolve_overlaps`, a pure
function: higher priority first, then the longer span.
"""


import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

import regex
import srsly
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from pipeline import extensions
from pipeline.rules import load_rules

#: default priority of each label when a rule gives none
LABEL_PRIORITY = {
    "TEMPORAL": 50,
    "SCORE": 40,
    "MEASUREMENT": 35,
    "CONDITION": 30,
    "UNIT": 25,
    "COMPARATOR": 20,
    "CUE": 15,
    "VALUE": 10,
}
RULE_KEYS_KEPT = ("id", "label", "phrases", "regex", "pattern", "case_sensitive", "norm", "category",
                  "priority", "attrs", "examples", "not_examples", "comment")


@dataclass(frozen=True)
class Candidate:
    """A candidate entity: token span [start, end), char span, label and the rule that made it."""

    start: int
    end: int
    start_char: int
    end_char: int
    label: str
    rule: str
    priority: int

    @property
    def length(self) -> int:
        return self.end_char - self.start_char


def resolve_overlaps(candidates: Iterable[Candidate]) -> List[Candidate]:
    """Keep a non-overlapping subset: higher priority, then longer, then earlier wins.

    Identical duplicates collapse. The result is sorted by position.
    """
    ordered = sorted(set(candidates), key=lambda c: (-c.priority, -c.length, c.start, c.rule))
    taken: List[bool] = []
    kept: List[Candidate] = []
    for cand in ordered:
        if len(taken) < cand.end:
            taken.extend([False] * (cand.end - len(taken)))
        if any(taken[cand.start:cand.end]):
            continue
        for i in range(cand.start, cand.end):
            taken[i] = True
        kept.append(cand)
    return sorted(kept, key=lambda c: (c.start, c.end))


# ----------------------------------------------------------------------------------------------
# literal prefilters: skip a regex on a text that cannot contain a match
# ----------------------------------------------------------------------------------------------

#: an atom is (kind, text): ("raw", s) — s occurs in the text; ("fold", s) — s (ASCII, case-folded)
#: occurs in the case-folded text; DIGIT — a decimal digit (\\d) occurs in the text
DIGIT = ("digit", "")
_DIGIT_RX = regex.compile(r"\d")
#: after str.casefold(): characters the regex module matches case-insensitively to an ASCII letter
#: that casefold() maps elsewhere: "İ" (casefold "i" + U+0307) and dotless "ı" both match "i"
_FOLD_FIX = {0x307: None, 0x131: "i"}
#: a "{" that does not open a repeat count {m}, {m,}, {,n}, {m,n} (and is not escaped)
_ODD_BRACE = regex.compile(r"(?<!\\)(?:\\\\)*\{(?!\d*,?\d*\})")
#: clauses checked per rule (the most selective ones; each check costs about as much as it saves)
_MAX_CLAUSES = 2


class _NoPrefilter(Exception):
    pass


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
    if "[[:" in pattern or "\\p" in pattern or "\\P" in pattern or "\\X" in pattern:
        return None
    if _ODD_BRACE.search(pattern):  # "{e<=1}" is fuzzy matching to regex, literal text to Python
        return None
    try:
        from re import _constants as c, _parser as sre_parse
    except ImportError:  # pragma: no cover - Python < 3.11
        import sre_constants as c  # type: ignore
        import sre_parse  # type: ignore
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            parsed = sre_parse.parse(pattern)
    except Exception:
        return None
    flags = parsed.state.flags
    if flags & (c.SRE_FLAG_VERBOSE | c.SRE_FLAG_MULTILINE | c.SRE_FLAG_DOTALL | c.SRE_FLAG_ASCII | c.SRE_FLAG_LOCALE):
        return None
    repeats = (c.MAX_REPEAT, c.MIN_REPEAT) + ((c.POSSESSIVE_REPEAT,) if hasattr(c, "POSSESSIVE_REPEAT") else ())
    digit_categories = {c.CATEGORY_DIGIT, getattr(c, "CATEGORY_UNI_DIGIT", c.CATEGORY_DIGIT)}

    def literal_clauses(text: str, fold: bool) -> List[FrozenSet[tuple]]:
        if not fold:
            return [frozenset([("raw", text)])]
        parts, cur = [], []
        for ch in text + "\uffff":  # characters with case folding outside ASCII split the run
            if foldable(ch):
                cur.append(ch)
            elif cur:
                parts.append("".join(cur))
                cur = []
        return [frozenset([("fold", part.casefold())]) for part in parts]

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
        return (min(len(a[1]) if a is not DIGIT else 1 for a in clause), -len(clause))

    def seq(items, fold: bool) -> List[FrozenSet[tuple]]:
        clauses: List[FrozenSet[tuple]] = []
        run: List[str] = []
        for op, av in items:
            if op is c.LITERAL:
                run.append(chr(av))
                continue
            if run:
                clauses.extend(literal_clauses("".join(run), fold))
                run = []
            clauses.extend(item(op, av, fold))
        if run:
            clauses.extend(literal_clauses("".join(run), fold))
        return clauses

    def item(op, av, fold: bool) -> List[FrozenSet[tuple]]:
        if op is c.SUBPATTERN:
            _group, add_flags, del_flags, body = av
            if (add_flags | del_flags) & ~c.SRE_FLAG_IGNORECASE:
                raise _NoPrefilter
            if add_flags & c.SRE_FLAG_IGNORECASE:
                fold = True
            if del_flags & c.SRE_FLAG_IGNORECASE:
                fold = False
            return seq(body, fold)
        if op is c.BRANCH:
            union = set()
            for alternative in av[1]:
                clauses = seq(alternative, fold)
                if not clauses:
                    return []
                union |= max(clauses, key=score)
            return [frozenset(union)]
        if op in repeats:
            lo, _hi, body = av
            return seq(body, fold) if lo >= 1 else []
        if op is getattr(c, "ATOMIC_GROUP", None):
            return seq(av, fold)
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
    return tuple(sorted(set(clauses), key=score, reverse=True))


def foldable(ch: str) -> bool:
    """Whether a case-insensitive literal ``ch`` can be looked for in case-folded text: ASCII (a
    character matching it case-insensitively case-folds to it, the Kelvin sign and long s included),
    or a symbol, punctuation mark or digit without case (≥, ±, ×, –), which matches only itself."""
    if ch.isascii():
        return True
    return (unicodedata.category(ch)[0] in "SPNZ" and ch.casefold() == ch and ch.upper() == ch
            and ch.lower() == ch)


def _passes(clauses, text: str, folded: str, has_digit: bool) -> bool:
    """Whether ``text`` satisfies every clause of a prefilter."""
    for clause in clauses:
        for atom in clause:
            kind, value = atom
            if (value in text) if kind == "raw" else (value in folded) if kind == "fold" else has_digit:
                break
        else:
            return False
    return True


@dataclass
class CompiledRules:
    """Rules compiled into spaCy matchers and regexes."""

    rules: Dict[str, dict]
    phrase_lower: PhraseMatcher
    phrase_orth: PhraseMatcher
    token_matcher: Matcher
    #: (rule id, compiled regex, prefilter clauses left once a digit is known present, needs a digit)
    regexes: List[tuple] = field(default_factory=list)
    #: rule id → (label, priority)
    meta: Dict[str, tuple] = field(default_factory=dict)


def compile_rules(nlp: Language, rules: Sequence[dict]) -> CompiledRules:
    """Compile entity rules for matching with ``nlp``'s vocab and tokenizer."""
    lower = PhraseMatcher(nlp.vocab, attr="LOWER")
    orth = PhraseMatcher(nlp.vocab, attr="ORTH")
    tokens = Matcher(nlp.vocab, validate=True)
    regexes = []
    by_id: Dict[str, dict] = {}
    for rule in rules:
        rid = rule["id"]
        by_id[rid] = rule
        if "phrases" in rule:
            docs = [nlp.make_doc(p) for p in rule["phrases"]]
            (orth if rule.get("case_sensitive") else lower).add(rid, docs)
        elif "regex" in rule:
            fold = not rule.get("case_sensitive")
            rx = regex.compile(rule["regex"], regex.IGNORECASE if fold else 0)
            clauses = regex_prefilter(rule["regex"], fold) or ()
            needs_digit = frozenset([DIGIT]) in clauses
            rest = tuple(cl for cl in clauses if cl != frozenset([DIGIT]))[:_MAX_CLAUSES]
            regexes.append((rid, rx, rest, needs_digit))
        elif "pattern" in rule:
            tokens.add(rid, [rule["pattern"]])
    meta = {rid: (r["label"], r.get("priority", 0) + LABEL_PRIORITY.get(r["label"], 0)) for rid, r in by_id.items()}
    return CompiledRules(by_id, lower, orth, tokens, regexes, meta)


def match_candidates(doc: Doc, compiled: CompiledRules, text: Optional[str] = None) -> List[Candidate]:
    """All rule matches in ``doc`` as candidates (overlapping; phrase and token matches, then regex
    matches in rule order).

    ``text`` is ``doc.text`` when the caller has it. A regex is not run on a text that its
    prefilter (:func:`regex_prefilter`) shows cannot contain a match.
    """
    strings = doc.vocab.strings
    out: List[Candidate] = []
    meta = compiled.meta
    for matcher in (compiled.phrase_lower, compiled.phrase_orth, compiled.token_matcher):
        if len(matcher) == 0:
            continue
        for match_id, start, end in matcher(doc):
            rid = strings[match_id]
            label, priority = meta[rid]
            span = doc[start:end]
            out.append(Candidate(start, end, span.start_char, span.end_char, label, rid, priority))
    if text is None:
        text = doc.text
    has_digit = _DIGIT_RX.search(text) is not None
    folded = None
    for rid, rx, clauses, needs_digit in compiled.regexes:
        if needs_digit and not has_digit:
            continue  # every match needs a digit and the text has none
        if clauses:
            if folded is None:
                folded = text.casefold().translate(_FOLD_FIX)
            if not _passes(clauses, text, folded, has_digit):
                continue  # the text cannot contain a match
        for m in rx.finditer(text):
            s, e = m.span()
            # strip surrounding whitespace so spans align with tokens
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if s == e:
                continue
            span = doc.char_span(s, e)  # strict: its start_char/end_char are s and e
            if span is not None:
                label, priority = meta[rid]
                out.append(Candidate(span.start, span.end, s, e, label, rid, priority))
    return out


def candidate_to_entity(doc: Doc, cand: Candidate, rule: dict, text: Optional[str] = None) -> dict:
    """The plain record of one entity (offsets in characters, relative to the doc); ``text`` is
    ``doc.text`` when the caller has it (spaCy rebuilds it from the tokens on every access)."""
    if text is None:
        text = doc.text
    ent = {
        "label": cand.label,
        "start": cand.start_char,
        "end": cand.end_char,
        "token_start": cand.start,
        "token_end": cand.end,
        "text": text[cand.start_char:cand.end_char],
        "rule": cand.rule,
    }
    if "norm" in rule:
        ent["norm"] = rule["norm"]
    if "category" in rule:
        ent["category"] = rule["category"]
    if rule.get("attrs"):
        ent["attrs"] = dict(rule["attrs"])
    return ent


class EntityRuler:
    """spaCy component: matches entity rules and writes ``doc._.eligex["entities"]``."""

    def __init__(self, nlp: Language, name: str = "eligex_entities"):
        self.nlp = nlp
        self.name = name
        self.rules: List[dict] = []
        self._compiled: Optional[CompiledRules] = None
        extensions.register()

    # rules ---------------------------------------------------------------------------------
    def set_rules(self, rules: Sequence[dict]) -> None:
        self.rules = [{k: r[k] for k in RULE_KEYS_KEPT if k in r} for r in rules]
        self._compiled = compile_rules(self.nlp, self.rules)

    def initialize(self, get_examples=None, *, nlp=None, rules_path: str = "configs/entities"):
        rules, _ = load_rules(Path(rules_path), "entity", strict=True)
        self.set_rules(rules)

    def __call__(self, doc: Doc) -> Doc:
        if self._compiled is None:
            raise ValueError(f"{self.name}: no rules loaded; call nlp.initialize() or load a built model")
        data = extensions.state(doc)
        text = doc.text
        kept = resolve_overlaps(match_candidates(doc, self._compiled, text))
        rules = self._compiled.rules
        data["entities"] = [candidate_to_entity(doc, c, rules[c.rule], text) for c in kept]
        return doc

    # serialisation -------------------------------------------------------------------------
    def to_disk(self, path, *, exclude=()):
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_jsonl(path / "rules.jsonl", self.rules)

    def from_disk(self, path, *, exclude=()):
        self.set_rules(list(srsly.read_jsonl(Path(path) / "rules.jsonl")))
        return self

    def to_bytes(self, *, exclude=()):
        return srsly.msgpack_dumps({"rules": self.rules})

    def from_bytes(self, data, *, exclude=()):
        self.set_rules(srsly.msgpack_loads(data)["rules"])
        return self


@Language.factory(
    "eligex_entities",
    assigns=["doc._.eligex"],
    default_config={},
)
def make_entity_ruler(nlp: Language, name: str) -> EntityRuler:
    """Factory: entity rules from ``configs/entities`` (given at ``initialize``)."""
    return EntityRuler(nlp, name)
