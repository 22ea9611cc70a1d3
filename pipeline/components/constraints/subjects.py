"""Step 2, subjects: what each quantity bounds.

The nearest MEASUREMENT/SCORE before the quantity in the same sentence (skipping parentheticals
such as "(based on MDAAT)"), else the one right after it ("≥18 years old"), else an age word a
little later, else an implicit age ("≥ 65 years" with no subject word). Coordinated subjects
("AST and ALT ≤3.0 ULN", "AST, ALT") share the quantity; a long form and its parenthesised short
form are one subject; a quantity chained to the previous one ("≥5 years and <17 years") shares
its subjects, and so does one before it that found none ("below 18 and above 45 years"). A group
of subjects is a list of entity indices whose last member is the subject.
"""

from typing import List, Optional, Sequence, Tuple

from pipeline.components.constraints.config import AssemblyConfig
from pipeline.components.constraints.index import EntityIndex
from pipeline.components.constraints.quantities import SIDE, Quantity, age_comparator, unit_of
from pipeline.components.shapes import SHAPE_RULE_AFTER
from pipeline.components.units import UnitNormalizer
from pipeline.core.numbers import parse_number

IMPLICIT_AGE_RULE = "implicit.age"
BARE_TIME_RULE = "implicit.bare_time"

Groups = List[List[int]]


def assign_subjects(quantities: Sequence[Quantity], index: EntityIndex, config: AssemblyConfig,
                    units: UnitNormalizer) -> List[Tuple[Quantity, Groups]]:
    """Each quantity that bounds something, with its subject groups, left to right."""
    assigned: List[Tuple[Quantity, Groups]] = []
    prev: Optional[Tuple[Quantity, Groups]] = None
    missed: Optional[Quantity] = None  # the quantity right before, when it found no subject
    of_group: dict = {}  # id of an assigned quantity → its groups
    for q in quantities:
        index.work["quantities"] += 1
        unit = _unit_name(q, index.ents, units)
        groups = None
        if q.group_of is not None and id(q.group_of) in of_group:
            groups = of_group[id(q.group_of)]  # "≥ 13 g/dL (men) or ≥ 12 g/dL (women)"
            q.disjoint = True
        if groups is None:
            groups = _chained_groups(q, prev, index, config, units)
        if groups is None:
            groups = _find_groups(q, unit, index, config, units, _chain_start(q, missed, index, config))
            # "below 18 and above 45 years": the earlier quantity of a chain shares the subject found
            if groups is not None and missed is not None and not missed.bare and \
                    _chained_groups(q, (missed, groups), index, config, units) is not None and \
                    _bounds_subject(missed, groups, _unit_name(missed, index.ents, units), index, config):
                assigned.append((missed, groups))
        if groups is None or not _bounds_subject(q, groups, unit, index, config):
            prev = None
            missed = q
            continue
        missed = None
        assigned.append((q, groups))
        prev = (q, groups)
        of_group[id(q)] = groups  # for a quantity continuing it (group_of)
    return assigned


def _unit_name(q: Quantity, ents: Sequence[dict], units: UnitNormalizer) -> Optional[str]:
    u = unit_of([q])
    return units.normalize(ents[u]["text"]) if u is not None else None


