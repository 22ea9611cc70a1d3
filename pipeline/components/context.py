"""medspaCy ConText with eligex's own rules (``configs/context.jsonl``).

The component keeps its rules as plain dicts (with a stable ``id`` each) and builds medspaCy's
:class:`~medspacy.context.ConText` from them lazily, in the process that uses it: medspaCy's rule
objects never need pickling, so ``nlp.pipe(n_process>1)`` works. After ConText has run, its
results are copied into plain records (``doc._.eligex["context"]`` and each target entity's
``context_ids``) and medspaCy's Span-valued attributes are removed from the Doc. (The key is not
``modifiers``: medspaCy registers a global msgpack decoder that rewrites any dict with that key.)
Which flag each ConText category sets on an entity is data (``configs/context_flags.json``,
:class:`ContextFlags`); which labels are targets is the factory config's ``target_labels``.
"""


from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import srsly
from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.components import docview

from pipeline.core import extensions
from pipeline.core.problems import Problem
from pipeline.rules.loading import CONFIG_SCHEMAS, RuleError, load_json_config, load_rules

#: the labels of the entities ConText modifies, by default
DEFAULT_TARGET_LABELS = ("MEASUREMENT", "SCORE", "CONDITION")
TARGET_GROUP = "eligex_targets"


@dataclass(frozen=True)
class ContextFlags:
    """What modifiers do to entities (``configs/context_flags.json``): ``defaults`` (flag → value
    when no modifier sets it, in output order), ``categories`` (category → (flag, value)) and the
    ``inert`` categories, which never change an entity."""

    defaults: Dict[str, object] = field(default_factory=dict)
    categories: Dict[str, Tuple[str, object]] = field(default_factory=dict)
    inert: frozenset = frozenset()

    @classmethod
    def from_config(cls, data: dict, source: str = "") -> "ContextFlags":
        unknown = sorted(c for c, spec in data["categories"].items() if spec["flag"] not in data["flags"])
        if unknown:
            raise RuleError([Problem(source, None, f"categories/{c}: flag {data['categories'][c]['flag']!r} "
                                                   "is not one of 'flags'", record=c) for c in unknown])
        return cls(dict(data["flags"]), {c: (spec["flag"], spec["value"]) for c, spec in data["categories"].items()},
                   frozenset(data["inert"]))

    @classmethod
    def load(cls, path: Path | str) -> "ContextFlags":
        return cls.from_config(load_json_config(path, CONFIG_SCHEMAS["context_flags.json"]), str(path))

    def to_config(self) -> dict:
        return {"flags": dict(self.defaults),
                "categories": {c: {"flag": f, "value": v} for c, (f, v) in self.categories.items()},
                "inert": sorted(self.inert)}


_CONTEXT_RULE_KEYS = ("literal", "category", "pattern", "direction", "max_scope", "max_targets",
                      "allowed_types", "excluded_types", "terminated_by")


def literal_forms(pattern) -> Optional[List[str]]:
    """The phrases a token pattern made only of ``LOWER`` values (or ``{"IN": [...]}`` lists)
    matches, so it can run in medspaCy's fast phrase matcher; ``None`` for any other pattern."""
    if not isinstance(pattern, list) or not pattern:
        return None
    forms = [""]
    for tok in pattern:
        if set(tok) != {"LOWER"}:
            return None
        spec = tok["LOWER"]
        if isinstance(spec, str):
            options = [spec]
        elif isinstance(spec, dict) and set(spec) == {"IN"} and isinstance(spec["IN"], list):
            options = [str(x) for x in spec["IN"]]
        else:
            return None
        forms = [f"{f} {o}".strip() for f in forms for o in options]
    return forms


def to_context_rules(rule: dict) -> list:
    """medspaCy ``ConTextRule`` objects for one of our rule dicts (its id kept in ``metadata``).

    A token pattern that only lists lower-case words becomes one literal rule per phrase (same
    id): medspaCy matches literals with a PhraseMatcher, several times faster than its Matcher."""
    forms = literal_forms(rule.get("pattern"))
    if forms is None:
        return [to_context_rule(rule)]
    base = {k: v for k, v in rule.items() if k != "pattern"}
    return [to_context_rule({**base, "literal": form}) for form in forms]


