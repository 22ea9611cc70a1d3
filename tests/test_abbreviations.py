"""find_pairs / propagate (pipeline/components/abbreviations.py) on Docs made from word lists."""

from __future__ import annotations

import pytest
import spacy
from spacy.tokens import Doc

from pipeline.components.abbreviations import AbbreviationLinker, find_pairs, propagate


@pytest.fixture(scope="module")
def nlp():
    return spacy.blank("en")


@pytest.fixture(scope="module")
def matcher(nlp):
    return AbbreviationLinker(nlp).matcher


def doc_of(nlp, text: str) -> Doc:
    return Doc(nlp.vocab, words=text.split(" "))


def words(doc: Doc, span) -> str:
    return doc[span[0]:span[1]].text


@pytest.mark.parametrize("text,pairs", [
    ("Systemic Lupus Erythematosus ( SLE ) ; active SLE", [("Systemic Lupus Erythematosus", "SLE")]),
    ("Zubrod Functional Rating Index ( ZFRI ) < 2", [("Zubrod Functional Rating Index", "ZFRI")]),
    ("a history of Eastern Cooperative Oncology Group ( ECOG ) 0", [("Eastern Cooperative Oncology Group", "ECOG")]),
    # rows that must not pair
    ("aged ( 18 years )", []),
    ("no parentheses here", []),
    ("platelets ( PLT", []),                       # unclosed
    ("serum ferritin ( ng/mL )", []),              # a unit, not the initials of the words before
    ("Hemoglobin ( Hb ) and Platelets ( XYZQ )", [("Hemoglobin", "Hb")]),
])
def test_find_pairs(nlp, matcher, text, pairs):
    doc = doc_of(nlp, text)
    assert [(words(doc, long), words(doc, short)) for long, short in find_pairs(doc, matcher)] == pairs


def ent(doc: Doc, start: int, end: int, label: str, rule: str = "r", **extra) -> dict:
    span = doc[start:end]
    return {"label": label, "start": span.start_char, "end": span.end_char, "token_start": start,
            "token_end": end, "text": span.text, "rule": rule, **extra}


SLE = "Systemic Lupus Erythematosus ( SLE ) ; active SLE"


@pytest.mark.parametrize("text,entities,added", [
    # the long form is a CONDITION: both mentions of the short form get its label, norm and category
    (SLE, [(0, 3, "CONDITION", {"norm": "sle", "category": "condition"})], [(4, 5), (8, 9)]),
    ("Zubrod Functional Rating Index ( ZFRI ) < 2", [(0, 4, "SCORE", {})], [(5, 6)]),
    # a mention a rule already found is left alone
    (SLE, [(0, 3, "CONDITION", {}), (8, 9, "CONDITION", {})], [(4, 5)]),
    # rows that must add nothing
    (SLE, [], []),                                           # the long form is no entity
    (SLE, [(0, 3, "TEMPORAL", {})], []),                     # a label that lends nothing
    (SLE, [(1, 3, "CONDITION", {})], []),                    # the entity covers only part of the long form
])
def test_propagate(nlp, matcher, text, entities, added):
    doc = doc_of(nlp, text)
    ents = [ent(doc, s, e, label, "cond.sle", **extra) for s, e, label, extra in entities]
    new = propagate(doc, ents, find_pairs(doc, matcher))
    assert [(n["token_start"], n["token_end"]) for n in new] == added
    for n in new:
        long = ents[0]
        assert n["label"] == long["label"] and n["rule"] == f"abbrev.{long['rule']}"
        assert {k: n[k] for k in ("norm", "category") if k in n} == {k: long[k] for k in ("norm", "category") if k in long}
        assert doc.text[n["start"]:n["end"]] == n["text"] == "".join(words(doc, (n["token_start"], n["token_end"])))


@pytest.mark.parametrize("labels,added", [(("CONDITION",), 2), (("SCORE",), 0), ((), 0)])
def test_long_form_labels_are_a_setting(nlp, matcher, labels, added):
    doc = doc_of(nlp, SLE)
    ents = [ent(doc, 0, 3, "CONDITION")]
    assert len(propagate(doc, ents, find_pairs(doc, matcher), labels)) == added


def test_component_takes_the_labels_from_its_factory_config():
    nlp = spacy.blank("en")
    linker = nlp.add_pipe("eligex_abbreviations", config={"long_form_labels": ["SCORE"]})
    assert linker.long_form_labels == frozenset({"SCORE"})
    assert spacy.blank("en").add_pipe("eligex_abbreviations").long_form_labels == {"MEASUREMENT", "SCORE", "CONDITION"}


def test_propagation_work_is_linear_in_repeated_short_forms(nlp):
    """A short form repeated many times is looked up by its word, not by a scan of every token per
    pair (it was quadratic): each mention gets one entity, and a 4x longer text gives 4x the mentions."""
    from pipeline.components.abbreviations import propagate

    counts = []
    for n in (50, 200):
        doc = nlp.make_doc("systemic lupus erythematosus (SLE) and SLE flares; " * n)
        ents = [{"label": "CONDITION", "token_start": i, "token_end": i + 3, "rule": "cond.sle", "norm": "SLE",
                 "category": "condition", "start": doc[i].idx, "end": doc[i + 2].idx + len(doc[i + 2].text)}
                for i in range(len(doc)) if doc[i].text == "systemic"]
        pairs = [((e["token_start"], e["token_end"]), (e["token_end"] + 1, e["token_end"] + 2)) for e in ents]
        assert all(doc[s].text == "SLE" for _, (s, _) in pairs)
        added = propagate(doc, ents, pairs)
        assert all(doc.text[e["start"]:e["end"]] == "SLE" for e in added)
        counts.append(len(added))
    assert counts[1] == 4 * counts[0] == 4 * 2 * 50