def _chained_groups(q: Quantity, prev: Optional[Tuple[Quantity, Groups]], index: EntityIndex,
                    config: AssemblyConfig, units: UnitNormalizer) -> Optional[Groups]:
    """The previous quantity's subjects when ``q`` continues it ("≥5 years and <17 years",
    "< 18 or > 60", the links of ``chain_and`` / ``chain_or``); marks ``q`` disjoint after "or"."""
    if prev is None:
        return None
    link = _link(prev[0], q, index, config)
    sent_of = index.sent_of
    if sent_of[prev[0].start] != sent_of[q.start] or _subject_between(index, prev[0].end, q.start):
        return None
    if q.bare and q.op == "=" and q.units and link in config.chain_alternative_links and \
            prev[0].op in SIDE and _same_unit(prev[0], q, index.ents, units) and \
            _next_word(index.words, q.end) not in config.definition_words:
        # "≤ 2 times ULN (5 times ULN if due to liver involvement)": the bracket's number is
        # another bound on the same side
        q.op, q.bare, q.disjoint = prev[0].op, False, True
        return prev[1]
    if q.bare:
        return None
    if link in config.chain_links and _units_chain(prev[0], q, index.ents, units):
        q.disjoint = link in config.chain_or_links  # "< 18 or > 60": two constraints, not one range
        return prev[1]
    if link == () and q.subject is None and q.op in SIDE and prev[0].op in SIDE and SIDE[q.op] != SIDE[prev[0].op] and \
            _units_chain(prev[0], q, index.ents, units):
        return prev[1]  # "age >18 <28": two bounds written side by side, one range
    if link in config.chain_links and _age_units_differ(prev[0], q, index.ents, units, config.age_unit_set):
        q.disjoint = True  # "older than 6 months and younger than 12 years": two bounds, each in its unit
        return prev[1]
    if link in config.chain_alternative_links and _same_side(prev[0], q) and _same_unit(prev[0], q, index.ents, units):
        q.disjoint = True  # "≤ 2.5 x ULN (≤ 5 x ULN with liver metastases)": another bound of its own
        return prev[1]
    return None


def _next_word(words: Sequence[str], k: int) -> str:
    """The first word (lower-cased, whitespace tokens skipped) at or after token ``k``."""
    while k < len(words) and words[k].isspace():
        k += 1
    return words[k].lower() if k < len(words) else ""


def _chain_start(q: Quantity, missed: Optional[Quantity], index: EntityIndex, config: AssemblyConfig) -> int:
    """Where the words before ``q`` start that an implicit age looks at: before the quantity right
    before it that found no subject, when a chain link joins them ("under 16 or over 75 years"),
    else at ``q``."""
    if missed is None or missed.bare:
        return q.start
    return missed.start if _link(missed, q, index, config) in config.chain_links else q.start


def _link(prev: Quantity, q: Quantity, index: EntityIndex, config: AssemblyConfig) -> Optional[Tuple[str, ...]]:
    """The words joining quantity ``prev`` to ``q`` (outside bracketed asides; ``None`` when too
    many): "≤ 1.5 times ULN (≤ 2 times ULN ...)" is joined by "("; "< 45 or above 120" by the
    comparator's own link word."""
    between = index.words_outside_asides(prev.end, q.start, config.chain_max_words)
    link = tuple(between) if between is not None else None
    if link is not None and q.link_word is not None:
        link += (q.link_word,)
    return link


def _find_groups(q: Quantity, unit: Optional[str], index: EntityIndex, config: AssemblyConfig,
                 units: UnitNormalizer, chain_start: Optional[int] = None) -> Optional[Groups]:
    """The subjects of a quantity that does not continue the previous one (``chain_start``: see
    :func:`_chain_start`)."""
    if q.subject is not None:
        return [[q.subject]]
    scale = on_scale_subject(q, index)
    if scale is not None:
        return [[scale]]
    # "older than 65", "21 or older": an age, whatever other subject stands near
    aged = unit in (None, "a") and age_comparator(q, index.ents) is not None
    named_after = _named_right_after(q, index) if not aged else None
    if named_after is not None:  # "blood pressure ≥140 mmHg systolic": the systolic one
        return coordinated_right(named_after, index)
    left = find_left_subject(q, index, config.limits.left_subject_max_gap)
    if left is not None and (not aged or index.ents[left].get("norm") == "age"):
        named = _scale_named_after(q, left, index)
        return [[named]] if named is not None else coordinated_subjects(left, index)
    right = find_right_subject(q, index, config.limits.right_subject_max_gap)
    if right is not None and (not aged or index.ents[right].get("norm") == "age"):
        return coordinated_right(right, index)
    if unit in config.age_unit_set or aged:
        later = later_age_subject(q, index)
        if later is not None:
            return [[later]]
    age = implicit_age_subject(q, index.words, index.ents, units, config.implicit_age_blockers,
                               config.implicit_age_cues, config.implicit_age_blockers_after, chain_start)
    if age is None:
        age = bare_time_subject(q, index.words, index.ents, units, config.bare_time_subject)
    return [[index.add(age)]] if age is not None else None


