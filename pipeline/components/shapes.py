"""Subjects no lexicon knows, found by the shape ``<noun phrase> <comparator> <number> [unit]``.

"Serum ferritin ≥ 500 ng/mL" or "Absolute CD19+ count < 5 cells/µL" name a measurement even when
no rule lists it. :func:`find_shape_subjects` is the pure algorithm over tokens and entities;
``eligex_shapes`` is its component. The words that cannot be part of such a name are data
(``subject_stop_words`` in ``configs/constraints.json``).
"""


from pathlib import Path
from typing import Iterable, List, Sequence

import srsly
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.components import docview

from pipeline.core import extensions
from pipeline.rules.loading import load_json_config

SHAPE_RULE = "shape.np_comparator_value"
TIME_UNIT_RULES = {"unit.years", "unit.months", "unit.weeks", "unit.days", "unit.hours"}
BOUND_OPS = {">=", ">", "<=", "<", "=", "between", "range"}
#: range signs ("1993 - 1996") do not make a shape; "between" and "in the range of" do
NO_SHAPE_RULES = {"cmp.range_sign"}
#: words that may stand between a subject and its comparator ("ferritin level is ≥ 500")
LINK_WORDS = {"is", "was", "are", "were", "be", "of", ":", "level", "levels", "value", "values",
              "must", "should", "count", "score", "(", ")", "at", "baseline", "screening"}


def _is_name_token(text: str) -> bool:
    return any(ch.isalpha() for ch in text) and all(ch.isalnum() or ch in "-+'’/" for ch in text)


def find_shape_subjects(words: Sequence[str], entities: Sequence[dict],
                        stop_words: Iterable[str], max_tokens: int = 5,
                        condition_suffixes: Sequence[str] = ()) -> List[dict]:
    """New MEASUREMENT entities (token spans) for comparators with a value but no subject.

    ``words`` are the token texts; ``entities`` the entity records (with ``token_start``,
    ``token_end``, ``label``, ``attrs``). Returns records with ``token_start``/``token_end``.
    """
    stop = stop_words if isinstance(stop_words, frozenset) else frozenset(w.lower() for w in stop_words)
    owner = {}
    for idx, ent in enumerate(entities):
        for i in range(ent["token_start"], ent["token_end"]):
            owner[i] = idx
    found: List[dict] = []
    for ci, cmp_ent in enumerate(entities):
        attrs = cmp_ent.get("attrs") or {}
        if cmp_ent["label"] != "COMPARATOR" or attrs.get("op") not in BOUND_OPS or attrs.get("postfix") \
                or attrs.get("weak") or cmp_ent["rule"] in NO_SHAPE_RULES:
            continue
        nxt = entities[ci + 1] if ci + 1 < len(entities) else None
        if nxt is None or nxt["label"] != "VALUE" or nxt["token_start"] - cmp_ent["token_end"] > 1:
            continue
        unit = entities[ci + 2] if ci + 2 < len(entities) else None
        if unit is not None and unit["rule"] in TIME_UNIT_RULES and unit["token_start"] == nxt["token_end"]:
            continue  # "> 18 years", "< 2 months": an age or a duration, not a measurement
        if _known_subject_before(entities, ci, max_tokens + 3):
            continue  # "NYHA heart failure classification of >2": the subject is already known
        i = cmp_ent["token_start"] - 1
        while i >= 0 and words[i].lower() in LINK_WORDS and i not in owner:
            i -= 1
        if i < 0 or i in owner:
            continue  # a known entity (subject, value, unit...) stands before the comparator
        end = i + 1
        start = end
        while (i >= 0 and end - i <= max_tokens and i not in owner and _is_name_token(words[i])
               and words[i].lower() not in stop):
            start = i
            i -= 1
        head = words[end - 1].lower()
        if start < end and not (len(head) > 5 and head.endswith(tuple(condition_suffixes))):
            found.append({"token_start": start, "token_end": end})
    return found


def _known_subject_before(entities: Sequence[dict], ci: int, window: int) -> bool:
    """Whether a MEASUREMENT/SCORE stands within ``window`` tokens before comparator ``ci``
    with no value between them."""
    limit = entities[ci]["token_start"] - window
    for j in range(ci - 1, -1, -1):  # not a reversed slice: that copies every entity before ci
        ent = entities[j]
        if ent["token_end"] <= limit or ent["label"] == "VALUE":
            return False
        if ent["label"] in ("MEASUREMENT", "SCORE"):
            return True
    return False


class ShapeSubjectFinder:
    def __init__(self, nlp: Language, name: str = "eligex_shapes"):
        self.name = name
        self._stop: frozenset = frozenset()
        self.stop_words = []
        self.max_tokens = 5
        self.condition_suffixes: List[str] = []
        extensions.register()

    @property
    def stop_words(self) -> List[str]:
        return self._stop_words

    @stop_words.setter
    def stop_words(self, words: Iterable[str]) -> None:
        self._stop_words = list(words)
        self._stop = frozenset(w.lower() for w in self._stop_words)  # lower-cased once, not per doc

    def initialize(self, get_examples=None, *, nlp=None, config_path: str = "configs/constraints.json"):
        cfg = load_json_config(config_path)
        self.stop_words = list(cfg.get("subject_stop_words", []))
        self.max_tokens = int(cfg.get("subject_max_tokens", 5))
        self.condition_suffixes = list(cfg.get("condition_suffixes", []))

    def __call__(self, doc: Doc) -> Doc:
        data = extensions.state(doc)
        entities = data["entities"]
        if not any(e["label"] == "COMPARATOR" for e in entities):
            return doc
        words = docview.view(doc).words
        new = find_shape_subjects(words, entities, self._stop, self.max_tokens, self.condition_suffixes)
        for rec in new:
            span = doc[rec["token_start"]:rec["token_end"]]
            entities.append({
                "label": "MEASUREMENT", "start": span.start_char, "end": span.end_char,
                "token_start": span.start, "token_end": span.end, "text": span.text,
                "rule": SHAPE_RULE, "norm": span.text.lower(), "category": "measurement",
            })
        if new:
            entities.sort(key=lambda e: (e["start"], e["end"]))
        return doc

    def to_disk(self, path, *, exclude=()):
        Path(path).mkdir(parents=True, exist_ok=True)
        srsly.write_json(Path(path) / "cfg.json", {"stop_words": self.stop_words, "max_tokens": self.max_tokens,
                                                   "condition_suffixes": self.condition_suffixes})

    def from_disk(self, path, *, exclude=()):
        cfg = srsly.read_json(Path(path) / "cfg.json")
        self.stop_words, self.max_tokens = cfg["stop_words"], cfg["max_tokens"]
        self.condition_suffixes = cfg.get("condition_suffixes", [])
        return self


@Language.factory("eligex_shapes", assigns=["doc._.eligex"], default_config={})
def make_shape_finder(nlp: Language, name: str) -> ShapeSubjectFinder:
    """Factory: subjects found by the shape noun phrase + comparator + number."""
    return ShapeSubjectFinder(nlp, name)
