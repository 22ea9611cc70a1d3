"""The shared token view (pipeline/components/docview.py): the same lists whether the tokenizer handed them
over or they were rebuilt from the Doc, rebuilt when the Doc changed, gone after the pipeline."""

import spacy
from spacy.tokens import Doc

from pipeline.components import docview

TEXTS = [
    "hemoglobin ≥60g/L, platelet count ≥30×109/L;  AST and ALT≤3.0 ULN",
    "Age 18-75 years.\nECOG 0-1; no obvious abnormality in electrocardiogram",
    "  leading and trailing spaces  ",
    "",
]


def rebuilt(doc: Doc) -> docview.DocView:
    doc.user_data.pop(docview._KEY, None)
    return docview.view(doc)


def test_tokenizer_view_equals_the_view_rebuilt_from_the_doc(nlp):
    for text in TEXTS:
        doc = nlp.make_doc(text)
        handed = docview.view(doc)
        words, starts, lower = list(handed.words), list(handed.starts), list(handed.lower)
        assert handed.text == text == doc.text
        again = rebuilt(doc)
        assert again is not handed
        assert (again.text, again.words, again.starts, again.lower) == (text, words, starts, lower)
        assert words == [t.text for t in doc] and starts == [t.idx for t in doc]


def test_sentence_ids_follow_the_sentencizer(nlp):
    doc = nlp.make_doc("Age ≥ 18. ECOG 0-1; no infection\nHb ≥ 9 g/dL")
    doc = nlp.get_pipe("eligex_sentences")(doc)
    handed = docview.view(doc).sent_of(doc)
    sents = [s for s in doc.sents]
    assert len(sents) == 4
    assert handed == [k for k, s in enumerate(sents) for _ in s]
    assert rebuilt(doc).sent_of(doc) == handed  # read back from SENT_START


def test_one_sentence_criteria_take_the_short_path(nlp):
    from pipeline.components.sentences import one_sentence, sentence_starts

    for text in ["Hb ≥ 9 g/dL.", "Age 1.5 to 17 years", "Hb 9.5 g/dL. ALT ≤ 2 ULN"]:
        doc = nlp.get_pipe("eligex_sentences")(nlp.make_doc(text))
        words = [t.text for t in doc]
        assert one_sentence(words) == (sum(sentence_starts(words)) == 1)
        assert docview.view(doc).sent_of(doc) == [k for k, s in enumerate(doc.sents) for _ in s]
    assert len(list(doc.sents)) == 2


def test_a_doc_from_another_tokenizer_or_retokenized_gets_a_fresh_view():
    blank = spacy.blank("en")
    doc = blank("ALT/AST ≤ 2.5 x ULN")
    v = docview.view(doc)
    assert v.words == [t.text for t in doc] and v.text == doc.text
    with doc.retokenize() as retok:
        retok.merge(doc[0:2])
    v2 = docview.view(doc)
    assert v2 is not v and v2.words == [t.text for t in doc] and v2.starts == [t.idx for t in doc]


def test_finished_docs_carry_no_view_and_partial_pipelines_still_serialise(nlp):
    doc = nlp("platelet count ≥ 100 × 10^9/L")
    assert docview._KEY not in doc.user_data and doc._.eligex["constraints"]
    with nlp.select_pipes(disable=["eligex_constraints"]):
        partial = nlp("platelet count ≥ 100 × 10^9/L")
    assert docview._KEY in partial.user_data
    back = Doc(nlp.vocab).from_bytes(partial.to_bytes())
    assert back.text == partial.text
    assert docview.view(back).words == [t.text for t in back]  # a plain dict now: rebuilt