def _named_right_after(q: Quantity, index: EntityIndex) -> Optional[int]:
    """A subject that an entity rule marks ``attrs.after_quantity`` written right after the
    quantity, no word between ("≥140 mmHg systolic", "> 160 systolic"): it names what the number
    bounds, before any subject further left. A shape's name after a quantity does not (it is made
    only when nothing names one before, and may be a unit's tail: "kilogram per meter square")."""
    idx = index.first_subject_from(q.end)
    if idx is None:
        return None
    e = index.ents[idx]
    if not (e.get("attrs") or {}).get("after_quantity") or e["rule"] == SHAPE_RULE_AFTER \
            or index.sent_of[e["token_start"]] != index.sent_of[q.start]:
        return None
    return idx if index.between(q.end, e["token_start"], 0) is not None else None


def _scale_named_after(q: Quantity, subject: int, index: EntityIndex) -> Optional[int]:
    """The scale named in brackets right after the quantity, when the subject before it is the
    same score written generically: "Performance status ≤ 1 (ECOG)" bounds ECOG."""
    ents = index.ents
    subj = ents[subject]
    if subj["label"] != "SCORE" or subj.get("norm") is None:
        return None
    idx = index.first_subject_from(q.end)
    if idx is None:
        return None
    named = ents[idx]
    if named["label"] != "SCORE" or named.get("norm") != subj.get("norm") or \
            index.between(q.end, named["token_start"], 1) not in (["("], ["["]) or \
            index.between(named["token_end"], named["token_end"] + 1, 1) not in ([")"], ["]"]):
        return None  # "ASA 1 or 2 (ASA 1 corresponding to ...)": an explanation, not the name
    return idx


def _generic_before(q: Quantity, named: dict, index: EntityIndex) -> Optional[int]:
    """The subject nearest before the quantity when it has the norm of ``named``, a scale named
    after the quantity ("Performance status" before "0-1 (ECOG)"), else None."""
    before = next(index.subjects_ending_by(q.start), None)
    return before if before is not None and index.ents[before].get("norm") == named.get("norm") else None


def _bounds_subject(q: Quantity, groups: Groups, unit: Optional[str], index: EntityIndex,
                    config: AssemblyConfig) -> bool:
    """Whether the quantity really bounds the subjects found for it."""
    ents = index.ents
    if q.bare and not _bare_allowed(q, groups, index):
        return False
    if unit is not None and unit not in config.age_unit_set and any(ents[g[-1]].get("category") == "age" for g in groups):
        return False  # "age appropriate (≥2.3 ng/ml)": an age is never in ng/ml
    if q.op == "range" and _names_its_scale(q, ents[groups[-1][-1]], index, config.on_scale_word_set) and \
            parse_number(ents[q.values[0]]["text"]) == 0:
        return False  # "a 0-10 pain intensity numeric scale": the scale's range, not a bound
    if unit in config.time_units_for_age_only and \
            any(ents[g[-1]].get("category") in config.timeless for g in groups):
        return False  # "HbA1c ... less than 12 weeks prior to": a time window, not a bound
    return True


def _names_its_scale(q: Quantity, subj: dict, index: EntityIndex, on_scale_words: frozenset) -> bool:
    """Whether the SCORE ``subj`` right after a range names the range's own scale ("a 0-10 pain
    scale"), not the scale the range is read on ("ECOG 0-2 on the Zubrod scale": ``on_scale_words``
    between)."""
    if subj["label"] != "SCORE" or q.end > subj["token_start"]:
        return False
    between = index.between(q.end, subj["token_start"], len(index.words))
    if between in (["("], ["["]) and _generic_before(q, subj, index) is not None:
        return False  # "Performance status 0-1 (ECOG)": the scale is named aside, not sized
    return not any(w in on_scale_words for w in between or ())


