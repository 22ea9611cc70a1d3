"""Step 5 (pipeline/components/constraints/negation.py): the phrase a cue negates, and cues."""

from __future__ import annotations

import pytest

from constraint_records import CONFIG, criterion
from pipeline.components.constraints.index import Criterion
from pipeline.components.constraints.negation import negated_phrase, negation_cues


def _phrase(text, cue, backward=False, phrase_words=CONFIG.phrase_words):
    _, words, _, starts, _ = criterion(text)
    start = text.index(cue)
    span = negated_phrase(words, starts, start, start + len(cue), phrase_words, backward=backward)
    return text[span[0]:span[1]] if span else None


@pytest.mark.parametrize(("text", "cue", "backward", "phrase"), [
    ("no history of seizures", "no", False, "seizures"),
    ("no known active hepatitis , or HIV", "no", False, "active hepatitis"),
    ("without any prior chemotherapy for cancer", "without", False, "chemotherapy"),
    ("a b c d e f g h", "a", False, "b c d e f"),  # at most five words
    ("pregnant women will be excluded", "excluded", True, "pregnant women"),
    # rows with no phrase
    ("no", "no", False, None),
    ("no , and", "no", False, None),
    ("excluded", "excluded", True, None),
    ("will be excluded", "excluded", True, None),
])
def test_negated_phrase(text, cue, backward, phrase):
    assert _phrase(text, cue, backward) == phrase


@pytest.mark.parametrize(("most", "forward", "backward"), [(5, "b c d e f", "c d e f g"), (2, "b c", "f g"),
                                                            (1, "b", "g")])
def test_negated_phrase_max_words(most, forward, backward):
    """``max_words`` is the factory setting ``negated_phrase_max``, in both directions."""
    words = CONFIG.phrase_words._replace(max_words=most)
    assert _phrase("a b c d e f g h", "a", phrase_words=words) == forward
    assert _phrase("b c d e f g excluded", "excluded", backward=True, phrase_words=words) == backward


def _cues(text, cue, targets=(), kept=None):
    _, words, sent_of, starts, ents = criterion(text)
    start = text.index(cue)
    modifier = {"start": start, "end": start + len(cue), "rule": "test.neg", "targets": list(targets)}
    kept = kept if kept is not None else {(e["start"], e["end"]): i for i, e in enumerate(ents)}
    return negation_cues(Criterion(" ".join(words), words, sent_of, starts), [modifier], kept,
                         frozenset({"consent"}), CONFIG.phrase_words)


def test_a_cue_negates_its_kept_targets():
    (cue, targets), = _cues("no diabetes|D", "no", targets=[[3, 11]])
    assert (cue["label"], cue["text"], targets) == ("NEGATION", "no", [0])
    assert "target" not in cue


def test_a_cue_without_kept_targets_negates_the_phrase_after_it():
    (cue, targets), = _cues("no diabetes|D", "no", targets=[[3, 11]], kept={})
    assert targets == [] and cue["target_text"] == "diabetes" and cue["target"] == [3, 11]


@pytest.mark.parametrize("text", ["not consent to the study", "no"])
def test_cues_that_negate_nothing_clinical_are_dropped(text):
    assert _cues(text, text.split()[0]) == []
