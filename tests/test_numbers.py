"""pipeline.core.numbers: the one number parser."""

from typing import Optional

import pytest

from pipeline.core.numbers import number_out, parse_number


@pytest.mark.parametrize(("text", "expected"), [
    ("18", 18.0), ("1.5", 1.5), ("1.50", 1.5), ("1,500", 1500.0), ("50,000", 50000.0),
    ("7,0", 7.0), ("39,99", 39.99), ("-10", -10.0), ("\u22121", -1.0), (" 2 ", 2.0),
    ("five", None), ("III", None), ("10^3", None), ("5th", None), ("1,2345", None), ("", None),
])
def test_parse_number(text: str, expected: Optional[float]) -> None:
    assert parse_number(text) == expected


def test_parse_number_words_only_from_a_table():
    assert parse_number("Ten", {"ten": 10}) == 10.0
    assert parse_number("ten") is None


def test_number_out_writes_integral_values_as_int():
    assert number_out(18.0) == 18 and isinstance(number_out(18.0), int)
    assert number_out(1.5) == 1.5