def _parenthesised_aside(index: EntityIndex, idx: int, q_start: int) -> bool:
    """Whether subject ``idx`` sits inside a parenthetical aside that closes before the quantity:
    "(based on MDAAT) ≥3cm" is an aside; "(LVEF) ≥55%" and "(ASA) ≤ 2" (only the name inside)
    and "(hemoglobin <10 g/dL)" (the quantity inside) are not."""
    ent = index.ents[idx]
    k = index.open_paren_before(ent["token_start"])
    if k < 0:
        return False
    close = index.close_paren_in(ent["token_end"], q_start)
    if close is None:
        return False  # the quantity is inside the same parenthesis
    named = index.between(ent["token_start"], ent["token_end"], len(index.words), lower=False)
    if index.between(k + 1, close, len(named), lower=False) == named:
        return False  # "(LVEF)": the parenthesis holds just the name
    return not index.has_subject_ending_at(k)


def find_left_subject(q: Quantity, index: EntityIndex, max_gap: int) -> Optional[int]:
    """The nearest subject before the quantity in its sentence, with at most ``max_gap`` words
    (the factory setting ``left_subject_max_gap``) and no other quantity between, skipping
    parenthetical asides."""
    sent_of, ents = index.sent_of, index.ents
    sent = sent_of[q.start]
    for idx in index.subjects_ending_by(q.start):
        e = ents[idx]
        if sent_of[e["token_start"]] != sent:
            return None
        if index.claimed(e["token_end"], q.start):
            return None  # another quantity stands between (and so before every subject further left)
        if index.gap_words(e["token_end"], q.start, max_gap) is None:
            return None  # too far, and so is every subject further left
        if _parenthesised_aside(index, idx, q.start):
            continue
        if (e.get("attrs") or {}).get("after_quantity"):
            return None  # "≥140 mmHg systolic": the name is the earlier quantity's
        return idx
    return None


def find_right_subject(q: Quantity, index: EntityIndex, max_gap: int) -> Optional[int]:
    """The subject right after the quantity ("≥18 years old", "2.0 cm on the 10 cm VAS scale"),
    at most ``max_gap`` words after it (the factory setting ``right_subject_max_gap``), unless
    that subject has a quantity of its own right after it."""
    idx = index.first_subject_from(q.end)
    if idx is None:
        return None
    e = index.ents[idx]
    if index.sent_of[e["token_start"]] != index.sent_of[q.start]:
        return None
    if index.between(q.end, e["token_start"], max_gap) is None or \
            index.claimed(q.end, e["token_start"]):
        return None
    if index.claimed(e["token_end"], e["token_end"] + 3) and not (e.get("attrs") or {}).get("after_quantity"):
        return None
    return idx


def coordinated_subjects(subject: int, index: EntityIndex) -> List[List[int]]:
    """Groups of subject entities sharing the quantity, left to right; each group is one
    subject written as long form + "(" short form ")" (its last member is the one nearest the
    number). Entities are walked from ``subject`` back to the first (other labels are stepped
    over, a CONDITION ends the walk)."""
    ents, sent_of = index.ents, index.sent_of
    groups: List[List[int]] = [[subject]]
    cur = subject
    sent = sent_of[ents[subject]["token_start"]]
    # added subjects (implicit ages) come after the original entities in the list
    idx = subject - 1
    while idx >= 0:
        if idx >= index.n_original:
            step_back = idx - 1
        else:
            idx = index.previous_subject_or_condition(idx)
            if idx < 0 or ents[idx]["label"] == "CONDITION":
                break
            step_back = idx - 1
        index.work["coordination"] += 1
        e = ents[idx]
        if sent_of[e["token_start"]] != sent:
            break
        same = e.get("norm") is not None and e.get("norm") == ents[cur].get("norm")
        join = index.joins(e["token_end"], ents[cur]["token_start"], same)
        if join is None or index.claimed(e["token_end"], ents[cur]["token_start"]):
            break
        if join == "short":
            groups[0].insert(0, idx)  # long form (short form), "ECOG (...) performance status"
        else:
            groups.insert(0, [idx])
        cur = idx
        idx = step_back
    return groups


