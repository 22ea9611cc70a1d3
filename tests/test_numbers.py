"""The one number reader (pipeline/core/numbers.py) and finite values end to end."""

from __future__ import annotations

import json
from typing import Optional

import pytest

from pipeline.core.numbers import dot_thousands, number_out, parse_number
from pipeline.extraction.structured import parse_age

WORDS = {"ten": 10.0, "sixty-five": 65.0}


@pytest.mark.parametrize(("text", "expected"), [
    ("18", 18.0), ("1.5", 1.5), ("1.50", 1.5), ("1,500", 1500.0), ("50,000", 50000.0),
    ("7,0", 7.0), ("39,99", 39.99), ("-10", -10.0), ("\u22121", -1.0), (" 2 ", 2.0), (".5", 0.5),
    ("5.", 5.0), ("1,500.25", 1500.25), ("100.000", 100.0), ("1.500.000", 1500000.0), ("100.000.000", 1e8),
    ("½", 0.5), ("¼", 0.25), ("1½", 1.5),  # vulgar fractions
    # not numbers
    ("five", None), ("III", None), ("10^3", None), ("5th", None), ("1,2345", None), ("", None),
    ("1e5", None), ("inf", None), ("nan", None), ("1_000", None), ("Infinity", None),
    # digit runs beyond a float's range are not values (float() reads them as inf)
    ("1" * 400, None), ("0" * 399 + "1", 1.0), ("9" * 309 + ".5", None), ("-" + "1" * 400, None),
])
def test_parse_number(text: str, expected: Optional[float]) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("ten", 10.0), ("Sixty-five", 65.0), (" TEN ", 10.0), ("eleven", None), ("10", 10.0),
])
def test_parse_number_with_words(text: str, expected: Optional[float]) -> None:
    assert parse_number(text, WORDS) == expected


def test_number_words_must_be_finite() -> None:
    assert parse_number("lots", {"lots": float("inf")}) is None


@pytest.mark.parametrize(("value", "expected"), [(18.0, 18), (1.5, 1.5), (0.0, 0), (-3.0, -3)])
def test_number_out(value: float, expected) -> None:
    out = number_out(value)
    assert out == expected and type(out) is type(expected)


def test_structured_age_beyond_float_range_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot read the age"):
        parse_age("1" * 400 + " Years")
    assert parse_age("18 Years") == (18, "a")


@pytest.mark.parametrize("text", [
    "hemoglobin >= " + "1" * 400 + " g/dL",
    "AST between " + "1" * 400 + " and 5 U/L",
    "ECOG " + "1" * 400 + "/5",
    "pain " + "9" * 400 + " cm VAS scale <= 4 cm",
    "1" * 4000,
    "age " + "0" * 4000 + "1 years or older",
])
def test_records_are_strict_json_with_finite_values(run, text: str) -> None:
    record = run(text)
    json.dumps(record, allow_nan=False)  # raises on inf/nan
    for c in record["constraints"]:
        for side in ("lower", "upper"):
            if c[side] is not None:
                assert abs(c[side]["value"]) < float("inf")


@pytest.mark.parametrize(("text", "expected"), [
    ("18", 18.0), ("1.5", 1.5), ("1.50", 1.5), ("1,500", 1500.0), ("50,000", 50000.0),
    ("7,0", 7.0), ("39,99", 39.99), ("-10", -10.0), ("\u22121", -1.0), (" 2 ", 2.0),
    ("five", None), ("III", None), ("10^3", None), ("5th", None), ("1,2345", None), ("", None),
])
def test_parse_number_cases(text: str, expected: Optional[float]) -> None:
    assert parse_number(text) == expected


def test_number_words_come_only_from_the_table():
    assert parse_number("Ten", {"ten": 10}) == 10.0
    assert parse_number("ten") is None


def test_number_out_writes_integral_values_as_int():
    assert number_out(18.0) == 18 and isinstance(number_out(18.0), int)
    assert number_out(1.5) == 1.5


@pytest.mark.parametrize(("text", "expected"), [
    ("1.500", 1500.0), ("100.000", 100000.0), ("3.000", 3000.0),
    ("1.5", None), ("1.50", None), ("1500", None), ("1.500.000", None), ("12.3456", None),
])
def test_dot_thousands(text: str, expected: Optional[float]) -> None:
    assert dot_thousands(text) == expected
