"""Step 2b, pairs: two numbers written as one ("BP > 160/100 mmHg") are two bounds.

A quantity with a :attr:`~.quantities.Quantity.pair` becomes two quantities with the same
comparator and unit: with two coordinated subjects ("SBP/DBP > 160/100") one for each; with one
subject that has components in ``pairs`` of ``configs/constraints.json`` ("blood pressure" →
systolic, diastolic) one for each component. Any other subject ("HDL-C < 50/40 mg/dL", a value
per sex written as a fraction) gets no bound from it, as a fraction is not one bound.
"""

from dataclasses import replace
from typing import Dict, List, Optional, Sequence, Tuple

from pipeline.components.constraints.quantities import Quantity
from pipeline.components.constraints.subjects import Groups


def split_pairs(assigned: Sequence[Tuple[Quantity, Groups]], ents: Sequence[dict],
                components: Dict[str, Sequence[str]]) -> List[Tuple[Quantity, Groups]]:
    """``assigned`` with every paired quantity split in two (or dropped), order kept."""
    out: List[Tuple[Quantity, Groups]] = []
    for q, groups in assigned:
        if q.pair is None:
            out.append((q, groups))
            continue
        first, second = halves(q)
        if len(groups) == 2:  # "SBP/DBP > 160/100"
            out += [(first, [groups[0]]), (second, [groups[1]])]
            continue
        names = _components(groups, ents, components)
        if names is not None:  # "blood pressure > 160/100"
            first.component, second.component = names
            out += [(first, groups), (second, groups)]
    return out


def halves(q: Quantity) -> Tuple[Quantity, Quantity]:
    """The quantity of the first number and the one of the second, sharing comparator and unit."""
    first_value = q.values[0]
    unit = q.units.get(q.pair, q.units.get(first_value))
    first = replace(q, values=[first_value], pair=None, number=None,
                    units={first_value: unit} if unit is not None else {})
    second = replace(q, values=[q.pair], pair=None, units={q.pair: unit} if unit is not None else {},
                     disjoint=True)
    return first, second


def _components(groups: Groups, ents: Sequence[dict], components: Dict[str, Sequence[str]]
                ) -> Optional[Tuple[str, str]]:
    if len(groups) != 1:
        return None
    subject = ents[groups[0][-1]]
    names = components.get(subject.get("norm") or subject["text"].lower())
    return (names[0], names[1]) if names else None