def coordinated_right(subject: int, index: EntityIndex) -> List[List[int]]:
    """Subjects listed after a quantity share it ("1.5 times ULN of serum creatinine, alkaline
    phosphatase and AST"); a long form and its "(short form)" are one subject."""
    ents, sent_of = index.ents, index.sent_of
    groups: List[List[int]] = [[subject]]
    sent = sent_of[ents[subject]["token_start"]]
    cur = subject
    for idx in index.subjects_starting_from(ents[subject]["token_end"]):
        e = ents[idx]
        if sent_of[e["token_start"]] != sent:
            break
        join = index.joins(ents[cur]["token_end"], e["token_start"])
        if join == "short":
            groups[-1].append(idx)
        elif join == "list":
            groups.append([idx])
        else:
            break
        cur = idx
    return groups


def on_scale_subject(q: Quantity, index: EntityIndex) -> Optional[int]:
    """"no less than 2.0 cm on the 10 cm VAS scale": the score after "on the" is what is measured."""
    words, sent_of = index.words, index.sent_of
    j = q.end
    while j < len(words) and words[j].isspace():
        j += 1
    if j >= len(words) or words[j].lower() != "on":
        return None
    for idx in index.scores_starting_in(q.end + 1, j + 6):
        if sent_of[index.ents[idx]["token_start"]] == sent_of[q.start]:
            return idx
    return None


def later_age_subject(q: Quantity, index: EntityIndex) -> Optional[int]:
    """An age word a little later in the sentence, with only quantities before it ("older than
    14 years and younger than 25 years old")."""
    idx = index.first_subject_from(q.end)
    if idx is None:
        return None
    e = index.ents[idx]
    return idx if e.get("norm") == "age" and e["token_start"] - q.end <= 12 else None


def implicit_age_subject(q: Quantity, words, ents, units: UnitNormalizer, blockers, cues=(),
                         blockers_after=(), start: Optional[int] = None) -> Optional[dict]:
    """A subject for "≥ 65 years" / "18-50 years" with no subject word: an age, unless temporal
    words before it ("for", "within", "history") or the word right after its unit ("> 2 years
    *postmenopausal*", "< 1 year *history* of diabetes", "≥ 2 years *have* elapsed") say it is a
    duration. The subject entity is the
    unit span ("years"), as in LCT; with no unit, an age comparator's span ("21 or older",
    "younger than 18": ``age`` in the comparator rule's attrs, which is cue enough). "of" + a
    word that is no age cue after the unit makes it a duration ("More than 2 years of handball
    sports"; "18 years of age" stays an age). ``start``: where the words before it are read from
    (an earlier quantity of the same chain: "under 16 or over 75 years"), ``q.start`` by default."""
    start = q.start if start is None else start
    u = unit_of([q])
    if q.bare:
        return None
    if u is None:  # "21 or older", "younger than 18": the age comparator is the age word
        u = age_comparator(q, ents)
        if u is None:
            return None
    elif units.normalize(ents[u]["text"]) != "a":
        return None
    before = {w.lower() for w in words[max(0, start - 4):start]}
    if before & set(blockers):
        return None
    window = [w.lower() for w in words[max(0, start - 6):start] if not w.isspace()]
    if age_comparator(q, ents) is None and \
            not (set(window) & set(cues) or all(not any(ch.isalnum() for ch in w) for w in window)):
        return None  # "Epileptic seizure < 2 years": a duration, not an age
    unit = ents[u]
    after = [w.lower() for w in words[unit["token_end"]:unit["token_end"] + 4] if not w.isspace()]
    if len(after) >= 2 and after[0] == "of" and after[1] not in set(cues):
        return None  # "More than 2 years of handball sports": how long it lasts ("18 years of age" is one)
    if after and after[0] in set(blockers) | set(blockers_after):
        return None  # "at least 1 year history of migraines", "> 2 years postmenopausal": a duration
    return {"label": "MEASUREMENT", "start": unit["start"], "end": unit["end"],
            "token_start": unit["token_start"], "token_end": unit["token_end"], "text": unit["text"],
            "rule": IMPLICIT_AGE_RULE, "norm": "age", "category": "age"}


