"""Lone surrogates: code points U+D800-U+DFFF on their own, which are not Unicode characters.

Decoded UTF-8 never holds them, but JSON does: ``"\\ud800"`` is a valid JSON escape, and
``json.loads`` turns it into a one-character Python string that no UTF-8 encoder accepts (spaCy's
StringStore, writing the output). eligex refuses such a text instead of guessing what it meant: a
reader reports the record as a failure naming file and line, and the tokenizer raises ``ValueError``
naming the position (see docs/RELIABILITY.md).
"""

from __future__ import annotations

import re
from typing import Optional

SURROGATE_RE = re.compile("[\ud800-\udfff]")


def find_surrogate(text: str) -> Optional[int]:
    """The offset of the first lone surrogate in ``text``, or ``None`` (cheap on ASCII text)."""
    if text.isascii():
        return None
    m = SURROGATE_RE.search(text)
    return m.start() if m else None


def describe_surrogate(text: str, at: int) -> str:
    """``"a lone surrogate U+D800 at character 21 (...): not valid Unicode"`` (the offset is 0-based,
    as span offsets are)."""
    return (f"a lone surrogate U+{ord(text[at]):04X} at character {at} (half of a UTF-16 pair, e.g. a "
            "JSON \\ud800 escape without its partner): not valid Unicode")


def escape_surrogates(text: str) -> str:
    """``text`` with each lone surrogate written as ``\\udXXX`` (safe to print and to encode)."""
    if find_surrogate(text) is None:
        return text
    return SURROGATE_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
