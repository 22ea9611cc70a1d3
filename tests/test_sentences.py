"""sentence_starts / one_sentence (pipeline/components/sentences.py) on plain token lists."""

from __future__ import annotations

import pytest

from pipeline.components.sentences import CriterionSentencizer, one_sentence, sentence_starts


@pytest.mark.parametrize("words,starts", [
    ("Age ≥ 18 ; no SLE".split(), [0, 4]),
    ("Age ≥ 18 . No SLE".split(), [0, 4]),
    ("Age ≥ 18 . 2 SLE".split(), [0, 4]),
    (["Age", "\n", "SLE"], [0, 2]),
    # rows that must not split
    ("e.g . the SLE".split(), [0]),      # lower case after the full stop
    ("Hb ≥ 1.5 g/dL".split(), [0]),      # a decimal number is one token
    ("Age ≥ 18 , SLE".split(), [0]),
    ("grip ( < 26 kg in men ; < 18 kg in women )".split(), [0]),   # a breaker inside brackets
    ("grip [ < 26 ( men ) ; < 18 ] ; SLE".split(), [0, 12]),       # nested; the one outside splits
    # a bracket never closed encloses nothing
    ("grip ( < 26 kg ; < 18 kg".split(), [0, 6]),
    ([], []),
])
def test_sentence_starts(words, starts):
    assert [i for i, s in enumerate(sentence_starts(words)) if s] == starts
    # one_sentence is the quick test: when it says one sentence, there is one
    assert len(starts) <= 1 or not one_sentence(words)


@pytest.mark.parametrize("enders,breakers,words,starts", [
    ([".", "!", "?"], [], "a ; b".split(), [0]),        # ";" no longer breaks
    ([".", "!", "?"], [";", ","], "a , b".split(), [0, 2]),
    ([], [";"], "a . B".split(), [0]),                  # "." no longer ends
    (["...", "."], [";"], "a ... B".split(), [0, 2]),
])
def test_enders_and_breakers_are_settings(enders, breakers, words, starts):
    assert [i for i, s in enumerate(sentence_starts(words, enders, breakers)) if s] == starts
    assert len(starts) <= 1 or not one_sentence(words, set(enders) | set(breakers))


def test_factory_config_reaches_the_component(nlp):
    cfg = nlp.config["components"]["eligex_sentences"]
    assert (cfg["enders"], cfg["breakers"]) == ([".", "!", "?"], [";"])
    comma = CriterionSentencizer(enders=cfg["enders"], breakers=[";", ","])
    doc = comma(nlp.make_doc("Age ≥ 18, no SLE"))
    assert [s.text for s in doc.sents] == ["Age ≥ 18,", "no SLE"]
