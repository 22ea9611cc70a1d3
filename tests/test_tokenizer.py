import pytest

from pipeline.components.tokenizer import tokenize

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


@pytest.mark.parametrize("text,at,code", [("hemoglobin >= 9 g/dL \ud800 x", 21, "D800"),
                                          ("\udfff", 0, "DFFF"), ("≥60g/L é\udc00", 8, "DC00")])
def test_a_lone_surrogate_is_a_value_error_naming_its_position(nlp, text, at, code):
    with pytest.raises(ValueError, match=f"lone surrogate U\\+{code} at character {at} "):
        nlp(text)
    assert nlp("≥60g/L é \U0001F600").text == "≥60g/L é \U0001F600"  # a pair (an emoji) is fine


def _reference_tokenize(text, keep=frozenset(), split=frozenset()):
    """The tokenizer as it was before chunking: one pass of the master regex over the whole text."""
    from pipeline.components.tokenizer import TOKEN_RE, _split_hyphens, _split_slashes

    words, spaces = [], []
    for m in TOKEN_RE.finditer(text):
        piece = m.group()
        if m.lastgroup == "ws":
            if words and not spaces[-1] and piece[0] == " ":
                spaces[-1] = True
                piece = piece[1:]
            if piece:
                words.append(piece)
                spaces.append(False)
            continue
        parts = [piece]
        if m.lastgroup == "word" and "-" in piece:
            parts = _split_hyphens(piece, split)
        for part in parts:
            for sub in (_split_slashes(part, keep) if m.lastgroup == "word" and "/" in part else [part]):
                words.append(sub)
                spaces.append(False)
    return words, spaces


def test_chunked_and_cached_tokenizing_equals_one_pass_over_the_text():
    """Tokens never cross whitespace, so splitting chunk by chunk (and remembering chunks) gives
    exactly the tokens of one pass over the whole text, odd whitespace included."""
    import random

    keep, split = frozenset(["bvas/wg"]), frozenset(["year", "old", "non"])
    rnd = random.Random(7)
    alphabet = list("ab1.,-/ xX^≥<=()\n\t  \u00a0\u2009ü9%;'’_") + ["year", "old", "non", "BVAS/WG", "ALT/AST"]
    texts = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30))) for _ in range(3000)]
    texts += ["18-year-old non-smoker, ALT/AST<3×ULN;  Hb≥90g/L\n\n  * SLE\t(x)  "]
    cache = {}
    for text in texts:
        expected = _reference_tokenize(text, keep, split)
        assert tokenize(text, keep, split) == expected, text
        assert tokenize(text, keep, split, cache) == expected, text
    assert cache  # and chunks were remembered


def test_chunk_cache_stays_bounded(monkeypatch):
    from pipeline.components import tokenizer

    monkeypatch.setattr(tokenizer, "CHUNK_CACHE_SIZE", 10)
    cache = {}
    for i in range(100):
        tokenize(f"value{i} ≥{i}", cache=cache)
    assert len(cache) <= 10
