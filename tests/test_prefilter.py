"""The regex prefilters (pipeline/components/prefilter.py): what they derive, and that they never make the
entity ruler skip a regex on a text the regex matches."""

import sys
from pathlib import Path

import pytest
import regex

from pipeline.core.paths import configs_dir
from pipeline.components.prefilter import (
    DIGIT,
    RulePrefilter,
    after_digit_chars,
    after_digit_prefilter,
    fold_key,
    passes,
    regex_prefilter,
)
from pipeline.rules.loading import load_rules

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def regex_rules():
    rules, _ = load_rules(configs_dir() / "entities", "entity", strict=True)
    return [r for r in rules if "regex" in r]


@pytest.fixture(scope="module")
def variants(regex_rules):
    """Real criteria (a quarter of LCT), every rule's examples, and the same texts upper-cased,
    case-swapped and with the characters that case-fold oddly (Kelvin sign, long s, dotted and
    dotless i, micro sign and Greek mu, en dash)."""
    lct = ROOT / "annotations" / "external" / "lct"
    texts = [line.strip() for path in sorted(lct.rglob("*.txt"))[::4]
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts += [t for r in regex_rules for t in r.get("examples", []) + r.get("not_examples", [])]
    odd = str.maketrans({"k": "\u212a", "s": "\u017f", "i": "\u0130", "e": "\u0131", "-": "\u2013",
                         "\u00b5": "\u039c", "\u03bc": "\u00b5", "u": "\u00b5"})
    return [v for t in texts for v in (t, t.upper(), t.swapcase(), t.translate(odd))]


def test_rule_prefilter_never_skips_a_matching_regex(regex_rules, variants):
    prefilter = RulePrefilter([(r["regex"], not r.get("case_sensitive")) for r in regex_rules])
    compiled = [regex.compile(r["regex"], 0 if r.get("case_sensitive") else regex.IGNORECASE) for r in regex_rules]
    checked = skipped = 0
    for text in variants:
        kept = set(prefilter.candidates(text))
        for ri, rx in enumerate(compiled):
            if rx.search(text) is not None:
                checked += 1
                assert ri in kept, (regex_rules[ri]["id"], text)
            elif ri not in kept:
                skipped += 1
    assert checked > 1000
    assert skipped > 10 * checked  # and it does skip: most regexes match few texts


def test_literal_clauses_hold_on_every_match(regex_rules, variants):
    checked = 0
    for rule in regex_rules:
        fold = not rule.get("case_sensitive")
        clauses = regex_prefilter(rule["regex"], fold)
        if clauses is None:
            continue
        rx = regex.compile(rule["regex"], regex.IGNORECASE if fold else 0)
        for text in variants:
            if rx.search(text) is not None:
                checked += 1
                assert passes(clauses, text), (rule["id"], text)
    assert checked > 1000


def test_regex_prefilter_clauses():
    assert regex_prefilter(r"(\w)\1", True) is None  # back-references are not analysed
    assert regex_prefilter(r"(?<=\d\s?)(?:kg|mg)\b", True) == (
        frozenset([DIGIT]), frozenset([("fold", "kg"), ("fold", "mg")]))
    # per alternative the rarest literal: ">" rather than "or"; a digit where every one has one
    ge = regex_prefilter(r">=|>\s*or\s*=", False)
    assert set(ge) == {frozenset([("raw", ">")]), frozenset([("raw", "=")])}
    assert regex_prefilter(r"\d+,\d+|\d+", False) == (frozenset([DIGIT]),)
    assert regex_prefilter(r"ULN", False) == (frozenset([("raw", "ULN")]),)


def test_after_digit_prefilter():
    assert after_digit_prefilter(r"(?<=\d\s?)(?:kg|mg)\b", True) == (2, frozenset("km"))
    assert after_digit_prefilter(r"(?<=\d\)?\s?[-+]?\s?)(?:years?|yrs?|y)\b", True) == (5, frozenset("y"))
    assert after_digit_prefilter(r"(?<=\d\s?)(?:cells\s?)?(?:/|per)", True) == (2, frozenset("c/p"))
    assert after_digit_prefilter(r"(?<=\d\s?)[mµ]g", True) == (2, frozenset("mμ"))  # µ folds to μ
    assert after_digit_prefilter(r"(?<=\d\s?)Gy", False) == (2, frozenset("G"))
    # the lookbehind's last digit counts ("38.5 C": the match is 2 after the "5"), a digit group too
    assert after_digit_prefilter(r"(?<=\d[.,]\d+\s?)(?-i:[CF])\b", True) == (2, frozenset("cf"))
    assert after_digit_prefilter(r"(?<=(?<![\d.])(?:3[4-9]|4[0-2])\s?)C\b", False) == (2, frozenset("C"))
    assert after_digit_prefilter(r"(?<=\d(?:\s?mg)?)x", False) == (4, frozenset("x"))  # 1 + the tail's 3
    assert after_digit_prefilter(r"(?<=a|\d)x", False) is None  # the lookbehind need not end in a digit
    # an alternation of after-digit patterns: the widest, and every first character
    assert after_digit_prefilter(r"(?<=\d\s?)N\b|(?<=\d)(?:times|x)\s", False) == (2, frozenset("Ntx"))
    assert after_digit_prefilter(r"(?<=\d\s?)N\b|times", False) is None
    # (?i:...) in a case-sensitive pattern, a global (?i) in a case-sensitive rule: not modelled
    assert after_digit_prefilter(r"(?<=\d\s?)(?i:mg)", False) is None
    assert after_digit_prefilter(r"(?i)(?<=\d\s?)mg", False) is None
    # not a digit lookbehind, an optional start, a class with \s: no prefilter
    assert after_digit_prefilter(r"(?<=[a-z])mg", True) is None
    assert after_digit_prefilter(r"(?<=\d)(?:mg)?", True) is None
    assert after_digit_prefilter(r"(?<=\d)\s*mg", True) is None
    assert after_digit_prefilter(r"mg", True) is None


def test_after_digit_chars():
    # "9 g" → " ", "g"; "18 Y" → "8", " " (after the 1), " ", "Y" (after the 8)
    assert after_digit_chars("Hb 9 g/dL; age 18 Years", 2, True) == frozenset(" g8y")
    assert after_digit_chars("Hb 9 g/dL; age 18 Years", 2, False) == frozenset(" g8Y")
    assert after_digit_chars("no digits here", 5, True) == frozenset()
    assert after_digit_chars("ends with 12", 3, True) == frozenset("2")  # inside a run of digits


def test_fold_key_covers_what_regex_matches_case_insensitively(regex_rules):
    """For every cased non-ASCII character an after-digit prefilter starts with: every character
    of Unicode that ``regex`` matches to it case-insensitively shares a fold_key character."""
    chars = set()
    for rule in regex_rules:
        found = after_digit_prefilter(rule["regex"], False)
        if found:
            chars |= {ch for ch in found[1] if not ch.isascii() and ch.upper() != ch.lower()}
    chars |= {"\u00b5", "\u03bc", "\u039c"}
    for ch in sorted(chars):
        rx = regex.compile(regex.escape(ch), regex.IGNORECASE)
        key = set(fold_key(ch))
        for cp in range(sys.maxunicode + 1):
            other = chr(cp)
            if rx.fullmatch(other) is not None:
                assert key & set(fold_key(other)), (ch, other)


def test_substrings_answers_as_the_alternation_of_its_strings_does():
    import pickle
    import re

    from pipeline.components.prefilter import Substrings

    cues = ["grade", "stage", "child-pugh", "ecog"]
    found = Substrings(cues)
    alternation = re.compile("|".join(map(re.escape, cues)))
    for text in ["ecog 0-1", "no cue here", "child-pugh a", "upgraded", "", "stag"]:
        assert found.any_in(text) == (alternation.search(text) is not None)
    assert pickle.loads(pickle.dumps(found)).any_in("stage iv") and not Substrings([]).any_in("x")


def test_word_start_literals():
    """A literal just after \\b is looked for at the start of a word (in ASCII texts): 'ten' of
    '\\bten\\b' does not let 'often' or 'attention' through."""
    word = r"\b(?:(?:twenty|forty)(?:[-\s](?:one|two))?|ten|one|two)\b"
    assert regex_prefilter(word, True) == (frozenset(
        ("wfold", w) for w in ("twenty", "forty", "ten", "one", "two")),)
    assert regex_prefilter(r"\bULN\b", False) == (frozenset([("wraw", "ULN")]),)
    assert regex_prefilter(r"x\BULN", False) == (frozenset([("raw", "ULN")]), frozenset([("raw", "x")]))
    assert regex_prefilter(r"\b(?:ULN|x)", False) == (frozenset([("wraw", "ULN"), ("raw", "x")]),)  # one letter: plain
    prefilter = RulePrefilter([(word, True), (r"\bULN\b", False)])
    rx = [regex.compile(word, regex.IGNORECASE), regex.compile(r"\bULN\b")]
    for text, kept in [("none often attention", []), ("One of", [0]), ("no-one", [0]), ("(twenty-two)", [0]),
                       ("xULN", []), ("2 x ULN", [1]), ("10ten", []), ("_ten", []),
                       ("\u00e9ten", [0]),  # not ASCII: the literal counts wherever it stands
                       ("\u00e9 ten", [0])]:
        assert prefilter.candidates(text) == kept, text
        assert [i for i in (0, 1) if rx[i].search(text)] == [i for i in kept if rx[i].search(text)]
        clauses = [regex_prefilter(word, True), regex_prefilter(r"\bULN\b", False)]
        assert [i for i in (0, 1) if passes(clauses[i], text)] == kept, text


def test_word_start_after_whitespace():
    """A literal after \\s or \\s+ starts a word too: no character of Unicode is both (for the
    regex module), so 'ratio' of '\\s+ratio\\b' does not let 'duration' through."""
    space, word = regex.compile(r"\s"), regex.compile(r"\w")
    assert not [cp for cp in range(sys.maxunicode + 1) if space.match(chr(cp)) and word.match(chr(cp))]
    assert regex_prefilter(r"[a-z]+\s+ratio\b", True)[0] == frozenset([("wfold", "ratio")])
    assert regex_prefilter(r"[a-z]+\s*ratio\b", True)[0] == frozenset([("fold", "ratio")])
    prefilter = RulePrefilter([(r"[a-z]+\s+ratio\b", True)])
    assert prefilter.candidates("duration of 2 years") == []
    assert prefilter.candidates("AST/ALT ratio > 1") == [0]


def test_after_digit_chars_with_the_runs_given():
    from pipeline.components.prefilter import digit_runs
    text = "Hb 9 g/dL; age 18 Years"
    assert digit_runs(text) == [(3, 4), (15, 17)]
    for width in (1, 2, 5):
        for fold in (True, False):
            assert after_digit_chars(text, width, fold, digit_runs(text)) == after_digit_chars(text, width, fold)


def test_ascii_fold_is_lower():
    """RulePrefilter.candidates folds an ASCII text by lower(): the same, character by character."""
    from pipeline.components.prefilter import _FOLD_FIX
    ascii_chars = "".join(map(chr, range(128)))
    assert ascii_chars.lower() == ascii_chars.casefold().translate(_FOLD_FIX)


def test_word_starts_answers_as_the_pattern_search_does(variants):
    """WordStarts tries its pattern only where one of its words starts, and answers as
    ``pattern.search`` does (folded words in any case, exact ones as written; overlapping words;
    texts with characters that lower-case oddly are searched whole)."""
    import pickle
    import re

    from pipeline.components.prefilter import WordStarts

    pattern = re.compile(r"(?:(?i:grades?|gr\.?|level|stage)\s*|NYHA\s+|(?i:child)[\s-]*pugh\s+)(?:\d|[IV]+\b)")
    gate = WordStarts(["grade", "grades", "gr", "gr.", "level", "stage", "child"], ["NYHA"], pattern)
    texts = list(variants) + ["levelevel 2", "levelevel2", "LEVEL 3", "nyha II", "NYHA II", "Child Pugh 2",
                              "GR. 3", "gr\u0130de 2", "\u212aid level 4", "le\u017fion stage IV", "", "grade"]
    masked = 0
    for text in texts:
        assert gate.search(text) == (pattern.search(text) is not None), text
        # a target of the same length (comparators masked): words looked for in the text, matched in the target
        target = re.sub(r"[<>≤≥]", "\x01", text)
        assert gate.search(text, target) == (pattern.search(target) is not None), text
        masked += target != text
    assert masked > 10
    assert sum(gate.search(t) for t in texts) > 20
    assert pickle.loads(pickle.dumps(gate)).search("stage 4") and not gate.search("nyha 2")
