"""Entity rules: lexicon phrases, regular expressions and token patterns → labelled spans.

Rules are data (``configs/entities/*.jsonl``, schema ``pipeline/rules/schemas/entity_rule.json``), loaded
in ``initialize`` and written by ``to_disk``. Every span keeps its rule id, so each prediction can
be traced to the rule that made it. Overlaps are resolved by :func:`resolve_overlaps`, a pure
function: higher priority first, then the longer span. A span's priority is its label's
(``entity_priority`` in ``configs/labels.json``) plus its rule's own ``priority``.
"""


from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence

import regex
import srsly
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from pipeline.components import docview

from pipeline.core import extensions
from pipeline.components.prefilter import RulePrefilter
from pipeline.rules.loading import CONFIG_SCHEMAS, load_json_config, load_rules

RULE_KEYS_KEPT = ("id", "label", "phrases", "regex", "pattern", "case_sensitive", "norm", "category",
                  "priority", "attrs", "flags", "examples", "not_examples", "comment")


class Candidate(NamedTuple):
    """A candidate entity: token span [start, end), char span, label and the rule that made it
    (a named tuple: immutable, hashable, and quick to make, as there are many per criterion)."""

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


@dataclass
class CompiledRules:
    """Rules compiled into spaCy matchers and regexes."""

    rules: Dict[str, dict]
    phrase_lower: PhraseMatcher
    phrase_orth: PhraseMatcher
    token_matcher: Matcher
    #: (rule id, compiled regex), in rule order
    regexes: List[tuple] = field(default_factory=list)
    #: which of ``regexes`` can match a text (:class:`~pipeline.components.prefilter.RulePrefilter`)
    prefilter: Optional[RulePrefilter] = None
    #: rule id → (label, priority)
    meta: Dict[str, tuple] = field(default_factory=dict)


def load_label_priority(path: Path | str) -> Dict[str, int]:
    """Label → priority from ``entity_priority`` of a labels file (``configs/labels.json``)."""
    return dict(load_json_config(path, CONFIG_SCHEMAS["labels.json"])["entity_priority"]["labels"])


def compile_rule_regex(rule: dict) -> "regex.Pattern":
    """A regex rule's pattern as matching compiles it: case-folded unless ``case_sensitive``."""
    return regex.compile(rule["regex"], 0 if rule.get("case_sensitive") else regex.IGNORECASE)


def compile_rules(nlp: Language, rules: Sequence[dict], label_priority: Dict[str, int]) -> CompiledRules:
    """Compile entity rules for matching with ``nlp``'s vocab and tokenizer; a match's priority is
    ``label_priority`` of its label (0 for a label not listed) plus its rule's ``priority``."""
    lower = PhraseMatcher(nlp.vocab, attr="LOWER")
    orth = PhraseMatcher(nlp.vocab, attr="ORTH")
    tokens = Matcher(nlp.vocab, validate=True)
    regexes = []
    patterns = []
    by_id: Dict[str, dict] = {}
    for rule in rules:
        rid = rule["id"]
        by_id[rid] = rule
        if "phrases" in rule:
            docs = [nlp.make_doc(p) for p in rule["phrases"]]
            (orth if rule.get("case_sensitive") else lower).add(rid, docs)
        elif "regex" in rule:
            regexes.append((rid, compile_rule_regex(rule)))
            patterns.append((rule["regex"], not rule.get("case_sensitive")))
        elif "pattern" in rule:
            tokens.add(rid, [rule["pattern"]])
    meta = {rid: (r["label"], r.get("priority", 0) + label_priority.get(r["label"], 0)) for rid, r in by_id.items()}
    return CompiledRules(by_id, lower, orth, tokens, regexes, RulePrefilter(patterns), meta)


