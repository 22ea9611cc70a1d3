"""words_outside_asides (pipeline/core/brackets.py): the gap between a name and its comparator."""

import pytest

from pipeline.core.brackets import enclosed_tokens, words_outside_asides


@pytest.mark.parametrize(("text", "limit", "expected"), [
    ("level is", 5, 2),                                     # plain words count
    ("( serum glutamic oxaloacetic transaminase [ SGOT ] )", 2, 0),  # a closed aside, nested
    ("( measured at screening ) level", 2, 1),              # only the word outside
    ("( measured at screening", 2, None),                  # still open at the comparator: counts
    ("( measured at screening", 4, 4),                     # the bracket itself counts then
    ("] and", 5, 2),                                       # a closing bracket opened before counts
    ("one two three", 2, None),                            # over the limit
])
def test_words_outside_asides(text, limit, expected):
    words = text.split()
    assert words_outside_asides(words, 0, len(words), limit) == expected


def test_whitespace_tokens_are_no_words():
    assert words_outside_asides(["level", "  ", "is"], 0, 3, 5) == 2


@pytest.mark.parametrize(("text", "inside"), [
    ("a ( b ; c ) d", [2, 3, 4]),          # the tokens between the outermost pair
    ("a [ b ( c ) ] d", [2, 3, 4, 5]),     # nested: the outer pair decides
    ("a ( b ; c", []),                     # never closed: encloses nothing
    ("a ) b ( c )", [4]),                  # a closer with no opener is a plain token
])
def test_enclosed_tokens(text, inside):
    assert [k for k, e in enumerate(enclosed_tokens(text.split())) if e] == inside
