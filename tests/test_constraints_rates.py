"""Things counted per time (pipeline/components/constraints/rates.py): the pure reader with the
shipped configs/constraints.json, then through the built pipeline."""

import pytest

from constraint_records import CONFIG
from pipeline.components.constraints.quantities import Quantity
from pipeline.components.constraints.rates import RateRules, read_rate

RULES = CONFIG.rate_rules


def _ents(text, *parts):
    """Entity records for the (label, text[, rule]) parts, found left to right in ``text``."""
    out, pos = [], 0
    for part in parts:
        label, word = part[0], part[1]
        start = text.index(word, pos)
        pos = start + len(word)
        out.append({"label": label, "start": start, "end": pos, "text": word,
                    "rule": part[2] if len(part) > 2 else f"r.{label.lower()}"})
    return out


def _read(text, cmp_text, value, op):
    ents = _ents(text, ("COMPARATOR", cmp_text), ("VALUE", value))
    q = Quantity(values=[1], comparators=[0], op=op)
    return read_rate(q, text, ents, RULES, CONFIG.value_words)


@pytest.mark.parametrize(("text", "cmp_text", "value", "op", "expected"), [
    ("Routinely consumes >2 alcoholic drinks per day", ">", "2", ">", ("alcoholic drinks", "/d", "lower", 2)),
    ("drinks no more than 3 cups of coffee, tea or soft drinks per day", "no more than", "3", "<=",
     ("cups of coffee, tea or soft drinks", "/d", "upper", 3)),
    # a bracket inside the phrase is stepped over; the subject is the phrase before it
    ("smoking less than 5 cigarettes (or equivalent amount of other tobacco products) per day", "less than", "5", "<",
     ("cigarettes", "/d", "upper", 5)),
    ("reports < 3 bowel movements (BMs) per week", "<", "3", "<", ("bowel movements", "/wk", "upper", 3)),
    ("more than 3 meals of fatty fish weekly", "more than", "3", ">", ("meals of fatty fish", "/wk", "lower", 3)),
    # no rate, a stop word before it, a time or an occasion word first: none
    ("more than 3 prior regimens", "more than", "3", ">", None),
    ("more than 3 cycles in the last year", "more than", "3", ">", None),
    ("greater than 12 hours a day", "greater than", "12", ">", None),
    ("more than 2 sessions of training per week", "more than", "2", ">", None),
    ("less than or equal to 200 mcg of fluticasone per day", "less than or equal to", "200", "<=", None),  # a dose
    ("1 pack year = 20 cigarettes smoked per day", "=", "20", "=", None),  # a definition
])
def test_read_rate(text, cmp_text, value, op, expected):
    rec = _read(text, cmp_text, value, op)
    if expected is None:
        assert rec is None
        return
    subject, unit, side, bound = expected
    assert (rec["subject_text"], rec["unit"], rec["category"]) == (subject, unit, "measurement")
    assert rec[side]["value"] == bound and rec["rules"][0] == "rate.counted"
    assert text[slice(*rec["subject_span"])] == subject


def test_a_range_sign_alone_bounds_no_rate():
    """"1-3 bolus insulin injections per day" is a regimen: no comparator word, no bound."""
    text = "basal insulin plus 1-3 bolus insulin injections per day"
    ents = _ents(text, ("VALUE", "1"), ("COMPARATOR", "-", "cmp.range_sign"), ("VALUE", "3"))
    q = Quantity(values=[0, 2], comparators=[1], op="range")
    assert read_rate(q, text, ents, RULES, CONFIG.value_words) is None


def test_no_rates_config_reads_none():
    assert RateRules.from_dict({}) is None


def test_pipeline_writes_rate_constraints(run):
    rec = run("Routinely consumes >2 alcoholic drinks per day or >14 alcoholic drinks per week")
    got = [(c["subject"], c["unit"], c["lower"]) for c in rec["constraints"]]
    assert got == [("alcoholic drinks", "/d", {"value": 2, "inclusive": False}),
                   ("alcoholic drinks", "/wk", {"value": 14, "inclusive": False})]
    # a rate whose noun is in the unit stays a quantity with a unit, named by the subject before it
    rec = run("consumption of more than 14 drinks per week")
    assert [(c["subject"], c["unit"]) for c in rec["constraints"]] == [("consumption", "/wk")]


def test_a_rate_word_before_the_comparator_names_the_rate(run):
    """"an average weekly intake of >14 drinks for males or >7 drinks for females": the phrase
    holding the rate word is the subject of both, each for its sex."""
    rec = run("History of regular alcohol consumption within 6 months of the study defined as an average weekly "
              "intake of >14 drinks for males or >7 drinks for females.")
    got = [(c["subject"], c["unit"], c["lower"]["value"], (c.get("population") or {}).get("sex"))
           for c in rec["constraints"] if c["category"] == "measurement"]
    assert got == [("average weekly intake", "/wk", 14, "male"), ("average weekly intake", "/wk", 7, "female")]
    assert all(not k.startswith("_") for c in rec["constraints"] for k in c)
    rec = run("an average weekly intake of greater than 21 units or an average daily intake of greater than 3 units")
    assert [(c["subject"], c["unit"]) for c in rec["constraints"]] == [("average weekly intake", "/wk"),
                                                                      ("average daily intake", "/d")]
    # no rate word before: a count, not a rate
    rec = run("an average intake of more than 14 drinks")
    assert not any("rate.counted" in c["rules"] for c in rec["constraints"])