def to_context_rule(rule: dict):
    """A medspaCy ``ConTextRule`` from one of our rule dicts (its id kept in ``metadata``)."""
    from medspacy.context import ConTextRule

    kwargs = {k: rule[k] for k in _CONTEXT_RULE_KEYS if k in rule}
    for key in ("allowed_types", "excluded_types", "terminated_by"):
        if key in kwargs:
            kwargs[key] = set(kwargs[key])
    kwargs.setdefault("direction", "BIDIRECTIONAL")
    return ConTextRule(metadata={"id": rule["id"]}, **kwargs)


def cue_words(rules: Sequence[dict], make_doc, inert: Iterable[str]) -> Optional[Dict[str, List[frozenset]]]:
    """What a criterion must contain for some modifying rule to match: first word → the sets of
    lower-cased words that rules starting with it need (a literal needs all its words, a token
    pattern its first word), or ``None`` when some rule's first token cannot be known (a regex, an
    optional first token): then ConText always runs. Rules of the ``inert`` categories (which never
    change an entity: a criterion with only these cues needs no ConText run) are left out. See
    :func:`may_match`."""
    inert = frozenset(inert)
    index: Dict[str, List[frozenset]] = {}
    for rule in rules:
        if rule["category"] in inert:
            continue
        pattern = rule.get("pattern")
        if pattern is None:
            toks = [t.text.lower() for t in make_doc(rule["literal"]) if not t.is_space]
            if not toks:
                return None
            index.setdefault(toks[0], []).append(frozenset(toks))
            continue
        if not isinstance(pattern, list) or not pattern or pattern[0].get("OP") in ("?", "*"):
            return None
        first = pattern[0]
        spec = first.get("LOWER", first.get("ORTH", first.get("TEXT")))
        if isinstance(spec, str):
            firsts = [spec.lower()]
        elif isinstance(spec, dict) and isinstance(spec.get("IN"), list) and len(spec) == 1:
            firsts = [str(x).lower() for x in spec["IN"]]
        else:
            return None
        for word in firsts:
            index.setdefault(word, []).append(frozenset([word]))
    # a rule that needs only its first word makes the others with that first word moot
    return {first: [frozenset([first])] if frozenset([first]) in needs else sorted(set(needs), key=len)
            for first, needs in index.items()}


def may_match(index: Dict[str, List[frozenset]], words: Iterable[str]) -> bool:
    """Whether a criterion with these lower-cased ``words`` can get a modifier that changes an
    entity: some rule's needed words (:func:`cue_words`) are all there."""
    present = words if isinstance(words, (set, frozenset)) else set(words)
    for first in present.intersection(index):
        if any(needed <= present for needed in index[first]):
            return True
    return False


def apply_modifier_flags(entity: dict, categories: Sequence[str], flags: ContextFlags) -> None:
    """Set an entity's context flags from the categories of the modifiers that modify it."""
    for key, value in flags.defaults.items():
        entity.setdefault(key, value)
    for category in categories:
        if category in flags.categories:
            key, value = flags.categories[category]
            entity[key] = value


_NOT_YET = object()  # rule index not built yet


