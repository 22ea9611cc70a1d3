"""A criteria-aware tokenizer for ``spacy.blank("en")``.

spaCy's stock English tokenizer keeps ``≥60g/L`` or ``eGFR≥30ML/min/1.73m2`` in one piece and turns
``<3`` into an emoticon. This tokenizer is a single master regular expression that splits
comparators, multipliers and units off numbers while keeping names such as ``MMT-8``,
``SLEDAI-2K``, ``IgG4-RD``, ``COVID-19`` and ``anti-dsDNA`` whole. It has no exceptions table.

The algorithm is the pure function :func:`tokenize` (text → words and trailing-space flags); the
:class:`EligexTokenizer` is the spaCy shell around it, registered as ``eligex.Tokenizer.v1``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Tuple

import srsly
from spacy.tokens import Doc
from spacy.util import registry
from spacy.vocab import Vocab

from pipeline.components import docview
from pipeline.core.surrogates import describe_surrogate, find_surrogate

# Comparators first, longest first, so ``>=`` is one token and never ``>`` + ``=``.
_COMPARATOR = r">=|<=|=>|=<|≥|≤|≧|≦|⩾|⩽|＞|＜|>|<|=|±"
# A multiplier ``x``/``X`` glued to a number (``3xULN``, ``1.5x10^9/L``).
_MULTIPLIER = r"(?<=\d)[xX](?=[\d(A-Z])"
# A number: ``60``, ``2.0``, ``1,500``, ``.5``.
_NUMBER = r"\d+(?:[.,]\d+)*|\.\d+"
# A word: starts with a letter; may continue through ``-`` ``/`` ``'`` ``^`` followed by word
# characters, and through ``.`` followed by a digit (``1.73m2``). Keeps ``MMT-8``, ``g/L``.
_WORD = r"[^\W\d_][\w]*(?:[-/'’^][\w]+|\.\d[\w]*)*"
_WHITESPACE = r"\s+"
_OTHER = r"."

TOKEN_RE = re.compile(
    "|".join(
        f"(?P<{name}>{rx})"
        for name, rx in (
            ("ws", _WHITESPACE),
            ("cmp", _COMPARATOR),
            ("mult", _MULTIPLIER),
            ("num", _NUMBER),
            ("word", _WORD),
            ("other", _OTHER),
        )
    ),
    re.UNICODE,
)
_CAPS_PART = re.compile(r"^[A-Z][A-Z0-9]+$")


def _split_hyphens(word: str, split_words: frozenset) -> List[str]:
    """Split ``18-year-old``'s ``year-old`` and ``non-smoker`` at their hyphens when a part is listed."""
    parts = word.split("-")
    if len(parts) < 2 or not any(p.lower() in split_words for p in parts):
        return [word]
    out: List[str] = []
    for i, part in enumerate(parts):
        if i:
            out.append("-")
        if part:  # a part may itself be "18yrs": split numbers off it again
            out.extend(m.group() for m in TOKEN_RE.finditer(part))
    return out


def _split_slashes(word: str, keep_whole: frozenset) -> List[str]:
    """Split ``ALT/AST`` into ``ALT`` ``/`` ``AST``; keep units (``g/L``) and listed names whole."""
    if "/" not in word or word.lower() in keep_whole:
        return [word]
    parts = word.split("/")
    if len(parts) < 2 or not all(_CAPS_PART.match(p) for p in parts):
        return [word]
    out: List[str] = []
    for i, part in enumerate(parts):
        if i:
            out.append("/")
        out.append(part)
    return out


#: a run of non-whitespace (tokens never cross whitespace) or of whitespace
_CHUNK_RE = re.compile(r"\S+|\s+", re.UNICODE)
#: whitespace other than a plain space
_OTHER_SPACE = re.compile(r"[^\S ]", re.UNICODE)
#: chunks remembered per tokenizer (cleared when full, so memory stays bounded on any input)
CHUNK_CACHE_SIZE = 50_000


def chunk_words(chunk: str, keep: frozenset = frozenset(), split: frozenset = frozenset()) -> Tuple[str, ...]:
    """The tokens of one whitespace-free ``chunk`` (``≥60g/L`` → ``≥``, ``60``, ``g/L``)."""
    out: List[str] = []
    for m in TOKEN_RE.finditer(chunk):
        piece = m.group()
        if m.lastgroup == "word" and ("/" in piece or "-" in piece):
            for part in (_split_hyphens(piece, split) if "-" in piece else [piece]):
                out.extend(_split_slashes(part, keep) if "/" in part else [part])
        else:
            out.append(piece)
    return tuple(out)


def _remember(cache: Optional[dict], chunk: str, toks: Tuple[str, ...]) -> Tuple[str, ...]:
    if cache is not None:
        if len(cache) >= CHUNK_CACHE_SIZE:
            cache.clear()
        cache[chunk] = toks
    return toks


