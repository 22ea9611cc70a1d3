"""Assemble a criterion's entities into constraints: subject + comparator + value(s) + unit → bounds.

:func:`assemble` runs the steps, each a module of plain functions over entity records:

1. :mod:`~pipeline.components.constraints.quantities` — comparator/value/unit runs;
   :mod:`~pipeline.components.constraints.populations` — the population each is written for;
   (grades, then :mod:`.counts` and :mod:`.rates` — things counted per time — take theirs);
2. :mod:`~pipeline.components.constraints.subjects` — what each quantity bounds;
   :mod:`~pipeline.components.constraints.pairs` — "160/100" as two bounds;
3. :mod:`~pipeline.components.constraints.bounds` — bounds merged per subject, as constraints;
4. :mod:`~pipeline.components.constraints.scope` — the condition thresholds are scoped to;
5. :mod:`~pipeline.components.constraints.negation` — NEGATION cues;
6. :mod:`~pipeline.components.constraints.records` — the final entity list with ids, relations.

Cue words are data in ``configs/constraints.json``; canonical units come from
:class:`pipeline.components.units.UnitNormalizer`. Positional questions go through one
:class:`~pipeline.components.constraints.index.EntityIndex`, so the work is linear in the criterion.
"""

from collections import Counter
from typing import Optional, Sequence, Tuple

from pipeline.components.constraints.bounds import Assembled, build_constraints
from pipeline.components.constraints.config import AssemblyConfig
from pipeline.components.constraints.counts import CountRules, count_relations, out_of_total, read_count, read_singles
from pipeline.components.constraints.grades import GradeRules, find_grades
from pipeline.components.constraints.index import Criterion, EntityIndex
from pipeline.components.constraints.pairs import split_pairs
from pipeline.components.constraints.populations import mark_populations, with_population
from pipeline.components.constraints.quantities import (find_quantities, is_count, is_enumerator, is_formula_term, scale_mentions,
                                                          split_mixed_ranges)
from pipeline.components.constraints.rates import amount_period, read_left_rate, read_rate
from pipeline.components.constraints.records import PART_LABELS, build_record
from pipeline.components.constraints.scope import scope_conditions
from pipeline.components.constraints.subjects import assign_subjects
from pipeline.components.constraints.temporal import TimeConfig, find_windows, time_constraints
from pipeline.components.units import UnitNormalizer


def assemble(text: str, words: Sequence[str], sent_of: Sequence[int], entities: Sequence[dict],
             modifiers: Sequence[dict], config: AssemblyConfig, units: UnitNormalizer,
             token_starts: Optional[Sequence[int]] = None, work: Optional[Counter] = None,
             time: Optional[TimeConfig] = None, counts: Optional[CountRules] = None,
             grades: Optional[GradeRules] = None) -> dict:
    """Constraints, relations and the final entity list (with ids) for one criterion.

    ``entities`` are sorted entity records (with token offsets), ``modifiers`` ConText's
    modifier records. ``work``, when given, receives the number of candidates and words each
    step examined (linear in the criterion's length). ``time``, when given, adds the criterion's
    time windows and durations (:mod:`~pipeline.components.constraints.temporal`); ``counts`` and
    ``grades`` add count and grade constraints (:mod:`.counts`, :mod:`.grades`)."""
    record = _assemble(text, words, sent_of, entities, modifiers, config, units, token_starts, work,
                       counts, grades)
    if time is not None:
        add_time_constraints(record, text, entities, modifiers, config, time, work)
    with_population(record["constraints"])
    return record


def add_time_constraints(record: dict, text: str, entities: Sequence[dict], modifiers: Sequence[dict],
                         config: AssemblyConfig, time: TimeConfig, work: Optional[Counter] = None) -> None:
    """Append the temporal and duration constraints to ``record``; a window inside a constraint
    the other steps made (an age, a life expectancy) is left to it."""
    windows = find_windows(text, time)
    if work is not None:
        work["time"] += len(windows)
    if not windows:
        return
    taken = [tuple(c["span"]) for c in record["constraints"]]
    negations = [m for m in modifiers if m["category"] == "NEGATED_EXISTENCE"]
    # a duration is scoped like any threshold, or by the condition the criterion opens with
    # ("Patients with DM who have been diagnosed for at least 1 year")
    scoped = scope_conditions(text, list(entities), config.condition_scope + config.list_condition_scope)
    condition = None
    if scoped:
        ent = entities[scoped[0]]
        condition = ent.get("norm", ent["text"])
    record["constraints"].extend(time_constraints(text, windows, entities, negations, taken, time, condition,
                                                  measured=list(record["constraints"])))


