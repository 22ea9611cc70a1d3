"""The structured eligibility fields of a study record, as constraints.

A ClinicalTrials.gov study (and an AACT ``eligibilities`` row) states age limits, sex and whether
healthy volunteers are accepted in fields of their own, beside the criteria text. They become one
extra record per trial, ``criterion_id`` ``"<trial>-structured"``, ``section`` null, whose
constraints carry ``"origin": "structured"``:

- ``age``: bounds from ``minimumAge``/``maximumAge`` (``"18 Years"`` → 18, unit ``a``; ``mo``,
  ``wk``, ``d``, ``h``, ``min`` as in docs/UNITS.md), both inclusive. One constraint when both
  limits have the same unit (or only one is given), else one per limit;
- ``sex``: ``value`` ``"all"``, ``"female"`` or ``"male"``;
- ``healthy_volunteers``: ``value`` true or false.

Field values that cannot be read are reported (as warnings) rather than guessed.
"""

from __future__ import annotations

import re
from typing import List, Optional, Tuple

from pipeline.core.numbers import number_out, parse_number
from pipeline.core.problems import Problem

FIELDS = ("minimumAge", "maximumAge", "sex", "healthyVolunteers")
AGE_UNITS = {"year": "a", "years": "a", "yr": "a", "yrs": "a",
             "month": "mo", "months": "mo", "week": "wk", "weeks": "wk",
             "day": "d", "days": "d", "hour": "h", "hours": "h", "minute": "min", "minutes": "min"}
_AGE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$")
_ABSENT = {"", "n/a", "na", "none", "null"}
_SEX = {"all": "all", "both": "all", "female": "female", "male": "male"}
_TRUE = {"true", "t", "yes", "y", "1", "accepts healthy volunteers"}
_FALSE = {"false", "f", "no", "n", "0"}


def parse_age(value) -> Optional[Tuple[object, str]]:
    """``"18 Years"`` → ``(18, "a")``; ``"N/A"``/empty → ``None``; anything else → ValueError."""
    if value is None:
        return None
    text = str(value)
    if text.strip().lower() in _ABSENT:
        return None
    m = _AGE_RE.match(text)
    unit = AGE_UNITS.get(m.group(2).lower()) if m else None
    number = parse_number(m.group(1)) if m else None
    if unit is None or number is None:
        raise ValueError(f"cannot read the age {text!r} (expected e.g. '18 Years')")
    return number_out(number), unit


def parse_sex(value) -> Optional[str]:
    """``"ALL"``/``"FEMALE"``/``"MALE"`` (any case) → ``"all"``/``"female"``/``"male"``."""
    if value is None or str(value).strip().lower() in _ABSENT:
        return None
    sex = _SEX.get(str(value).strip().lower())
    if sex is None:
        raise ValueError(f"cannot read the sex {value!r} (expected ALL, FEMALE or MALE)")
    return sex


def parse_bool(value) -> Optional[bool]:
    """``True``/``"Yes"``/``"Accepts Healthy Volunteers"`` → True; ``False``/``"No"`` → False."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _ABSENT:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"cannot read the healthy-volunteers value {value!r} (expected true or false)")


def _constraint(subject: str, subject_text: str, rules: List[str], *, lower=None, upper=None,
                unit=None, value=None) -> dict:
    return {
        "subject": subject,
        "subject_text": subject_text,
        "category": subject,
        "lower": lower,
        "upper": upper,
        "unit": unit,
        "unit_text": None,
        "value": value,
        "scale_max": None,
        "negated": False,
        "condition": None,
        "span": None,
        "rules": rules,
        "context": {},
        "subject_id": None,
        "origin": "structured",
    }


def structured_constraints(fields: dict) -> Tuple[List[dict], List[str]]:
    """Constraints from the structured fields, and a message for each field that could not be read."""
    out: List[dict] = []
    messages: List[str] = []
    ages = {}
    for key in ("minimumAge", "maximumAge"):
        try:
            ages[key] = parse_age(fields.get(key))
        except ValueError as exc:
            messages.append(f"{key}: {exc}")
            ages[key] = None
    low, high = ages["minimumAge"], ages["maximumAge"]
    bound = lambda age: {"value": age[0], "inclusive": True}  # noqa: E731
    if low and high and low[1] == high[1]:
        out.append(_constraint("age", f"{fields['minimumAge']} to {fields['maximumAge']}",
                               ["structured.minimumAge", "structured.maximumAge"],
                               lower=bound(low), upper=bound(high), unit=low[1]))
    else:
        if low:
            out.append(_constraint("age", str(fields["minimumAge"]), ["structured.minimumAge"],
                                   lower=bound(low), unit=low[1]))
        if high:
            out.append(_constraint("age", str(fields["maximumAge"]), ["structured.maximumAge"],
                                   upper=bound(high), unit=high[1]))
    try:
        sex = parse_sex(fields.get("sex"))
        if sex is not None:
            out.append(_constraint("sex", str(fields["sex"]), ["structured.sex"], value=sex))
    except ValueError as exc:
        messages.append(f"sex: {exc}")
    try:
        healthy = parse_bool(fields.get("healthyVolunteers"))
        if healthy is not None:
            out.append(_constraint("healthy_volunteers", str(fields["healthyVolunteers"]),
                                   ["structured.healthyVolunteers"], value=healthy))
    except ValueError as exc:
        messages.append(f"healthyVolunteers: {exc}")
    return out, messages


def structured_text(fields: dict) -> str:
    """The fields as one readable line: ``minimumAge: 18 Years; sex: ALL; ...``."""
    parts = []
    for key in FIELDS:
        if key in fields and fields[key] is not None:
            value = fields[key]
            parts.append(f"{key}: {str(value).lower() if isinstance(value, bool) else value}")
    return "; ".join(parts)


def structured_record(doc) -> Tuple[Optional[dict], List[Problem]]:
    """The ``<trial>-structured`` record of an :class:`~pipeline.ingest.readers.InputDoc` (``None`` when it
    has no structured fields or none gives a constraint), and warnings for unreadable fields."""
    fields = {k: v for k, v in (doc.structured or {}).items() if k in FIELDS}
    if not fields:
        return None, []
    constraints, messages = structured_constraints(fields)
    problems = [Problem(doc.source, doc.line, f"structured field {m}", record=doc.trial_id, kind="warning")
                for m in messages]
    if not constraints:
        return None, problems
    record = {
        "trial_id": doc.trial_id,
        "criterion_id": f"{doc.trial_id}-structured",
        "section": None,
        "text": structured_text(fields),
        "offset": None,
        "line": doc.line,
        "source": doc.source,
        "origin": "structured",
        "structured": fields,
        "entities": [],
        "relations": [],
        "constraints": constraints,
        "abbreviations": [],
    }
    return record, problems
