import pytest

from pipeline.tokenizer import tokenize

KEEP = ["BVAS/WG"]


@pytest.mark.parametrize("text,expected", [
    ("≥60g/L", ["≥", "60", "g/L"]),
    ("eGFR≥30ML/min/1.73m2", ["eGFR", "≥", "30", "ML/min/1.73m2"]),
    ("30×109/L", ["30", "×", "109", "/", "L"]),
    ("≤2.0×ULN", ["≤", "2.0", "×", "ULN"]),
    ("ALT/AST<3×ULN", ["ALT", "/", "AST", "<", "3", "×", "ULN"]),
    ("0~1", ["0", "~", "1"]),
    ("10-35", ["10", "-", "35"]),
    ("Hb>=90", ["Hb", ">=", "90"]),
    ("125/150", ["125", "/", "150"]),
    ("<3", ["<", "3"]),  # no emoticon
    ("3xULN", ["3", "x", "ULN"]),
    ("1.5x10^9/L", ["1.5", "x", "10", "^", "9", "/", "L"]),
    ("≥5 years and <17 years old", ["≥", "5", "years", "and", "<", "17", "years", "old"]),
    ("ＳpO2＞90", None),
])
def test_splits(text, expected):
    words, spaces = tokenize(text, KEEP)
    if expected is not None:
        assert words == expected
    assert "".join(w + (" " if s else "") for w, s in zip(words, spaces)) == text


@pytest.mark.parametrize("word", ["MMT-8", "SLEDAI-2K", "BVAS/WG", "IgG4-RD", "COVID-19", "anti-dsDNA", "g/L", "mL/min"])
def test_kept_whole(word):
    assert tokenize(f"the {word} value", KEEP)[0] == ["the", word, "value"]


def test_whitespace_rebuilds_text():
    text = "  1. Age  ≥5\n\n  * SLE\t(x)"
    words, spaces = tokenize(text)
    assert "".join(w + (" " if s else "") for w, s in zip(words, spaces)) == text


def test_spacy_doc_text_matches(nlp):
    for text in ["AST and ALT≤3.0 ULN", "ECOG 0\\~1 score;", "≥18 years old, male or female;"]:
        assert nlp.make_doc(text).text == text
