import json
from pathlib import Path

import pytest

from pipeline.components.tokenizer import TokenizerRules, tokenize
from pipeline.rules.loading import RuleError

ROOT = Path(__file__).resolve().parents[1]
#: the repo's comparators (configs/tokenizer.json) with only BVAS/WG kept whole
RULES = TokenizerRules(keep_whole=["BVAS/WG"], comparators=TokenizerRules.load(ROOT / "configs" / "tokenizer.json").comparators)


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
    words, spaces = tokenize(text, RULES)
    if expected is not None:
        assert words == expected
    assert "".join(w + (" " if s else "") for w, s in zip(words, spaces)) == text


@pytest.mark.parametrize("word", ["MMT-8", "SLEDAI-2K", "BVAS/WG", "IgG4-RD", "COVID-19", "anti-dsDNA", "g/L", "mL/min"])
def test_kept_whole(word):
    assert tokenize(f"the {word} value", RULES)[0] == ["the", word, "value"]


def test_whitespace_rebuilds_text():
    text = "  1. Age  ≥5\n\n  * SLE\t(x)"
    words, spaces = tokenize(text, RULES)
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


def _reference_tokenize(text, rules):
    """The tokenizer as it was before chunking: one pass of the master regex over the whole text."""
    from pipeline.components.tokenizer import _split_hyphens, _split_slashes

    words, spaces = [], []
    for m in rules.token_re.finditer(text):
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
            parts = _split_hyphens(piece, rules)
        for part in parts:
            for sub in (_split_slashes(part, rules) if m.lastgroup == "word" and "/" in part else [part]):
                words.append(sub)
                spaces.append(False)
    return words, spaces


def test_chunked_and_cached_tokenizing_equals_one_pass_over_the_text():
    """Tokens never cross whitespace, so splitting chunk by chunk (and remembering chunks) gives
    exactly the tokens of one pass over the whole text, odd whitespace included."""
    import random

    rules = TokenizerRules(["BVAS/WG"], ["year", "old", "non"], RULES.comparators)
    rnd = random.Random(7)
    alphabet = list("ab1.,-/ xX^≥<=()\n\t  \u00a0\u2009ü9%;'’_") + ["year", "old", "non", "BVAS/WG", "ALT/AST"]
    texts = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30))) for _ in range(3000)]
    texts += ["18-year-old non-smoker, ALT/AST<3×ULN;  Hb≥90g/L\n\n  * SLE\t(x)  "]
    cache = {}
    for text in texts:
        expected = _reference_tokenize(text, rules)
        assert tokenize(text, rules) == expected, text
        assert tokenize(text, rules, cache) == expected, text
    assert cache  # and chunks were remembered


def test_chunk_cache_stays_bounded():
    cache = {}
    for i in range(100):
        tokenize(f"value{i} ≥{i}", RULES, cache, cache_size=10)
        assert len(cache) <= 10
    assert cache


def test_cache_size_is_tokenizer_config(nlp):
    from pipeline.components.tokenizer import DEFAULT_CACHE_SIZE, create_tokenizer

    assert nlp.config["nlp"]["tokenizer"]["cache_size"] == DEFAULT_CACHE_SIZE
    small = create_tokenizer(cache_size=3)(nlp)
    for text in ["a1 b2 c3 d4", "e5 f6"]:
        small(text)
    assert len(small._cache) <= 3


@pytest.mark.parametrize("comparators,text,expected", [
    ([">=", ">"], "x>=5", ["x", ">=", "5"]),
    ([">", ">="], "x>=5", ["x", ">=", "5"]),  # longest first whatever the order in the file
    ([">"], "x>=5", ["x", ">", "=", "5"]),
    (["≥"], "Hb≥90", ["Hb", "≥", "90"]),
    (["=<"], "x=<5", ["x", "=<", "5"]),
    (["<"], "a<b", ["a", "<", "b"]),
    ([], "x>=5", ["x", ">", "=", "5"]),  # no comparator: each sign is a character token
    (["≥"], "x≥≥5", ["x", "≥", "≥", "5"]),
])
def test_comparators_come_from_the_rules(comparators, text, expected):
    assert tokenize(text, TokenizerRules(comparators=comparators))[0] == expected


@pytest.mark.parametrize("key", ["keep_hole", "comparator", "Comparators"])
def test_misspelt_key_in_tokenizer_json_is_an_error(tmp_path, key):
    data = json.loads((ROOT / "configs" / "tokenizer.json").read_text(encoding="utf-8"))
    data[key] = data.pop("keep_whole") if key == "keep_hole" else ["≥"]
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(RuleError) as err:
        TokenizerRules.load(path)
    problem = err.value.problems[0]
    assert problem.path == str(path) and key in problem.message
    assert problem.line == 1 + next(i for i, ln in enumerate(path.read_text().splitlines()) if f'"{key}"' in ln)


def test_tokenizer_initialize_checks_the_schema(tmp_path):
    from spacy.vocab import Vocab

    from pipeline.components.tokenizer import EligexTokenizer

    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps({"keep_whole": [], "comparators": [">"], "split_hyphen": ["non"]}), encoding="utf-8")
    with pytest.raises(RuleError, match="split_hyphen"):
        EligexTokenizer(Vocab()).initialize(rules_path=str(path))