def bare_time_subject(q: Quantity, words, ents, units: UnitNormalizer, rule: dict) -> Optional[dict]:
    """The subject of a criterion that is nothing but a comparison of a time ("More than 12
    weeks", "At least 3 months"): in the PDQ template such an item is the life expectancy whose
    heading the registry text lost (``bare_time_subject`` of ``configs/constraints.json``: the
    units, the subject's name and category). Like an implicit age, the subject entity is the unit
    span; a word outside the quantity, or a quantity without comparator, makes none."""
    u = unit_of([q])
    if not rule or q.bare or not q.comparators or u is None or len(q.values) > 2:
        return None
    if units.normalize(ents[u]["text"]) not in set(rule.get("units", ())):
        return None
    if any(any(ch.isalnum() for ch in w) for k, w in enumerate(words) if not q.start <= k < q.end):
        return None
    unit = ents[u]
    return {"label": "MEASUREMENT", "start": unit["start"], "end": unit["end"],
            "token_start": unit["token_start"], "token_end": unit["token_end"], "text": unit["text"],
            "rule": BARE_TIME_RULE, "norm": rule["subject"],
            "category": rule.get("category", "duration")}


def _subject_between(index: EntityIndex, start: int, end: int) -> bool:
    """Whether a subject starts at a token in ``start..end-1``."""
    first = index.first_subject_from(start)
    return first is not None and index.ents[first]["token_start"] < end


def _units_chain(prev: Quantity, q: Quantity, ents, units: UnitNormalizer) -> bool:
    """Two quantities can share a subject when their units agree, or when only the later one
    writes the unit ("≥18, and <80 years"), not "50 years and ≥ 4"."""
    ua, ub = _unit_name(prev, ents, units), _unit_name(q, ents, units)
    return ua == ub or ua is None or (ua == "%" and ub is not None and ub.startswith("%"))  # "≥ 30% and < 80% predicted"


def _age_units_differ(prev: Quantity, q: Quantity, ents, units: UnitNormalizer, age_units) -> bool:
    """Both quantities are in age units, different ones ("6 months ... 12 years")."""
    ua, ub = _unit_name(prev, ents, units), _unit_name(q, ents, units)
    return ua != ub and ua in age_units and ub in age_units


def _same_side(prev: Quantity, q: Quantity) -> bool:
    """Both quantities are one-sided bounds on the same side ("≤ 2.5 x ULN (≤ 5 x ULN)"); a range
    in brackets ("VAS ≥ 40 mm (0-100 mm)") is the scale, not another bound."""
    return q.op in SIDE and SIDE[q.op] == SIDE.get(prev.op)


def _same_unit(prev: Quantity, q: Quantity, ents, units: UnitNormalizer) -> bool:
    """Both quantities write the same unit (a parenthesised bound in another unit is a conversion)."""
    ua = _unit_name(prev, ents, units)
    return ua is not None and ua == _unit_name(q, ents, units)


def _bare_allowed(q: Quantity, groups, index: EntityIndex) -> bool:
    """A list of numbers with no comparator bounds a subject only when written right after it
    ("ECOG 0, 1 or 2"); a single number with no comparator ("ASA 1 corresponding to a patient in
    perfect health", "three times the ULN") is a description, not a bound."""
    ents, words = index.ents, index.words
    subj = ents[groups[-1][-1]]
    if subj["token_start"] >= q.end:  # "Performance status 0 or 1 (ECOG)": read at the generic name
        before = _generic_before(q, subj, index) if subj.get("norm") is not None else None
        if before is not None:
            subj = ents[before]
    if q.op == "=":
        # "ASA 5)", "Clinical Dementia Rating of 0 and ...": a score's single value, closed by
        # punctuation or a conjunction, is its value
        j = ents[q.values[-1]]["token_end"]
        follower = words[j] if j < len(words) else ""
        if subj["label"] != "SCORE" or not (follower == "" or follower in ",;.)" or follower in ("and", "or")):
            return False
    if subj["token_end"] > q.start:
        return False
    between = index.between(subj["token_end"], q.start, 2)
    return between is not None and all(w in (":", "of", "score", "is", "=", "(", ")") for w in between) \
        and (subj["label"] == "SCORE" or bool(q.units))

