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
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, List, Optional, Pattern, Sequence, Tuple

import srsly
from spacy.tokens import Doc
from spacy.util import registry
from spacy.vocab import Vocab

from pipeline.components import docview
from pipeline.core.surrogates import describe_surrogate, find_surrogate

# A multiplier ``x``/``X`` glued to a number (``3xULN``, ``1.5x10^9/L``).
_MULTIPLIER = r"(?<=\d)[xX](?=[\d(A-Z])"
# A number: ``60``, ``2.0``, ``1,500``, ``.5``.
_NUMBER = r"\d+(?:[.,]\d+)*|\.\d+"
# A word: starts with a letter; may continue through ``-`` ``/`` ``'`` ``^`` followed by word
# characters, and through ``.`` followed by a digit (``1.73m2``). Keeps ``MMT-8``, ``g/L``.
_WORD = r"[^\W\d_][\w]*(?:[-/'’^][\w]+|\.\d[\w]*)*"
_WHITESPACE = r"\s+"
_OTHER = r"."
_CAPS_PART = re.compile(r"^[A-Z][A-Z0-9]+$")
#: chunks remembered per tokenizer by default (cleared when full, so memory stays bounded)
DEFAULT_CACHE_SIZE = 50_000


@lru_cache(maxsize=8)
def token_regex(comparators: Tuple[str, ...]) -> Pattern:
    """The master regular expression: whitespace, the ``comparators`` (longest first, so ``>=``
    is one token and never ``>`` + ``=``), multipliers, numbers, words, any other character."""
    ordered = sorted(comparators, key=len, reverse=True)  # stable: equal lengths keep their order
    comparator = "|".join(re.escape(c) for c in ordered) or "(?!)"
    return re.compile(
        "|".join(
            f"(?P<{name}>{rx})"
            for name, rx in (
                ("ws", _WHITESPACE),
                ("cmp", comparator),
                ("mult", _MULTIPLIER),
                ("num", _NUMBER),
                ("word", _WORD),
                ("other", _OTHER),
            )
        ),
        re.UNICODE,
    )


@dataclass(frozen=True)
class TokenizerRules:
    """The tokenizer's data (``configs/tokenizer.json``) and what is derived from it once.

    ``keep_whole``: slashed names not to split (``BVAS/WG``); ``split_hyphenated``: words split off
    at hyphens (``year``, ``old``, ``non``); ``comparators``: symbols split off as tokens.
    """

    keep_whole: Tuple[str, ...] = ()
    split_hyphenated: Tuple[str, ...] = ()
    comparators: Tuple[str, ...] = ()
    keep: frozenset = field(init=False, repr=False, compare=False)
    split: frozenset = field(init=False, repr=False, compare=False)
    token_re: Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        for name in ("keep_whole", "split_hyphenated", "comparators"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "keep", frozenset(k.lower() for k in self.keep_whole))
        object.__setattr__(self, "split", frozenset(k.lower() for k in self.split_hyphenated))
        object.__setattr__(self, "token_re", token_regex(self.comparators))

    @classmethod
    def from_config(cls, data: dict) -> "TokenizerRules":
        return cls(data.get("keep_whole", ()), data.get("split_hyphenated", ()), data.get("comparators", ()))

    @classmethod
    def load(cls, path: Path | str) -> "TokenizerRules":
        """The rules of a tokenizer file, checked against its schema (a misspelt key is an error)."""
        from pipeline.rules.loading import CONFIG_SCHEMAS, load_json_config

        return cls.from_config(load_json_config(path, CONFIG_SCHEMAS["tokenizer.json"]))

    def to_config(self) -> dict:
        return {"keep_whole": list(self.keep_whole), "split_hyphenated": list(self.split_hyphenated),
                "comparators": list(self.comparators)}


def _split_hyphens(word: str, rules: TokenizerRules) -> List[str]:
    """Split ``18-year-old``'s ``year-old`` and ``non-smoker`` at their hyphens when a part is listed."""
    parts = word.split("-")
    if len(parts) < 2 or not any(p.lower() in rules.split for p in parts):
        return [word]
    out: List[str] = []
    for i, part in enumerate(parts):
        if i:
            out.append("-")
        if part:  # a part may itself be "18yrs": split numbers off it again
            out.extend(m.group() for m in rules.token_re.finditer(part))
    return out


def _split_slashes(word: str, rules: TokenizerRules) -> List[str]:
    """Split ``ALT/AST`` into ``ALT`` ``/`` ``AST``; keep units (``g/L``) and listed names whole."""
    if "/" not in word or word.lower() in rules.keep:
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


