"""UnitNormalizer (pipeline/components/units.py): the alias table of configs/units.json, then pint."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from pipeline.components.units import UnitNormalizer, unit_key
from pipeline.rules.loading import RuleError, validate_configs

ROOT = Path(__file__).resolve().parents[1]
UNITS = ROOT / "configs" / "units.json"


@pytest.fixture(scope="module")
def units() -> UnitNormalizer:
    return UnitNormalizer.from_config(UNITS)


@pytest.fixture(scope="module")
def definitions() -> list:
    return json.loads(UNITS.read_text(encoding="utf-8"))["pint_definitions"]


@pytest.mark.parametrize("text,canonical", [
    # aliases, after unit_key: case, spaces, µ/μ, superscripts, a leading multiplier
    ("g/l", "g/L"), ("G/l", "g/L"), ("gm%", "g/dL"), ("mg/100ml", "mg/dL"),
    ("mcg/ml", "ug/mL"), ("µmol/L", "umol/L"), ("μmol/l", "umol/L"), ("mEq/L", "meq/L"),
    ("x10⁹/L", "10*9/L"), ("×10^9/L", "10*9/L"), ("×109/L", "10*9/L"), ("10^12/L", "10*12/L"),
    ("G/L", "10*9/L"),  # giga per litre, not grams
    ("cells/mm3", "/uL"), ("/mm³", "/uL"), ("per mm3", "/uL"),
    # things counted per time are a rate of that time; household spoons
    ("drinks per week", "/wk"), ("units/week", "/wk"), ("units per day", "/d"), ("cigarettes/day", "/d"), ("caffeinated drinks per day", "/d"), ("episodes/month", "/mo"),
    # days, doses or visits counted per time too; time spent per day or week is hours/minutes of it
    ("days per week", "/wk"), ("nights a week", "/wk"), ("doses per month", "/mo"), ("visits each week", "/wk"),
    ("micturitions per 24 hours", "/d"), ("units of alcohol per week", "/wk"), ("attacks per month", "/mo"),
    ("hours per day", "h/d"), ("hours a day", "h/d"), ("h/day", "h/d"), ("hours each night", "h/d"),
    ("hrs per 24 hours", "h/d"), ("hours per week", "h/wk"), ("minutes per week", "min/wk"), ("min a day", "min/d"),
    # pint spells a week and a month out; the table writes wk / mo, however the unit is written
    ("mg/week", "mg/wk"), ("mg per week", "mg/wk"), ("mg/wk", "mg/wk"), ("kilometres per week", "km/wk"),
    ("km/week", "km/wk"), ("mg per month", "mg/mo"),
    ("teaspoon", "tsp"), ("tablespoons", "tbsp"), ("cc", "mL"),
    # unit words spelled out (unit_words), then the alias table
    ("milligrams per decilitre", "mg/dL"), ("millimoles per litre", "mmol/L"),
    ("cells per microlitre", "/uL"), ("/mcL", "/uL"), ("grams per day", "g/d"),
    # every spelling of a multiple of the upper/lower limit of normal (patterns)
    ("x N", "{ULN}"), ("N", "{ULN}"), ("times normal", "{ULN}"), ("X upper normal value", "{ULN}"),
    ("X maximum normal value", "{ULN}"), ("folds ULN", "{ULN}"), ("times the institutional ULN", "{ULN}"),
    ("x the upper limit of the normal range", "{ULN}"), ("lower limit of normal", "{LLN}"),
    ("pack-years", "{pack-years}"), ("pack years", "{pack-years}"), ("µm", "um"), ("microns", "um"),
    ("dB", "dB"), ("IU/week", "[IU]/wk"), ("c/mL", "{copies}/mL"),
    ("Yrs", "a"), ("years", "a"), ("months", "mo"), ("wks", "wk"), ("msec", "ms"), ("pts", "{point}"),
    ("% predicted", "%{predicted}"), ("mmHg", "mm[Hg]"), ("mm Hg", "mm[Hg]"), ("bpm", "/min"),
    ("ml per minute", "mL/min"),
    # upper/lower limit of normal
    ("ULN", "{ULN}"), ("×ULN", "{ULN}"), ("x ULN", "{ULN}"), ("fold ULN", "{ULN}"),
    ("times the upper limit of normal", "{ULN}"), ("xLLN", "{LLN}"),
    # body-surface factor
    ("mL/min/1.73m2", "mL/min/{1.73_m2}"), ("ml/min/1.73 m2", "mL/min/{1.73_m2}"),
    ("mL/min/1,73m2", "mL/min/{1.73_m2}"),
    # the ULN in its other spellings: the institution's (IULN), upper normal limit (UNL), reference range
    ("x IULN", "{ULN}"), ("UNL", "{ULN}"), ("x the UNL", "{ULN}"), ("x ULRR", "{ULN}"),
    ("x upper limit normal", "{ULN}"), ("time upper limit of normal", "{ULN}"),
    # spelled-out units of pressure and concentration; percentiles
    ("millimeters of mercury", "mm[Hg]"), ("kiloPascals", "kPa"), ("micromoles/liter", "umol/L"),
    ("mg/deciliter", "mg/dL"), ("th percentile", "{percentile}"), ("centile", "{percentile}"),
    ("°F", "[degF]"), ("oF", "[degF]"), ("degrees Fahrenheit", "[degF]"), ("ºC", "Cel"), ("˚C", "Cel"),
    ("letters", "{letters}"),
    # spellings that pint reads wrong or that came out in two canonical forms (ctgov-2021 output):
    # "units" is no micro-nit, "IU" one unit however cased, "l" for "I" in "mlU/mL" a typo
    ("units per kilogram", "U/kg"), ("unit/kg/day.", "U/kg/d"), ("U/kg/day", "U/kg/d"),
    ("Litres/minute", "L/min"), ("liters/minute", "L/min"), ("L/min", "L/min"),
    ("millimeter of mercury", "mm[Hg]"), ("per microliter", "/uL"), ("gm/day", "g/d"), ("mg/24 hour", "mg/d"),
    ("mIU/mL", "m[IU]/mL"), ("MIU/ml", "m[IU]/mL"), ("MlU/ml", "m[IU]/mL"), ("IU", "[IU]"),
    ("international units", "[IU]"),
])
def test_aliases(units, text, canonical):
    assert units.normalize(text) == canonical


@pytest.mark.parametrize("text,not_canonical", [
    ("ng/dL", "ng/mL"),   # a decilitre is not a millilitre
    ("g/L", "10*9/L"),    # grams, not giga: only upper-case G alone is giga
    ("mg/L", "mg/dL"),
    ("mL/min", "mL/min/{1.73_m2}"),
    ("LLN", "{ULN}"),
    ("lower normal value", "{ULN}"),
    ("nanograms per millilitre", "mg/mL"),
    ("mmol/mol", "mmol/L"),
    ("hours a day", "d.h.a"),  # pint alone reads it as hours x days x years
])
def test_units_that_must_not_be_confused(units, text, not_canonical):
    assert units.normalize(text) != not_canonical


@pytest.mark.parametrize("text", [None, "", "  ", "()", ".,"])
def test_no_unit(units, text):
    assert units.normalize(text) is None


@pytest.mark.parametrize("text,via_pint", [
    ("mg/kg/day", "mg/d/kg"),  # products and quotients of SI units pint reads
    ("km/h", "km/h"),
    ("kg/cm2", "kg/cm2"),
])
def test_units_outside_the_table_go_through_pint(units, text, via_pint):
    assert unit_key(text) not in units.table
    assert units.normalize(text) == via_pint


def test_pint_knows_uln_only_from_the_definitions(definitions):
    assert UnitNormalizer({}, definitions).normalize("ULN") == "ULN"
    assert UnitNormalizer({}, []).normalize("ULN") == "uln"  # pint alone cannot read it: kept


@pytest.mark.parametrize("text", ["mL/min/1.73m2", "ml/min/1.73 m2", "mL/min/1,73m2"])
def test_body_surface_units_never_go_to_pint(definitions, text):
    # pint would read "1.73m2" with the wrong precedence; the text is kept (as its key) instead
    assert UnitNormalizer({}, definitions).normalize(text) == unit_key(text)


@pytest.mark.parametrize("text", ["qq/zz", "a+b", "%%%", "cigs&day"])
def test_unreadable_units_are_kept_lower_cased(units, text):
    assert units.normalize(text) == unit_key(text)


def test_time_units_are_marked_in_the_file(units):
    assert {"a", "mo", "wk", "d", "h", "min"} <= units.units_of_kind("time")
    assert not units.units_of_kind("time") & {"g/L", "mL/min", "/min", "{ULN}", "%"}


def test_normalizer_pickles_and_round_trips(units):
    again = pickle.loads(pickle.dumps(units))
    copy = UnitNormalizer.from_dict(units.to_dict())
    for text in ("mg/kg/day", "Yrs", "x10⁹/L"):
        assert again.normalize(text) == copy.normalize(text) == units.normalize(text)
    assert copy.units_of_kind("time") == units.units_of_kind("time")


def _write(path: Path, data) -> Path:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("mistake,key,record", [
    (lambda d: d.__setitem__("pint_definition", d.pop("pint_definitions")), "pint_definition", None),
    (lambda d: d["units"][3].__setitem__("alias", d["units"][3].pop("aliases")), "alias", 3),
    (lambda d: d["units"][0].__setitem__("kind", "duration"), "kind", 0),
])
def test_a_misspelt_key_in_units_json_is_an_error(tmp_path, mistake, key, record):
    data = json.loads(UNITS.read_text(encoding="utf-8"))
    mistake(data)
    path = _write(tmp_path / "units.json", data)
    with pytest.raises(RuleError) as err:
        UnitNormalizer.from_config(path)
    (problem,) = err.value.problems
    assert problem.path == str(path) and key in path.read_text().splitlines()[problem.line - 1]
    assert problem.record == (data["units"][record]["canonical"] if record is not None else None)
    # and `eligex rules validate` says the same
    configs = tmp_path / "configs"
    configs.mkdir()
    for f in (ROOT / "configs").iterdir():
        (configs / f.name).symlink_to(f)
    (configs / "units.json").unlink()
    _write(configs / "units.json", data)
    assert [(p.line, p.record) for p in validate_configs(configs)] == [(problem.line, problem.record)]
