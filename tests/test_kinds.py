"""Kinds of misses on trials no rule was written for (issue #12, notes/miss-kinds.md): each kind
with variants of its own, real outputs asserted as (subject, lower, upper, unit)."""

import pytest

from test_constructs import summary

CASES = [
    # a unit glued to its number after an "x" ("1.0x109/L") or a cmH2O: the number stays a value
    ("ANC <1.0x109/L", [("absolute neutrophil count", None, (1.0, False), "10*9/L")]),
    ("platelets ≥100X10^9/L", [("platelet count", (100, True), None, "10*9/L")]),
    ("PEEP ≤12cmH2O", [("peep", None, (12, True), "cm[H2O]")]),
    # a time unit after a number written as a word
    ("children older than six years", [("age", (6, False), None, "a")]),
    ("at least twenty-one years of age", [("age", (21, True), None, "a")]),
    # "yo", "y.o." are years
    ("women >40 yo", [("age", (40, False), None, "a")]),
    ("men 18-65 y.o.", [("age", (18, True), (65, True), "a")]),
]

NO_VALUE = [
    "CYP 3A4 inhibitors",          # a digit glued to a letter and a digit is part of a name
    "strong CYP2D6 inhibitors",
]


@pytest.mark.parametrize("text,expected", CASES, ids=[c[0][:40] for c in CASES])
def test_kinds(run, text, expected):
    assert summary(run(text)) == sorted(expected, key=repr)


@pytest.mark.parametrize("text", NO_VALUE)
def test_no_constraint(run, text):
    assert run(text)["constraints"] == []


def test_a_word_number_before_apart_is_no_time_unit(run):
    rec = run("two prolactin levels one week apart")
    assert all(c["unit"] != "wk" for c in rec["constraints"])