def test_the_sex_after_the_rate(run):
    """"> 5 drinks per day for men": the sex after the rate."""
    rec = run("Heavy drinking is considered as more than 5 alcoholic drinks per day for men and more than 4 "
              "alcoholic drinks per day for women")
    got = [(c["subject"], c["unit"], c["lower"], (c.get("population") or {}).get("sex")) for c in rec["constraints"]]
    assert got == [("alcoholic drinks", "/d", {"value": 5, "inclusive": False}, "male"),
                   ("alcoholic drinks", "/d", {"value": 4, "inclusive": False}, "female")]
    rec = run("an average daily intake of greater than 2 units (females)")
    assert [(c["subject"], (c.get("population") or {}).get("sex")) for c in rec["constraints"]] == \
        [("average daily intake", "female")]


@pytest.mark.parametrize("text, subject, unit, bound", [
    # time spent per day or week: hours or minutes of that time (unit.time_per_time)
    ("Use of daily oxygen therapy > 12 hours per day", "daily oxygen therapy", "h/d", ("lower", 12, False)),
    ("Chronic use of oxygen therapy ≥ 15 hours a day", "oxygen therapy", "h/d", ("lower", 15, True)),
    ("Daytime napping of more than 1 hour per day.", "daytime napping", "h/d", ("lower", 1, False)),
    ("Physical activity of at least 150 minutes per week", "physical activity", "min/wk", ("lower", 150, True)),
    # days, doses, visits or micturitions counted per time (unit.per_time)
    ("Symptoms of heartburn >2 days per week off antacids", "heartburn", "/wk", ("lower", 2, False)),
    ("Has headache equal to or greater than 18 days per month.", "headache", "/mo", ("lower", 18, True)),
    ("Mean urinary frequency of >=8 micturitions per 24 hours", "urinary frequency", "/d", ("lower", 8, True)),
    ("Alcohol consumption of more than 21 units of alcohol per week.", "alcohol consumption", "/wk",
     ("lower", 21, False)),
])
def test_rates_of_time_and_of_days(run, text, subject, unit, bound):
    rates = [c for c in run(text)["constraints"] if c["unit"] == unit]
    assert len(rates) == 1, run(text)["constraints"]
    side, value, inclusive = bound
    assert rates[0]["subject"] == subject and rates[0][side] == {"value": value, "inclusive": inclusive}
    # a time per day is no window and no duration
    assert not [c for c in run(text)["constraints"] if c["category"] in ("temporal", "duration")]


@pytest.mark.parametrize("text", [
    "agreed to do at least 20 hours per week of planned practice activities",  # a verb names nothing
    "Age 18 years and older",  # "and" is no "a" + "d" of a rate
    "Participation in more than 3 investigational drug studies within a year",  # a window, no rate
])
def test_no_rate_subject_from_a_verb_nor_from_and(run, text):
    assert not [c for c in run(text)["constraints"] if c["unit"] and "/" in c["unit"]]



@pytest.mark.parametrize("text, unit", [
    # the period of an amount may follow the substance it measures: a dose per that time
    ("Participants receiving oral steroids >20 mg prednisolone per day", "mg/d"),
    ("Chronic systemic steroids (> 4 mg methylprednisolone /day)", "mg/d"),
    ("corticosteroids at doses >10 mg of prednisone per day", "mg/d"),
    ("≤ 10 mg prednisone or equivalent per day", "mg/d"),
    ("Consumption of more than 50 g of ethanol per day", "g/d"),
    ("systemic corticosteroids > 10 mg prednisone daily or equivalent", "mg/d"),
    ("Subject consumes more than 150 g of alcohol / week", "g/wk"),
    # a frequency, another dose, or a period of something else: the amount keeps its unit
    ("less than 100 mcg fluticasone twice a day", None),
    ("a maximum dose of 20 mg prednisone or 10 mg dexamethasone per day", None),
    ("protein intake of 1.2 g of protein per kg per day", None),
])
def test_an_amount_before_its_substance_and_period(run, text, unit):
    got = [c["unit"] for c in run(text)["constraints"] if c["category"] != "temporal"]
    if unit is None:
        assert not any(u and u.endswith(("/d", "/wk")) for u in got), got
    else:
        assert unit in got, got
        c = next(c for c in run(text)["constraints"] if c["unit"] == unit)
        assert "rate.amount" in c["rules"]
        assert text[slice(*c["span"])].endswith(("day", "week", "daily"))


def test_amount_period_reads_words_as_data():
    from pipeline.components.constraints.rates import amount_period

    rules = RateRules.from_dict(CONFIG.rates)
    text = "20 mg prednisone or equivalent per day"
    assert amount_period(text, 5, rules) == ("/d", len(text))
    no_skip = RateRules.from_dict({**CONFIG.rates, "amount_skip": []})
    assert amount_period(text, 5, no_skip) is None  # "or" ends the substance
    assert amount_period("20 mg prednisone per day", 5, RateRules.from_dict({**CONFIG.rates, "amount_max_words": 0})) is None