def tokenize(text: str, keep_whole: Iterable[str] = (), split_hyphenated: Iterable[str] = (),
             cache: Optional[dict] = None) -> Tuple[List[str], List[bool]]:
    """Split ``text`` into words and trailing-space flags such that they rebuild ``text`` exactly.

    A single space after a token becomes its trailing-space flag; any other whitespace becomes a
    whitespace token of its own, as in spaCy. ``keep_whole``: slashed names not to split
    (``BVAS/WG``); ``split_hyphenated``: words split off at hyphens (``year``, ``old``, ``non``).
    No token crosses whitespace, so each whitespace-free chunk is split on its own
    (:func:`chunk_words`), and ``cache`` (a dict kept by the caller for the same rules) remembers
    the split of chunks seen before, as spaCy's tokenizer does.
    """
    keep = keep_whole if isinstance(keep_whole, frozenset) else frozenset(k.lower() for k in keep_whole)
    split = split_hyphenated if isinstance(split_hyphenated, frozenset) else \
        frozenset(k.lower() for k in split_hyphenated)
    words: List[str] = []
    spaced: List[int] = []  # indices of the words followed by a single space
    if text and text[0] != " " and text[-1] != " " and "  " not in text and _OTHER_SPACE.search(text) is None:
        # only single spaces between chunks (most criteria): no whitespace tokens
        for piece in text.split(" "):
            toks = cache.get(piece) if cache is not None else None
            if toks is None:
                toks = _remember(cache, piece, chunk_words(piece, keep, split))
            words.extend(toks)
            spaced.append(len(words) - 1)
        spaced.pop()  # the last chunk ends the text
        spaces = [False] * len(words)
        for i in spaced:
            spaces[i] = True
        return words, spaces
    for m in _CHUNK_RE.finditer(text):
        piece = m.group()
        if piece[0].isspace():
            if words and piece[0] == " ":
                spaced.append(len(words) - 1)
                piece = piece[1:]
            if piece:
                words.append(piece)
            continue
        toks = cache.get(piece) if cache is not None else None
        if toks is None:
            toks = _remember(cache, piece, chunk_words(piece, keep, split))
        words.extend(toks)
    spaces = [False] * len(words)
    for i in spaced:
        spaces[i] = True
    return words, spaces


class EligexTokenizer:
    """spaCy tokenizer shell around :func:`tokenize`; its data is ``configs/tokenizer.json``."""

    def __init__(self, vocab: Vocab, keep_whole: Sequence[str] = (), split_hyphenated: Sequence[str] = ()):
        self.vocab = vocab
        self._set({"keep_whole": list(keep_whole), "split_hyphenated": list(split_hyphenated)})

    def _set(self, cfg: dict) -> None:
        self.keep_whole = list(cfg.get("keep_whole", []))
        self.split_hyphenated = list(cfg.get("split_hyphenated", []))
        self._keep = frozenset(k.lower() for k in self.keep_whole)
        self._split = frozenset(k.lower() for k in self.split_hyphenated)
        self._cache: dict = {}  # chunk → tokens, for these rules

    def _cfg(self) -> dict:
        return {"keep_whole": self.keep_whole, "split_hyphenated": self.split_hyphenated}

    def __call__(self, text: str) -> Doc:
        """The Doc of ``text``; ``ValueError`` when it holds a lone surrogate (not Unicode: spaCy's
        StringStore could not encode it)."""
        at = find_surrogate(text)  # an isascii() test on almost every text
        if at is not None:
            raise ValueError(f"the text holds {describe_surrogate(text, at)}")
        words, spaces = tokenize(text, self._keep, self._split, self._cache)
        doc = Doc(self.vocab, words=words, spaces=spaces)
        docview.attach(doc, text, words, spaces)  # the components read these instead of rebuilding them
        return doc

    def pipe(self, texts: Iterable[str], batch_size: int = 1000):
        for text in texts:
            yield self(text)

    def initialize(self, get_examples=None, *, nlp=None, rules_path: str | None = None):
        """Load the tokenizer rules (``configs/tokenizer.json``)."""
        if rules_path:
            from pipeline.rules.loading import load_tokenizer_rules

            self._set(load_tokenizer_rules(Path(rules_path)))

    # serialisation -------------------------------------------------------------------------
    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return srsly.msgpack_dumps(self._cfg())

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> "EligexTokenizer":
        self._set(srsly.msgpack_loads(data))
        return self

    def to_disk(self, path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path, self._cfg())

    def from_disk(self, path, *, exclude: Iterable[str] = ()) -> "EligexTokenizer":
        self._set(srsly.read_json(Path(path)))
        return self

    def __reduce__(self):
        return (EligexTokenizer, (self.vocab, self.keep_whole, self.split_hyphenated))


@registry.tokenizers("eligex.Tokenizer.v1")
def create_tokenizer():
    """Registered tokenizer factory (``[nlp.tokenizer] @tokenizers = "eligex.Tokenizer.v1"``)."""

    def make(nlp):
        return EligexTokenizer(nlp.vocab)

    return make
