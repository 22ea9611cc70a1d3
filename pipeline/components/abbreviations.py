"""Short forms and their long forms ("Systemic Lupus Erythematosus (SLE)").

Uses scispaCy's rule-based Schwartz & Hearst functions (``filter_matches``, ``find_abbreviation``)
directly, and stores the pairs as plain character offsets in ``doc._.eligex["abbreviations"]``.
An entity found for the long form (of a label in the factory config's ``long_form_labels``)
lends its label and canonical name to every mention of the short form that no rule found, so
unseen abbreviations are still normalised.
"""


from typing import Iterable, List, Sequence, Tuple

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc

from pipeline.components import docview

from pipeline.core import extensions


def find_pairs(doc: Doc, matcher: Matcher) -> List[Tuple[Tuple[int, int], Tuple[int, int]]]:
    """(long form token span, short form token span) pairs defined in ``doc``."""
    from scispacy.abbreviation import filter_matches, find_abbreviation

    matches = [(m, s + 1, e - 1) for m, s, e in matcher(doc)]
    pairs = []
    for long_candidate, short_candidate in filter_matches(matches, doc):
        short, long = find_abbreviation(long_candidate, short_candidate)
        if long is not None and short is not None:
            pairs.append(((long.start, long.end), (short.start, short.end)))
    return pairs


#: labels whose entities lend their label to their short forms by default
DEFAULT_LONG_FORM_LABELS = ("MEASUREMENT", "SCORE", "CONDITION")


def propagate(doc: Doc, entities: List[dict], pairs,
              long_form_labels: Iterable[str] = DEFAULT_LONG_FORM_LABELS) -> List[dict]:
    """New entities for short-form mentions whose long form is an entity of one of
    ``long_form_labels``; returns the additions."""
    labels = long_form_labels if isinstance(long_form_labels, frozenset) else frozenset(long_form_labels)
    covered = set()
    covering: dict = {}  # token -> the entities over it, in ``entities`` order
    for e in entities:
        for t in range(e["token_start"], e["token_end"]):
            covered.add(t)
            covering.setdefault(t, []).append(e)
    words = [t.text for t in doc]
    positions: dict = {}  # word -> the token positions where it stands, in order
    for i, w in enumerate(words):
        positions.setdefault(w, []).append(i)
    done = set()  # short forms already propagated: every later mention of them is covered
    added: List[dict] = []
    for (ls, le), (ss, se) in pairs:
        long_ent = next((e for e in covering.get(ls, ()) if e["token_end"] >= le and e["label"] in labels), None)
        if long_ent is None:
            continue
        short_words = words[ss:se]
        key = tuple(short_words)
        if key in done or not short_words:
            continue
        done.add(key)
        n = se - ss
        for i in positions.get(short_words[0], ()):
            if words[i:i + n] != short_words:
                continue
            if any(j in covered for j in range(i, i + n)):
                continue
            span = doc[i:i + n]
            ent = {k: v for k, v in long_ent.items() if k in ("label", "norm", "category")}
            ent.update({"start": span.start_char, "end": span.end_char, "token_start": i,
                        "token_end": i + n, "text": span.text,
                        "rule": f"abbrev.{long_ent['rule']}"})
            covered.update(range(i, i + n))
            added.append(ent)
    return added


class AbbreviationLinker:
    def __init__(self, nlp: Language, name: str = "eligex_abbreviations",
                 long_form_labels: Sequence[str] = DEFAULT_LONG_FORM_LABELS):
        self.name = name
        self.long_form_labels = frozenset(long_form_labels)
        self.matcher = Matcher(nlp.vocab)
        self.matcher.add("parenthesis", [[{"ORTH": "("}, {"OP": "+"}, {"ORTH": ")"}]])
        extensions.register()

    def __call__(self, doc: Doc) -> Doc:
        data = extensions.state(doc)
        if "(" not in docview.view(doc).text:
            data["abbreviations"] = []
            return doc
        pairs = find_pairs(doc, self.matcher)
        data["abbreviations"] = [
            {"long": [doc[ls:le].start_char, doc[ls:le].end_char], "long_text": doc[ls:le].text,
             "short": [doc[ss:se].start_char, doc[ss:se].end_char], "short_text": doc[ss:se].text}
            for (ls, le), (ss, se) in pairs
        ]
        added = propagate(doc, data["entities"], pairs, self.long_form_labels)
        if added:
            data["entities"] = sorted(data["entities"] + added, key=lambda e: (e["start"], e["end"]))
        return doc


@Language.factory("eligex_abbreviations", assigns=["doc._.eligex"],
                  default_config={"long_form_labels": list(DEFAULT_LONG_FORM_LABELS)})
def make_abbreviations(nlp: Language, name: str, long_form_labels: List[str]) -> AbbreviationLinker:
    """Factory: scispaCy's rule-based abbreviation detection, stored as plain offsets;
    ``long_form_labels``: the labels a long form lends to its short form."""
    return AbbreviationLinker(nlp, name, long_form_labels)
