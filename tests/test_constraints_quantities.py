"""Step 1 (pipeline/components/constraints/quantities.py) on hand-built entity records."""

from __future__ import annotations

import pytest

from constraint_records import CONFIG, criterion
from pipeline.components.constraints.quantities import find_quantities, is_count, is_formula_term, read_number, unit_of


def _quantities(spec):
    text, words, sent_of, _, ents = criterion(spec)
    qs = find_quantities(words, ents, sent_of, set(), CONFIG.fillers)
    out = []
    for q in qs:
        u = unit_of([q])
        out.append((q.op, [ents[v]["text"] for v in q.values], ents[u]["text"] if u is not None else None,
                    q.bare, q.invalid))
    return out


@pytest.mark.parametrize(("spec", "expected"), [
    ("AST|M >=|C:>= 5|V mg|U", [(">=", ["5"], "mg", False, False)]),
    ("5|V -|C:range 10|V mg|U", [("range", ["5", "10"], "mg", False, False)]),
    ("between|C:between 5|V and 10|V years|U", [("range", ["5", "10"], "years", False, False)]),
    ("ECOG|S 0|V , 1|V or 2|V", [("list", ["0", "1", "2"], None, True, False)]),
    ("18|V years|U or_older|C:>=:postfix", [(">=", ["18"], "years", False, False)]),
    ("<|C:< 5|V (inclusive)|C:inclusive", [("<", ["5"], None, False, False)]),
    ("BP|M >|C:> 140|V /90|U:scale", [(">", ["140"], None, False, False)]),  # a pair (pairs.py), not a score out of 90
    ("score|S 3|V /10|U:scale", [("=", ["3"], None, True, False)]),
    # a unit that implies its number: "> ULN" is 1 x ULN
    ("creatinine|M >|C:> ULN|U:implied_value=1", [(">", ["ULN"], "ULN", False, False)]),
    ("bilirubin|M <=|C:<= the_upper_limit_of_normal|U:implied_value=1",
     [("<=", ["the upper limit of normal"], "the upper limit of normal", False, False)]),
    # a number before a comparator and its subject, the subject's own comparison after: read backwards
    ("18|V <=|C:<= age|M <=|C:<= 70|V", [(">=", ["18"], None, False, False), ("<=", ["70"], None, False, False)]),
    ("140|V mmHg|U <=|C:<= SBP|M <|C:< 180|V", [(">=", ["140"], "mmHg", False, False), ("<", ["180"], None, False, False)]),
    # "from" that opens no range: the postfix comparator after the number bounds it
    ("from|C:between 2|V or_more|C:>=:postfix seizures", [(">=", ["2"], None, False, False)]),
    # rows that must not make the quantity shown
    ("5|V <|C:< ALT|M", [("=", ["5"], None, True, False)]),  # no comparison of the subject's own after it
    ("1|V above_or_equal_to|C:>= age|M below|C:< 18|V", [("=", ["1"], None, True, False), ("<", ["18"], None, False, False)]),  # words, not signs
    ("5|V <|C:< and ALT|M <|C:< 3|V", [("=", ["5"], None, True, False), ("<", ["3"], None, False, False)]),  # a word between
    ("between|C:between 5|V", [("=", ["5"], None, True, False)]),  # no second value: not a range
    (">=|C:>= AST|M", []),  # a comparator without a number
    (">|C:> mg|U", []),  # a unit that implies no number
    ("between|C:between ULN|U:implied_value=1", []),  # a range needs two numbers
    ("AST|M >|C:> times ULN|U:implied_value=1", []),  # another word between: not its unit
    (">=|C:>= . 5|V", [("=", ["5"], None, True, False)]),  # the number is in the next sentence
    ("5|V is not 10|V", [("=", ["5"], None, True, False), ("=", ["10"], None, True, False)]),
])
def test_find_quantities(spec, expected):
    assert _quantities(spec) == expected


def test_between_steps_over_an_age_cue():
    """"between 30 years old and 50 years old": the range goes on over an age word whose rule is
    flagged ``age_cue``; the word stays free (it is the subject)."""
    text, words, sent_of, _, ents = criterion("between|C:between 30|V years|U old|M and 50|V years|U old|M")
    (plain, *_) = find_quantities(words, ents, sent_of, set(), CONFIG.fillers)
    (flagged,) = find_quantities(words, ents, sent_of, set(), CONFIG.fillers, frozenset({"test.m"}))
    assert len(plain.values) == 1 and plain.op != "range"
    assert (flagged.op, [ents[v]["text"] for v in flagged.values]) == ("range", ["30", "50"])
    assert 3 not in flagged.members()


def test_a_number_before_its_subject_bounds_it():
    """"18 ≤ age ≤ 70": the first quantity names its subject (the entity after its comparator)."""
    text, words, sent_of, _, ents = criterion("18|V <=|C:<= age|M <=|C:<= 70|V")
    first, second = find_quantities(words, ents, sent_of, set(), CONFIG.fillers)
    assert (first.subject, first.comparators, second.subject) == (2, [1], None)


