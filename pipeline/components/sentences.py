"""Criterion-aware sentence splitting (instead of PyRuSH, which is six times slower).

Inside one criterion a sentence (a ConText scope) ends at ``;``, at a line break, and at ``.``,
``!`` or ``?`` followed by a capital letter or a digit. Pure function :func:`sentence_starts`, thin
component ``eligex_sentences``.
"""


import re
from functools import lru_cache
from typing import List, Sequence

import numpy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.components import docview

_ENDERS = {".", "!", "?"}
_BREAKS = _ENDERS | {";"}
_BREAK_CHAR = re.compile(r"[;\n.!?]")


def sentence_starts(words: Sequence[str]) -> List[bool]:
    """For each token, whether it starts a sentence."""
    starts = [False] * len(words)
    if not words:
        return starts
    starts[0] = True
    for i in range(1, len(words)):
        prev = words[i - 1]
        word = words[i]
        if prev == ";" or "\n" in prev:
            starts[i] = True
        elif prev in _ENDERS and (word[:1].isupper() or word[:1].isdigit()):
            # "e.g. The" stays split; "1.5" is one token, so never reaches here
            starts[i] = True
    return starts


def one_sentence(words: Sequence[str]) -> bool:
    """Whether no token but the first can start a sentence: no ``;``, line break or sentence
    punctuation before the last token (most criteria; :func:`sentence_starts` is not needed)."""
    for word in words[:-1]:
        if word in _BREAKS or "\n" in word:
            return False
    return True


@lru_cache(maxsize=512)
def _one_sentence_flags(n: int) -> numpy.ndarray:
    """SENT_START values of an ``n``-token, one-sentence doc (1, then -1s), made once per length
    (``Doc.from_array`` copies them) and read-only."""
    flags = numpy.full((n, 1), -1, dtype="int64")
    flags[0, 0] = 1
    flags = flags.view("uint64")
    flags.setflags(write=False)
    return flags


class CriterionSentencizer:
    def __init__(self, name: str = "eligex_sentences"):
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        if n:
            view = docview.view(doc)
            # one array write instead of a Python attribute set per token
            if _BREAK_CHAR.search(view.text) is None or one_sentence(view.words):
                flags = _one_sentence_flags(n)
                view.set_sentence_ids([0] * n)
            else:
                starts = sentence_starts(view.words)
                flags = numpy.array([[1] if s else [-1] for s in starts], dtype="int64").view("uint64")
                view.set_sentence_starts(starts)
            doc.from_array([SENT_START], flags)
        return doc


@Language.factory("eligex_sentences", assigns=["token.is_sent_start"], default_config={})
def make_sentences(nlp: Language, name: str) -> CriterionSentencizer:
    """Factory: sentence boundaries at ``;``, line breaks and sentence-final punctuation."""
    return CriterionSentencizer(name)