def chunk_words(chunk: str, rules: TokenizerRules) -> Tuple[str, ...]:
    """The tokens of one whitespace-free ``chunk`` (``≥60g/L`` → ``≥``, ``60``, ``g/L``)."""
    out: List[str] = []
    for m in rules.token_re.finditer(chunk):
        piece = m.group()
        if m.lastgroup == "word" and ("/" in piece or "-" in piece):
            for part in (_split_hyphens(piece, rules) if "-" in piece else [piece]):
                out.extend(_split_slashes(part, rules) if "/" in part else [part])
        else:
            out.append(piece)
    return tuple(out)


def _remember(cache: Optional[dict], cache_size: int, chunk: str, toks: Tuple[str, ...]) -> Tuple[str, ...]:
    if cache is not None:
        if len(cache) >= cache_size:
            cache.clear()
        cache[chunk] = toks
    return toks


def tokenize(text: str, rules: TokenizerRules, cache: Optional[dict] = None,
             cache_size: int = DEFAULT_CACHE_SIZE) -> Tuple[List[str], List[bool]]:
    """Split ``text`` into words and trailing-space flags such that they rebuild ``text`` exactly.

    A single space after a token becomes its trailing-space flag; any other whitespace becomes a
    whitespace token of its own, as in spaCy. ``rules`` are the tokenizer's data
    (:class:`TokenizerRules`). No token crosses whitespace, so each whitespace-free chunk is split
    on its own (:func:`chunk_words`), and ``cache`` (a dict kept by the caller for the same rules,
    cleared when it holds ``cache_size`` chunks) remembers the split of chunks seen before, as
    spaCy's tokenizer does.
    """
    words: List[str] = []
    spaced: List[int] = []  # indices of the words followed by a single space
    if text and text[0] != " " and text[-1] != " " and "  " not in text and _OTHER_SPACE.search(text) is None:
        # only single spaces between chunks (most criteria): no whitespace tokens
        for piece in text.split(" "):
            toks = cache.get(piece) if cache is not None else None
            if toks is None:
                toks = _remember(cache, cache_size, piece, chunk_words(piece, rules))
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
            toks = _remember(cache, cache_size, piece, chunk_words(piece, rules))
        words.extend(toks)
    spaces = [False] * len(words)
    for i in spaced:
        spaces[i] = True
    return words, spaces


class EligexTokenizer:
    """spaCy tokenizer shell around :func:`tokenize`; its data is ``configs/tokenizer.json``, given
    at ``initialize`` (until then no comparator or listed word is known)."""

    def __init__(self, vocab: Vocab, rules: Optional[TokenizerRules] = None, cache_size: int = DEFAULT_CACHE_SIZE):
        self.vocab = vocab
        self.cache_size = cache_size
        self._set(rules or TokenizerRules())

    def _set(self, rules: TokenizerRules) -> None:
        self.rules = rules
        self._cache: dict = {}  # chunk → tokens, for these rules

    def __call__(self, text: str) -> Doc:
        """The Doc of ``text``; ``ValueError`` when it holds a lone surrogate (not Unicode: spaCy's
        StringStore could not encode it)."""
        at = find_surrogate(text)  # an isascii() test on almost every text
        if at is not None:
            raise ValueError(f"the text holds {describe_surrogate(text, at)}")
        words, spaces = tokenize(text, self.rules, self._cache, self.cache_size)
        doc = Doc(self.vocab, words=words, spaces=spaces)
        docview.attach(doc, text, words, spaces)  # the components read these instead of rebuilding them
        return doc

    def pipe(self, texts: Iterable[str], batch_size: int = 1000):
        for text in texts:
            yield self(text)

    def initialize(self, get_examples=None, *, nlp=None, rules_path: str | None = None):
        """Load the tokenizer rules (``configs/tokenizer.json``, checked against its schema)."""
        if rules_path:
            self._set(TokenizerRules.load(Path(rules_path)))

    # serialisation -------------------------------------------------------------------------
    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return srsly.msgpack_dumps(self.rules.to_config())

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> "EligexTokenizer":
        self._set(TokenizerRules.from_config(srsly.msgpack_loads(data)))
        return self

    def to_disk(self, path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path, self.rules.to_config())

    def from_disk(self, path, *, exclude: Iterable[str] = ()) -> "EligexTokenizer":
        self._set(TokenizerRules.from_config(srsly.read_json(Path(path))))
        return self

    def __reduce__(self):
        return (EligexTokenizer, (self.vocab, self.rules, self.cache_size))


@registry.tokenizers("eligex.Tokenizer.v1")
def create_tokenizer(cache_size: int = DEFAULT_CACHE_SIZE):
    """Registered tokenizer factory (``[nlp.tokenizer] @tokenizers = "eligex.Tokenizer.v1"``);
    ``cache_size``: how many chunks it remembers before it forgets them all."""

    def make(nlp):
        return EligexTokenizer(nlp.vocab, cache_size=cache_size)

    return make
