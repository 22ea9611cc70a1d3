"""Criterion-aware sentence splitting (instead of PyRuSH, which is six times slower).

Inside one criterion a sentence (a ConText scope) ends at a breaker token (``;``) outside brackets, at a line break,
and at an ender token (``.``, ``!`` or ``?``) followed by a capital letter or a digit. Pure
function :func:`sentence_starts`, thin component ``eligex_sentences``, whose factory config lists
the ``enders`` and ``breakers`` (as spaCy's sentencizer has ``punct_chars``).
"""


import re
from functools import lru_cache
from typing import Iterable, List, Pattern, Sequence

import numpy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.components import docview
from pipeline.core.brackets import enclosed_tokens

#: tokens that end a sentence before a capital letter or a digit
DEFAULT_ENDERS = (".", "!", "?")
#: tokens that always end a sentence
DEFAULT_BREAKERS = (";",)


def sentence_starts(words: Sequence[str], enders: Iterable[str] = DEFAULT_ENDERS,
                    breakers: Iterable[str] = DEFAULT_BREAKERS) -> List[bool]:
    """For each token, whether it starts a sentence: after a breaker or a line break, and after an
    ender when the token starts with a capital letter or a digit."""
    enders = enders if isinstance(enders, frozenset) else frozenset(enders)
    breakers = breakers if isinstance(breakers, frozenset) else frozenset(breakers)
    starts = [False] * len(words)
    if not words:
        return starts
    starts[0] = True
    # a breaker inside brackets that close later ends no sentence (worked out only when one occurs)
    enclosed = enclosed_tokens(words) if any(w in breakers for w in words) else None
    for i in range(1, len(words)):
        prev = words[i - 1]
        word = words[i]
        if "\n" in prev or (prev in breakers and not enclosed[i - 1]):
            starts[i] = True
        elif prev in enders and (word[:1].isupper() or word[:1].isdigit()):
            # "e.g. The" stays split; "1.5" is one token, so never reaches here
            starts[i] = True
    return starts


def one_sentence(words: Sequence[str], ends: Iterable[str] = DEFAULT_ENDERS + DEFAULT_BREAKERS) -> bool:
    """Whether no token but the first can start a sentence: no ender, breaker (``ends``) or line
    break before the last token (most criteria; :func:`sentence_starts` is not needed)."""
    ends = ends if isinstance(ends, frozenset) else frozenset(ends)
    for word in words[:-1]:
        if word in ends or "\n" in word:
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


def break_pattern(ends: Iterable[str]) -> Pattern:
    """What a text must contain for a sentence to end inside it: one of ``ends`` or a line break."""
    ends = sorted(ends, key=len, reverse=True)
    if all(len(e) == 1 for e in ends):  # one character class, as quick as a search gets
        return re.compile("[" + "".join(re.escape(e) for e in ends) + "\n]")
    return re.compile("|".join([re.escape(e) for e in ends] + ["\n"]))


class CriterionSentencizer:
    def __init__(self, name: str = "eligex_sentences", enders: Sequence[str] = DEFAULT_ENDERS,
                 breakers: Sequence[str] = DEFAULT_BREAKERS):
        self.name = name
        self.enders, self.breakers = frozenset(enders), frozenset(breakers)
        self._ends = self.enders | self.breakers
        self._break_re = break_pattern(self._ends)

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        if n:
            view = docview.view(doc)
            # one array write instead of a Python attribute set per token
            if self._break_re.search(view.text) is None or one_sentence(view.words, self._ends):
                flags = _one_sentence_flags(n)
                view.set_sentence_ids([0] * n)
            else:
                starts = sentence_starts(view.words, self.enders, self.breakers)
                flags = numpy.array([[1] if s else [-1] for s in starts], dtype="int64").view("uint64")
                view.set_sentence_starts(starts)
            doc.from_array([SENT_START], flags)
        return doc


@Language.factory("eligex_sentences", assigns=["token.is_sent_start"],
                  default_config={"enders": list(DEFAULT_ENDERS), "breakers": list(DEFAULT_BREAKERS)})
def make_sentences(nlp: Language, name: str, enders: List[str], breakers: List[str]) -> CriterionSentencizer:
    """Factory: sentence boundaries at ``breakers`` (``;``), line breaks and ``enders``
    (sentence-final punctuation) before a capital letter or a digit."""
    return CriterionSentencizer(name, enders, breakers)
