"""Numbers as criteria write them: one parser for every reader of a value (LCT gold, structured
fields; constraint assembly to follow), and one way to write a number into JSON.

A comma followed by groups of three digits separates thousands ("50,000"); a comma followed by
one or two digits is a decimal comma ("7,0", "39,99"), which cannot be a thousands separator; the
minus sign U+2212 is a minus. Number words count only when the caller gives a table of them.
"""

from __future__ import annotations

import re
from typing import Mapping, Optional

NUMBER_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
THOUSANDS_RE = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
DECIMAL_COMMA_RE = re.compile(r"^[+-]?\d+,\d{1,2}$")


def parse_number(text: str, words: Optional[Mapping[str, float]] = None) -> Optional[float]:
    """The number written in ``text`` ("1,500" -> 1500.0, "1.50" -> 1.5, "7,0" -> 7.0; "ten" -> 10.0
    when ``words`` has it), or ``None``."""
    value = text.strip().replace("\u2212", "-")
    if words and value.lower() in words:
        return float(words[value.lower()])
    if THOUSANDS_RE.match(value):
        value = value.replace(",", "")
    elif DECIMAL_COMMA_RE.match(value):
        value = value.replace(",", ".")
    return float(value) if NUMBER_RE.match(value) else None


def number_out(value: float):
    """A number as written in JSON: an integral value as an int (18.0 -> 18)."""
    return int(value) if float(value).is_integer() else value
