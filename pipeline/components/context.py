"""medspaCy ConText with eligex's own rules (``configs/context.jsonl``).

The component keeps its rules as plain dicts (with a stable ``id`` each) and builds medspaCy's
:class:`~medspacy.context.ConText` from them lazily, in the process that uses it: medspaCy's rule
objects never need pickling, so ``nlp.pipe(n_process>1)`` works. After ConText has run, its
results are copied into plain records (``doc._.eligex["context"]`` and each target entity's
``context_ids``) and medspaCy's Span-valued attributes are removed from the Doc. (The key is not
``modifiers``: medspaCy registers a global msgpack decoder that rewrites any dict with that key.)
"""


from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

import srsly
from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.components import docview

from pipeline.core import extensions
from pipeline.rules.loading import load_rules

TARGET_LABELS = ("MEASUREMENT", "SCORE", "CONDITION")
TARGET_GROUP = "eligex_targets"
#: modifier category → the flag it sets on an entity
CATEGORY_FLAGS = {
    "NEGATED_EXISTENCE": ("negated", True),
    "POSSIBLE_EXISTENCE": ("uncertain", True),
    "HISTORICAL": ("historical", True),
    "HYPOTHETICAL": ("hypothetical", True),
    "FAMILY": ("family", True),
    "EXCEPTION": ("exception", True),
    "RESULT_POSITIVE": ("result", "positive"),
    "RESULT_NEGATIVE": ("result", "negative"),
}
FLAG_DEFAULTS = {"negated": False, "uncertain": False, "historical": False, "hypothetical": False,
                 "family": False, "exception": False, "result": None}
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


#: categories that never change an entity: a criterion with only these cues needs no ConText run
INERT_CATEGORIES = {"TERMINATE", "PSEUDO"}


def cue_words(rules: Sequence[dict], make_doc) -> Optional[Dict[str, List[frozenset]]]:
    """What a criterion must contain for some modifying rule to match: first word → the sets of
    lower-cased words that rules starting with it need (a literal needs all its words, a token
    pattern its first word), or ``None`` when some rule's first token cannot be known (a regex, an
    optional first token): then ConText always runs. See :func:`may_match`."""
    index: Dict[str, List[frozenset]] = {}
    for rule in rules:
        if rule["category"] in INERT_CATEGORIES:
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


def apply_modifier_flags(entity: dict, categories: Sequence[str]) -> None:
    """Set an entity's context flags from the categories of the modifiers that modify it."""
    for key, value in FLAG_DEFAULTS.items():
        entity.setdefault(key, value)
    for category in categories:
        if category in CATEGORY_FLAGS:
            key, value = CATEGORY_FLAGS[category]
            entity[key] = value


_NOT_YET = object()  # rule index not built yet


class EligexContext:
    """spaCy component around medspaCy ConText; rules given at ``initialize`` or from disk."""

    def __init__(self, nlp: Language, name: str = "eligex_context"):
        self.nlp = nlp
        self.name = name
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

    def initialize(self, get_examples=None, *, nlp=None, rules_path: str = "configs/context.jsonl"):
        rules, _ = load_rules(Path(rules_path), "context", strict=True)
        self.set_rules(rules)

    def __call__(self, doc: Doc) -> Doc:
        data = extensions.state(doc)
        entities = data["entities"]
        targets = [e for e in entities if e["label"] in TARGET_LABELS]
        for ent in targets:
            for key, value in FLAG_DEFAULTS.items():
                ent.setdefault(key, value)
            ent.setdefault("context_ids", [])
        if self._cues is _NOT_YET:
            self._cues = cue_words(self.rules, self.nlp.make_doc)
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
            apply_modifier_flags(ent, [modifiers[i]["category"] for i in ent["context_ids"]])
        data["context"] = modifiers
        _drop_context_objects(doc)
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

    def __getstate__(self):
        # medspaCy's objects are rebuilt from the rule dicts in the receiving process
        return {"nlp": self.nlp, "name": self.name, "rules": self.rules}

    def __setstate__(self, state):
        self.nlp, self.name = state["nlp"], state["name"]
        self.set_rules(state["rules"])


def _drop_context_objects(doc: Doc) -> None:
    """Remove medspaCy's non-serialisable attributes (ConTextGraph, Span._.modifiers)."""
    doc._.context_graph = None
    for key in [k for k in doc.user_data if isinstance(k, tuple) and len(k) > 1 and k[1] == "modifiers"]:
        del doc.user_data[key]
    if TARGET_GROUP in doc.spans:
        del doc.spans[TARGET_GROUP]


@Language.factory("eligex_context", assigns=["doc._.eligex"], default_config={})
def make_context(nlp: Language, name: str) -> EligexContext:
    """Factory: medspaCy ConText over MEASUREMENT/SCORE/CONDITION entities with our rules."""
    return EligexContext(nlp, name)