def match_candidates(doc: Doc, compiled: CompiledRules, view: Optional[docview.DocView] = None
                     ) -> List[Candidate]:
    """All rule matches in ``doc`` as candidates (overlapping; phrase and token matches, then regex
    matches in rule order).

    ``view`` is the doc's shared :class:`~pipeline.components.docview.DocView` (made when not given). A regex
    is not run on a text that its prefilter (:mod:`pipeline.components.prefilter`) shows cannot contain a match.
    """
    if view is None:
        view = docview.view(doc)
    text, words, starts = view.text, view.words, view.starts
    strings = doc.vocab.strings
    out: List[Candidate] = []
    meta = compiled.meta
    for matcher in (compiled.phrase_lower, compiled.phrase_orth, compiled.token_matcher):
        if len(matcher) == 0:
            continue
        for match_id, start, end in matcher(doc):
            rid = strings[match_id]
            label, priority = meta[rid]
            out.append(Candidate(start, end, starts[start], starts[end - 1] + len(words[end - 1]),
                                 label, rid, priority))
    regexes = compiled.regexes
    for ri in compiled.prefilter.candidates(text):
        rid, rx = regexes[ri]
        for m in rx.finditer(text):
            s, e = m.span()
            # strip surrounding whitespace so spans align with tokens
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if s == e:
                continue
            # strict alignment: the match starts at a token's start and ends at a token's end
            ts = bisect_left(starts, s)
            if ts == len(starts) or starts[ts] != s:
                continue
            last = bisect_right(starts, e - 1) - 1  # the token holding the match's last character
            if starts[last] + len(words[last]) != e:
                continue
            label, priority = meta[rid]
            out.append(Candidate(ts, last + 1, s, e, label, rid, priority))
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
        self.label_priority: Dict[str, int] = {}
        self._compiled: Optional[CompiledRules] = None
        extensions.register()

    # rules ---------------------------------------------------------------------------------
    def set_rules(self, rules: Sequence[dict], label_priority: Dict[str, int]) -> None:
        self.rules = [{k: r[k] for k in RULE_KEYS_KEPT if k in r} for r in rules]
        self.label_priority = dict(label_priority)
        self._compiled = compile_rules(self.nlp, self.rules, self.label_priority)

    def initialize(self, get_examples=None, *, nlp=None, rules_path: str = "configs/entities",
                   labels_path: str = "configs/labels.json"):
        rules, _ = load_rules(Path(rules_path), "entity", strict=True)
        self.set_rules(rules, load_label_priority(labels_path))

    def candidates(self, doc: Doc) -> List[Candidate]:
        """Every rule match in ``doc`` before overlap resolution (none while no rules are loaded)."""
        return [] if self._compiled is None else match_candidates(doc, self._compiled)

    def __call__(self, doc: Doc) -> Doc:
        if self._compiled is None:
            raise ValueError(f"{self.name}: no rules loaded; call nlp.initialize() or load a built model")
        data = extensions.state(doc)
        view = docview.view(doc)
        kept = resolve_overlaps(match_candidates(doc, self._compiled, view))
        rules = self._compiled.rules
        data["entities"] = [candidate_to_entity(doc, c, rules[c.rule], view.text) for c in kept]
        return doc

    # serialisation -------------------------------------------------------------------------
    def to_disk(self, path, *, exclude=()):
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_jsonl(path / "rules.jsonl", self.rules)
        srsly.write_json(path / "label_priority.json", self.label_priority)

    def from_disk(self, path, *, exclude=()):
        path = Path(path)
        self.set_rules(list(srsly.read_jsonl(path / "rules.jsonl")), srsly.read_json(path / "label_priority.json"))
        return self

    def to_bytes(self, *, exclude=()):
        return srsly.msgpack_dumps({"rules": self.rules, "label_priority": self.label_priority})

    def from_bytes(self, data, *, exclude=()):
        data = srsly.msgpack_loads(data)
        self.set_rules(data["rules"], data["label_priority"])
        return self


@Language.factory(
    "eligex_entities",
    assigns=["doc._.eligex"],
    default_config={},
)
def make_entity_ruler(nlp: Language, name: str) -> EntityRuler:
    """Factory: entity rules from ``configs/entities`` (given at ``initialize``)."""
    return EntityRuler(nlp, name)