def _assemble(text: str, words: Sequence[str], sent_of: Sequence[int], entities: Sequence[dict],
              modifiers: Sequence[dict], config: AssemblyConfig, units: UnitNormalizer,
              token_starts: Optional[Sequence[int]] = None, work: Optional[Counter] = None,
              counts: Optional[CountRules] = None, grades: Optional[GradeRules] = None) -> dict:
    criterion = Criterion(text, words, sent_of, token_starts)
    ents = list(entities)
    negations = [m for m in modifiers if m["category"] == "NEGATED_EXISTENCE"]
    graded = _grades(text, ents, grades)
    if counts is not None:  # "a single defect": a count of one with no number written
        graded.constraints.extend((c.record, None) for c in read_singles(
            text, ents, counts, config.limits.count_lookahead))
    if not any(e["label"] == "VALUE" or (e.get("attrs") or {}).get("implied_value") is not None for e in ents):
        # no number (written or implied, "> ULN"), no bound (but grades in roman numerals): the
        # entity list, temporal relations, cues
        only = Assembled(constraints=graded.constraints, relations=graded.relations,
                         used={i for i in graded.used if ents[i]["label"] not in PART_LABELS})
        return build_record(criterion, ents, only, negations, config, work)
    index = EntityIndex(words, sent_of, ents, config.coordinators, work, config.coordinator_followers)
    scale_values, scale_of = scale_mentions(text, index, config.scale_length, config.scale_range)
    followers = set(config.value_followers)
    quantities = [q for q in find_quantities(words, ents, sent_of, scale_values, config.fillers, config.age_cue_rules,
                                                  config.range_to_set, *config.link_sets)
                  if not q.invalid and not graded.used.intersection(q.members())]
    quantities = split_mixed_ranges(quantities, ents, units.normalize)
    mark_populations(quantities, words, sent_of, config.populations)
    rated = Assembled()
    quantities = _rates(text, quantities, ents, config, rated)  # before counts: "> 7 drinks for females"
    counted, quantities = _counts(text, quantities, ents, counts, config, graded)
    # a number written for a population ("≥ 13 for women") bounds, it does not count
    quantities = [q for q in quantities if q.sex is not None or not is_count(q, words, ents, followers)]
    formula = frozenset(config.formula_operators)
    quantities = [q for q in quantities
                  if not is_formula_term(q, words, ents, formula) and not is_enumerator(q, text, words, ents)]
    claimed: set = set()
    for q in quantities:
        if not (q.bare and not q.units):  # a lone number ("Appendix 10") claims nothing
            claimed.update(range(q.start, q.end))
    index.claim(claimed)
    assigned = split_pairs(assign_subjects(quantities, index, config, units), ents, config.pairs)
    scoped = scope_conditions(text, ents, config.condition_scope) if assigned else []
    found = build_constraints(assigned, index, scale_of, scoped[0] if scoped else None,
                              config.value_words, units)
    _amounts_per_time(text, found, config, units)
    for part in (rated, counted, graded):
        found.constraints.extend(part.constraints)
        found.relations.extend(part.relations)
        # a count's or grade's numbers and comparators are no entities (GUIDELINE: counts and grades
        # add none); its rules are on the constraint. A graded MEASUREMENT stays.
        found.used.update(i for i in part.used if ents[i]["label"] not in PART_LABELS)
    return build_record(criterion, ents, found, negations, config, work)


def _grades(text: str, ents: Sequence[dict], rules: Optional[GradeRules]) -> Assembled:
    """The criterion's grade constraints (:mod:`.grades`) with the entities they use."""
    out = Assembled()
    for g in find_grades(text, ents, rules) if rules is not None else ():
        out.constraints.append((g.record, g.subject))
        out.used.update(g.members)
        if g.subject is not None:
            out.used.add(g.subject)
            out.relations.extend((g.subject, v, "has_value") for v in g.members if ents[v]["label"] == "VALUE")
    return out


def _rates(text: str, quantities: list, ents: Sequence[dict], config: AssemblyConfig, counted: Assembled) -> list:
    """Things counted per time (:mod:`.rates`) join ``counted``; the other quantities are returned."""
    rules = config.rate_rules
    if rules is None:
        return quantities
    rest = []
    previous = None  # the rate read before from a phrase before its comparator
    for q in quantities:
        c = read_rate(q, text, ents, rules, config.value_words, populations=config.populations)
        if c is None:
            c = previous = read_left_rate(q, text, ents, rules, config.value_words, previous,
                                              config.populations)
            if c is not None:
                c = {k: v for k, v in c.items() if not k.startswith("_")}
        if c is None:
            rest.append(q)
            continue
        counted.constraints.append((c, None))
        counted.used.update(q.members())
        counted.relations.extend(count_relations(q.members(), q))
    return rest


def _amounts_per_time(text: str, found: Assembled, config: AssemblyConfig, units: UnitNormalizer) -> None:
    """An amount whose period follows the substance it measures ("> 20 mg prednisolone per
    day", "≤ 10 mg prednisone or equivalent per day") is a dose per that time: its unit becomes
    the amount per period (``mg/d``) and its span reaches the period (:func:`.rates.amount_period`)."""
    rules = config.rate_rules
    if rules is None or not rules.amount_units:
        return
    for record, _ in found.constraints:
        if record["unit"] not in rules.amount_units:
            continue
        period = amount_period(text, record["span"][1], rules)
        if period is None:
            continue
        rate, end = period
        record["unit"] = units.normalize(record["unit"] + rate)
        record["unit_text"] = f"{record['unit_text']} {text[record['span'][1]:end].strip()}"
        record["span"] = [record["span"][0], end]
        record["rules"] = record["rules"] + [rules.amount_id]


def _counts(text: str, quantities: list, ents: Sequence[dict], rules: Optional[CountRules],
            config: AssemblyConfig, graded: Assembled) -> Tuple[Assembled, list]:
    """Count constraints (:mod:`.counts`) and the quantities that are not counts."""
    out = Assembled()
    if rules is None:
        return out, quantities
    rest = []
    condition = None
    scoped = scope_conditions(text, ents, config.condition_scope) if quantities else []
    if scoped:
        condition = ents[scoped[0]].get("norm", ents[scoped[0]]["text"])
    for q in quantities:
        if out.used.intersection(q.members()):
            continue  # the total of "5 of 68 joints"
        if q.sex is not None or (q.pair is not None and out_of_total(q, ents, config.value_words) is None):
            rest.append(q)  # "> 14 drinks for males", "> 160/100": bounds
            continue
        c = read_count(q, text, ents, rules, config.value_words, config.limits.count_lookahead, condition)
        if c is None:
            rest.append(q)
            continue
        out.constraints.append((c.record, None))
        out.used.update(c.members)
        out.relations.extend(count_relations(c.members, q))
    return out, rest
