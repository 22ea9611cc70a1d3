"""Step 5, negation: NEGATION cue entities from ConText's negation modifiers.

A cue that negates a kept entity becomes a NEGATION entity with ``negates`` relations; a cue
with no entity in its scope negates the phrase after it (or before a backward cue, "... will be
excluded"), unless that phrase is about consent or compliance rather than a clinical fact.
"""

from bisect import bisect_left
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from pipeline.components.constraints.config import PhraseWords
from pipeline.components.constraints.index import Criterion


def negated_phrase(words: Sequence[str], token_starts: Sequence[int], cue_start_char: int,
                   cue_end_char: int, phrase_words: PhraseWords,
                   backward: bool = False) -> Optional[Tuple[int, int]]:
    """The phrase a negation cue negates when no entity is in its scope: the words after a
    forward cue (skipping "a", "any", "history of" ...), or before a backward one ("... will be
    excluded"), up to punctuation or a conjunction (``phrase_words``, from
    ``configs/constraints.json``)."""
    stops, most = phrase_words.stops, phrase_words.max_words
    if backward:
        j = bisect_left(token_starts, cue_start_char) - 1  # the last token before the cue
        while j >= 0 and (words[j].isspace() or words[j].lower() in phrase_words.skip_back):
            j -= 1
        if j < 0:
            return None
        end = j
        while j >= 0 and end - j < most and not words[j].isspace() \
                and words[j].lower() not in stops:
            j -= 1
        if j == end:
            return None
        return token_starts[j + 1], token_starts[end] + len(words[end])
    i = bisect_left(token_starts, cue_end_char)  # the first token after the cue
    if i == len(token_starts):
        return None
    while i < len(words) and (words[i].isspace() or words[i].lower() in phrase_words.skip):
        i += 1
    start = i
    while i < len(words) and i - start < most and not words[i].isspace() \
            and words[i].lower() not in stops:
        i += 1
    if i == start:
        return None
    return token_starts[start], token_starts[i - 1] + len(words[i - 1])



def negation_cues(criterion: Criterion, modifiers: Iterable[dict], kept_spans: Dict[Tuple[int, int], int],
                  non_clinical: frozenset, phrase_words: PhraseWords) -> List[Tuple[dict, List[int]]]:
    """NEGATION cue records and the kept entities (indices) each negates; ``modifiers`` are
    ConText's NEGATED_EXISTENCE modifiers, ``kept_spans`` the kept entities by (start, end)."""
    text = criterion.text
    out = []
    for m in modifiers:
        targets = [kept_spans[tuple(t)] for t in m["targets"] if tuple(t) in kept_spans]
        cue = {"label": "NEGATION", "start": m["start"], "end": m["end"], "text": text[m["start"]:m["end"]],
               "rule": m["rule"]}
        if not targets:
            # no entity in scope: the cue negates the phrase after it, if that is clinical
            phrase = None
            if criterion.token_starts is not None:
                phrase = negated_phrase(criterion.words, criterion.token_starts, m["start"], m["end"], phrase_words,
                                        backward=m.get("direction") == "BACKWARD")
            if phrase is None:
                continue
            first = text[phrase[0]:phrase[1]].split()[0].lower()
            if first in non_clinical:
                continue
            cue["target"] = list(phrase)
            cue["target_text"] = text[phrase[0]:phrase[1]]
        out.append((cue, targets))
    return out