def test_flags_not_rule_ids_step_over_an_age_cue():
    """"18 years old or older": a postfix comparator after an age word still bounds the number when
    the word's rule is flagged ``age_cue`` (configs/entities), whatever the rule's id."""
    text, words, sent_of, _, ents = criterion("18|V years|U old|M or_older|C:>=:postfix")
    (plain,) = find_quantities(words, ents, sent_of, set(), CONFIG.fillers)
    (flagged,) = find_quantities(words, ents, sent_of, set(), CONFIG.fillers, frozenset({"test.m"}))
    assert (plain.op, plain.bare, plain.comparators) == ("=", True, [])
    assert (flagged.op, flagged.bare, flagged.comparators) == (">=", False, [3])


@pytest.mark.parametrize(("spec", "count"), [
    ("at_least|C:>= 3|V abnormalities", True),        # a number followed by what it counts
    ("from 2008|V to|C:range 2015|V", True),           # calendar years
    ("( n =|C:= 20|V )", True),                       # a sample size
    ("at_least|C:>= ten|V times", True),               # a number word followed by a word
    ("at_least|C:>= ten|V for 2 weeks", True),         # a number word without a unit, then words
    ("at_least|C:>= ten|V", False),                    # a number word that ends its phrase
    ("aged|M twenty-one|V or_older|C:>=:postfix", False),  # a number word closed by a postfix comparator
    ("AST|M >=|C:>= 5|V mg|U", False),                 # a unit: a bound
    ("AST|M >=|C:>= 5|V for 2 weeks", False),          # "for" may follow a bound
    ("Gleason|S 6|V -|C:range 7|V cancer", False),     # a range after its subject
    ("creatinine|M <=|C:<= 1.5|V milligrams", False),  # a fraction never counts things
    ("ratio|M <=|C:<= 2.0|V status", False),           # ... nor a number written with a decimal point
    ("at_least|C:>= 1,500|V cells", True),             # a thousands separator is not a decimal point
])
def test_is_count(spec, count):
    text, words, sent_of, _, ents = criterion(spec)
    qs = find_quantities(words, ents, sent_of, set(), CONFIG.fillers)
    assert len(qs) == 1
    assert is_count(qs[0], words, ents, {"for", "and", "or"}) is count


@pytest.mark.parametrize(("text", "value"), [
    ("21", 21), ("1,500", 1500), ("-2.5", -2.5), ("nine", 9), ("twenty", 20),
    ("twenty-one", 21), ("Forty five", 45), ("sixty-five", 65),
    ("twenty-twenty", None), ("nine-one", None), ("someone", None), ("one-hundred-one", None),
])
def test_read_number(text, value):
    assert read_number(text, CONFIG.value_words) == value


@pytest.mark.parametrize(("spec", "formula"), [
    ("eGFR|M =|C:= 141|V × ( Scr", True),           # a coefficient of a formula
    ("FEV1|M =|C:= 4.30|V x height", True),
    ("AST|M =|C:= 1.5|V X_ULN|U", False),           # a unit after the number: a bound
    ("eGFR|M >|C:> 141|V × ( Scr", False),          # not "="
    ("weight|M =|C:= 50|V kg|U", False),
])
def test_is_formula_term(spec, formula):
    text, words, sent_of, _, ents = criterion(spec)
    qs = find_quantities(words, ents, sent_of, set(), CONFIG.fillers)
    assert len(qs) == 1
    assert is_formula_term(qs[0], words, ents, frozenset(CONFIG.formula_operators)) is formula


def test_the_link_words_of_between_and_of_lists_are_data():
    """``between_words`` and ``list_words`` of configs/constraints.json: without "an" the typo of
    "between 20 an 60" joins nothing; without "or" a list stops at it."""
    text, words, sent_of, _, ents = criterion("between|C:between 20|V an 60|V years|U")
    between, lists = CONFIG.link_sets
    (q,) = find_quantities(words, ents, sent_of, set(), CONFIG.fillers, between_words=between, list_words=lists)
    assert [ents[v]["text"] for v in q.values] == ["20", "60"]
    (q, *_) = find_quantities(words, ents, sent_of, set(), CONFIG.fillers, between_words=between - {"an"})
    assert [ents[v]["text"] for v in q.values] == ["20"]
    text, words, sent_of, _, ents = criterion("ECOG|S 0|V , 1|V or 2|V")
    (q,) = find_quantities(words, ents, sent_of, set(), CONFIG.fillers, list_words=lists)
    assert [ents[v]["text"] for v in q.values] == ["0", "1", "2"]
    q = find_quantities(words, ents, sent_of, set(), CONFIG.fillers, list_words=lists - {"or"})[0]
    assert [ents[v]["text"] for v in q.values] == ["0", "1"]