class EligexContext:
    """spaCy component around medspaCy ConText; rules given at ``initialize`` or from disk."""

    def __init__(self, nlp: Language, name: str = "eligex_context",
                 target_labels: Sequence[str] = DEFAULT_TARGET_LABELS):
        self.nlp = nlp
        self.name = name
        self.target_labels = tuple(target_labels)
        self.flags = ContextFlags()
        self.rules: List[dict] = []
        self._context = None
        self._cues: Optional[Dict[str, List[frozenset]]] = {}
        extensions.register()

    def set_rules(self, rules: Sequence[dict]) -> None:
        self.rules = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rules]
        self._context = None
        self._cues = _NOT_YET  # computed on first use: when unpickling, nlp is not whole yet

    @property
    def context(self):
        if self._context is None:
            from medspacy.context import ConText

            ctx = ConText(self.nlp, name=self.name, rules=None, span_attrs=None,
                          input_span_type="group", span_group_name=TARGET_GROUP)
            ctx.add([cr for r in self.rules for cr in to_context_rules(r)])
            self._context = ctx
        return self._context

    def initialize(self, get_examples=None, *, nlp=None, rules_path: str = "configs/context.jsonl",
                   flags_path: str = "configs/context_flags.json"):
        rules, _ = load_rules(Path(rules_path), "context", strict=True)
        self.flags = ContextFlags.load(flags_path)
        self.set_rules(rules)

    def __call__(self, doc: Doc) -> Doc:
        data = extensions.state(doc)
        entities = data["entities"]
        targets = [e for e in entities if e["label"] in self.target_labels]
        defaults = self.flags.defaults
        for ent in targets:
            for key, value in defaults.items():
                ent.setdefault(key, value)
            ent.setdefault("context_ids", [])
        if self._cues is _NOT_YET:
            self._cues = cue_words(self.rules, self.nlp.make_doc, self.flags.inert)
        if not len(doc) or (self._cues is not None and not may_match(self._cues, docview.view(doc).lower)):
            data["context"] = []  # no cue word of a modifying rule: nothing for ConText to do
            return doc
        doc.spans[TARGET_GROUP] = [
            Span(doc, e["token_start"], e["token_end"], label=e["label"]) for e in targets
        ]
        self.context(doc)
        graph = doc._.context_graph
        view = docview.view(doc)
        text, words, starts = view.text, view.words, view.starts
        modifiers: List[dict] = []
        index: Dict[int, int] = {}
        for mod in graph.modifiers:
            s, e = mod.modifier_span
            ss, se = mod.scope_span
            index[id(mod)] = len(modifiers)
            start, end = starts[s], starts[e - 1] + len(words[e - 1])
            modifiers.append({
                "category": mod.category,
                "direction": mod.direction,
                "rule": mod.rule.metadata.get("id") if mod.rule.metadata else None,
                "cue": text[start:end],
                "start": start,
                "end": end,
                "scope": [starts[ss], starts[se - 1] + len(words[se - 1])] if se > ss else None,
                "targets": [],
            })
        by_tokens = {(e["token_start"], e["token_end"]): e for e in targets}
        for target, mod in graph.edges:
            ent = by_tokens.get((target.start, target.end))
            rec = modifiers[index[id(mod)]]
            if ent is None:
                continue
            rec["targets"].append([ent["start"], ent["end"]])
            ent["context_ids"].append(index[id(mod)])
        for ent in targets:
            apply_modifier_flags(ent, [modifiers[i]["category"] for i in ent["context_ids"]], self.flags)
        data["context"] = modifiers
        _drop_context_objects(doc)
        return doc

    # serialisation -------------------------------------------------------------------------
    def to_disk(self, path, *, exclude=()):
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_jsonl(path / "rules.jsonl", self.rules)
        srsly.write_json(path / "flags.json", self.flags.to_config())

    def from_disk(self, path, *, exclude=()):
        path = Path(path)
        self.flags = ContextFlags.from_config(srsly.read_json(path / "flags.json"), str(path / "flags.json"))
        self.set_rules(list(srsly.read_jsonl(path / "rules.jsonl")))
        return self

    def to_bytes(self, *, exclude=()):
        return srsly.msgpack_dumps({"rules": self.rules, "flags": self.flags.to_config()})

    def from_bytes(self, data, *, exclude=()):
        data = srsly.msgpack_loads(data)
        self.flags = ContextFlags.from_config(data["flags"])
        self.set_rules(data["rules"])
        return self

    def __getstate__(self):
        # medspaCy's objects are rebuilt from the rule dicts in the receiving process
        return {"nlp": self.nlp, "name": self.name, "rules": self.rules, "target_labels": self.target_labels,
                "flags": self.flags}

    def __setstate__(self, state):
        self.nlp, self.name = state["nlp"], state["name"]
        self.target_labels, self.flags = state["target_labels"], state["flags"]
        self.set_rules(state["rules"])


def _drop_context_objects(doc: Doc) -> None:
    """Remove medspaCy's non-serialisable attributes (ConTextGraph, Span._.modifiers)."""
    doc._.context_graph = None
    for key in [k for k in doc.user_data if isinstance(k, tuple) and len(k) > 1 and k[1] == "modifiers"]:
        del doc.user_data[key]
    if TARGET_GROUP in doc.spans:
        del doc.spans[TARGET_GROUP]


@Language.factory("eligex_context", assigns=["doc._.eligex"],
                  default_config={"target_labels": list(DEFAULT_TARGET_LABELS)})
def make_context(nlp: Language, name: str, target_labels: List[str]) -> EligexContext:
    """Factory: medspaCy ConText with our rules over the entities of ``target_labels``
    (MEASUREMENT, SCORE, CONDITION)."""
    return EligexContext(nlp, name, target_labels)
