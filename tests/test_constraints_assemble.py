"""Constraint assembly as a whole: its work grows linearly with the criterion.

The work is counted, not timed: ``assemble(..., work=Counter())`` receives the number of
candidate subjects and words each step examined. A long digit run, a comparator soup or a
repeated phrase four times longer must cost at most about four times the work, and never more
than a few units per token.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from pipeline.components import docview
from pipeline.components.constraints.assemble import assemble
from pipeline.core import extensions

#: repeated phrases, each reaching a different step of the assembly
REPEATED = {
    "comparator soup": ">= 1 ",
    "subject, comparator, value, unit": "AST >= 1 mg/dL ",
    "parenthetical asides": "(based on AST) ≥ 3 cm ",
    "ages and other units": "≥ 18 years ≥ 5 mg ",
    "age with a postfix comparator": "18 years old or older ",
    "bare lists": "ECOG 0, 1 or 2 ",
    "closing parentheses": ") AST ≥ 1 ",
    "scale lengths": "10 cm VAS scale 3 ",
    "score on a scale": "2 cm on the VAS ",
    "sentences": "AST ≥ 1. ",
    "temporal after a condition": "history of diabetes for 2 weeks ",
}


def _entity_state(nlp, text: str):
    """The criterion's view and entity records as the constraint step receives them."""
    with nlp.select_pipes(disable=["eligex_constraints"]):
        doc = nlp(text)
    view = docview.view(doc)
    data = extensions.state(doc)
    return view, view.sent_of(doc), data["entities"], data.get("context", [])


def _work(nlp, text: str):
    view, sent_of, ents, modifiers = _entity_state(nlp, text)
    component = nlp.get_pipe("eligex_constraints")
    work: Counter = Counter()
    assemble(view.text, view.words, sent_of, ents, modifiers, component.config, component.units,
             view.starts, work=work)
    return sum(work.values()), len(view.words)


def _repeat(unit: str, length: int) -> str:
    return (unit * (length // len(unit) + 1))[:length]


@pytest.mark.parametrize("unit", list(REPEATED.values()), ids=list(REPEATED))
def test_work_grows_linearly(nlp, unit):
    small, small_tokens = _work(nlp, _repeat(unit, 4000))
    large, large_tokens = _work(nlp, _repeat(unit, 16000))
    assert small > 0  # the phrase reaches the counted steps
    assert large <= 4.4 * small, (small, large)
    assert large <= 8 * large_tokens, (large, large_tokens)


@pytest.mark.parametrize("text", ["1" * 16000, "0" * 15999 + "1", "1 " * 8000, "1, " * 5000])
def test_digit_runs_assemble_in_bounded_work(nlp, text):
    work, tokens = _work(nlp, text)
    assert work <= 8 * max(tokens, 1)


def test_scale_length_pattern_starts_at_a_number_s_first_digit(nlp):
    """The scale-length pattern may only start where a number starts: a match tried inside a
    long digit run is what made the search quadratic."""
    pattern = re.compile(nlp.get_pipe("eligex_constraints").config.scale_length, re.IGNORECASE)
    text = "pain 12.5 cm VAS scale"
    assert pattern.match(text, text.index("12")).group("len") == "12.5"
    assert pattern.match(text, text.index("2.5")) is None
    assert pattern.match(text, text.index("5 cm")).group("len") == "5"  # after a decimal point


def test_unsorted_entities_are_refused(nlp):
    view, sent_of, ents, modifiers = _entity_state(nlp, "AST >= 1 mg/dL and ALT <= 3 ULN")
    component = nlp.get_pipe("eligex_constraints")
    with pytest.raises(ValueError, match="sorted by position"):
        assemble(view.text, view.words, sent_of, list(reversed(ents)), modifiers, component.config,
                 component.units, view.starts)
