"""One plain-Python view of a Doc's tokens, shared by the components of one pipeline run.

Every eligex component needs the criterion's text, its token texts, their character offsets and
sentence ids. spaCy rebuilds ``doc.text`` from the tokens on every access, and each ``for tok in
doc`` makes a Python ``Token`` object per token; done once per component, that was a fifth of the
pipeline's time. :func:`view` computes these lists once per Doc (the eligex tokenizer hands over
the text and words it already has, see :func:`attach`) and keeps them in ``doc.user_data`` under a
private key until :func:`release`, which the last component (``eligex_constraints``) calls.

A view is checked against the Doc (same token count) before it is trusted, and rebuilt otherwise,
so a Doc made by another tokenizer or retokenized in between is still read correctly. The view is
a ``dict`` subclass of strings and lists, so a Doc that still carries one (a partial pipeline)
serialises with ``Doc.to_bytes`` as before.
"""

from __future__ import annotations

from typing import List, Sequence

from spacy.attrs import IDX, SENT_START
from spacy.tokens import Doc

#: the ``doc.user_data`` key (a tuple, as spaCy's own keys are; never a ``Doc._`` extension)
_KEY = ("eligex", "view", None, None)


class DocView(dict):
    """``text``, ``words``, ``starts`` (character offset per token), ``lower`` (lower-cased words),
    ``sent_of`` (sentence number per token); the last two computed on first use."""

    __slots__ = ()

    @property
    def text(self) -> str:
        return self["text"]

    @property
    def words(self) -> List[str]:
        return self["words"]

    @property
    def starts(self) -> List[int]:
        return self["starts"]

    @property
    def lower(self) -> List[str]:
        lower = self.get("lower")
        if lower is None:
            lower = self["lower"] = [w.lower() for w in self["words"]]
        return lower

    def sent_of(self, doc: Doc) -> List[int]:
        """Sentence number per token, from the Doc's sentence starts (all 0 when it has none)."""
        sent_of = self.get("sent_of")
        if sent_of is None:
            sent_of = self["sent_of"] = sentence_ids(doc)
        return sent_of

    def set_sentence_ids(self, sent_of: List[int]) -> None:
        self["sent_of"] = sent_of

    def set_sentence_starts(self, starts: Sequence[bool]) -> None:
        self["sent_of"] = number_sentences(starts)


def number_sentences(starts: Sequence[bool]) -> List[int]:
    """Sentence number per token from whether each starts a sentence (the first token always does)."""
    sid = -1
    out = []
    for i, start in enumerate(starts):
        if start or i == 0:
            sid += 1
        out.append(sid)
    return out


def sentence_ids(doc: Doc) -> List[int]:
    """Sentence number per token (tokens before the first marked start count as sentence 0)."""
    return number_sentences([flag == 1 for flag in doc.to_array(SENT_START).tolist()]) if len(doc) else []


def attach(doc: Doc, text: str, words: List[str], spaces: List[bool]) -> None:
    """Give ``doc`` the view its tokenizer already knows (``text``, ``words`` and their
    trailing-space flags, from which the offsets follow)."""
    starts = []
    pos = 0
    for word, space in zip(words, spaces):  # faster than reading the offsets back from the Doc
        starts.append(pos)
        pos += len(word) + 1 if space else len(word)
    doc.user_data[_KEY] = DocView(text=text, words=words, starts=starts)


def view(doc: Doc) -> DocView:
    """The shared view of ``doc`` (built from the Doc when there is none or it no longer fits)."""
    v = doc.user_data.get(_KEY)
    if type(v) is DocView and len(v["words"]) == len(doc):
        return v
    idx = doc.to_array(IDX).tolist() if len(doc) else []
    v = DocView(text=doc.text, words=[t.text for t in doc], starts=idx)
    doc.user_data[_KEY] = v
    return v


def release(doc: Doc) -> None:
    """Drop the view (the last component does this, so finished Docs carry no extra data)."""
    doc.user_data.pop(_KEY, None)
