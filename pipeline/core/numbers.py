"""Numbers as written in criteria, gold annotations and registry fields.

One reader for every place that turns written digits into a value: ``"60"``, ``"1,500"``
(thousands), ``"100.000"`` (thousands: two groups after dots are never a decimal), ``"39,99"``
(a decimal comma: one or two digits after the comma cannot be thousands), ``"2.0"``, ``".5"``, ``"-10"`` and ``"−1"`` (U+2212), vulgar fractions (``"½"``, ``"1½"``), and, when a table of number
words is given, ``"ten"``. A value must be finite: a run of digits too long for a float
(``"1111…"``, which ``float`` reads as ``inf``) is not a value, so no record ever carries
``Infinity`` (not JSON).
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Mapping, Optional, Union

_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_THOUSANDS_RE = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_DECIMAL_COMMA_RE = re.compile(r"[+-]?\d+,\d{1,2}")
#: "100.000", "1.500.000": more than one group of three after dots is thousands, never a decimal
_DOT_THOUSANDS_RE = re.compile(r"[+-]?\d{1,3}(?:\.\d{3}){2,}")
#: "1.500": one group of three after a dot, thousands only where the unit says so
_ONE_DOT_GROUP_RE = re.compile(r"[+-]?\d{1,3}\.\d{3}")
#: a vulgar fraction, alone or after a whole number: "½", "1½"
_VULGAR_RE = re.compile(r"(\d*)([\u00bc-\u00be\u2150-\u215e])")


def parse_number(text: str, words: Optional[Mapping[str, float]] = None) -> Optional[float]:
    """The finite number written in ``text``, or ``None`` (words, Roman numerals, ``"10^3"``,
    ``"5th"`` and digit runs beyond a float's range are not numbers). ``words`` maps
    lower-cased number words to their values."""
    value = text.strip().lower()
    if words and value in words:
        number = float(words[value])
        return number if math.isfinite(number) else None
    value = value.replace("\u2212", "-")
    vulgar = _VULGAR_RE.fullmatch(value)
    if vulgar:  # "½" is 0.5, "1½" is 1.5
        return float(vulgar.group(1) or 0) + unicodedata.numeric(vulgar.group(2))
    if _THOUSANDS_RE.fullmatch(value):
        value = value.replace(",", "")
    elif _DOT_THOUSANDS_RE.fullmatch(value):
        value = value.replace(".", "")
    elif _DECIMAL_COMMA_RE.fullmatch(value):
        value = value.replace(",", ".")
    if not _NUMBER_RE.fullmatch(value):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def number_out(value: float) -> Union[int, float]:
    """A number as written in JSON: integral values as int (``18.0`` → ``18``)."""
    return int(value) if float(value).is_integer() else value


def dot_thousands(text: str) -> Optional[float]:
    """``"1.500"`` read with the dot as a thousands separator (1500), for a unit in which the
    decimal reading is implausible ("neutrophils ≥ 1.500/mm3"); ``None`` for any other shape."""
    value = text.strip()
    return float(value.replace(".", "")) if _ONE_DOT_GROUP_RE.fullmatch(value) else None
