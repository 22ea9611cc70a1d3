"""Time windows and durations (pipeline/components/constraints/temporal.py), table-driven on the
pure functions with the shipped configs/time.json, then through the built pipeline."""

import json
from pathlib import Path

import pytest

from pipeline.components.constraints.temporal import TimeConfig, find_windows, measured_event, time_constraints
from pipeline.rules.loading import CONFIG_SCHEMAS, load_json_config

ROOT = Path(__file__).resolve().parents[1]
CONFIG = TimeConfig.from_dict(load_json_config(ROOT / "configs" / "time.json", CONFIG_SCHEMAS["time.json"]))

L, U = "lower", "upper"


def constraints(text, ents=(), negations=(), taken=()):
    return time_constraints(text, find_windows(text, CONFIG), list(ents), list(negations), list(taken), CONFIG)


# text, category, subject text, side, value, inclusive, unit, anchor, direction
WINDOWS = [
    ("Had received live vaccine within 4 weeks before screening", "temporal", "live vaccine", U, 4, True, "wk",
     "screening", "before"),
    ("Live vaccines within 4 weeks prior to screening", "temporal", "Live vaccines", U, 4, True, "wk",
     "screening", "before"),
    ("live vaccine in the 4 weeks preceding enrolment", "temporal", "live vaccine", U, 4, True, "wk",
     "enrollment", "before"),
    ("Major surgery within the last 3 months", "temporal", "Major surgery", U, 3, True, "mo", "now", "before"),
    ("Alcohol or drug abuse within the past year", "temporal", "Alcohol or drug abuse", U, 1, True, "a", "now",
     "before"),  # a singular unit with no number: one of it
    ("Antibiotic treatment in the past month", "temporal", "Antibiotic treatment", U, 1, True, "mo", "now", "before"),
    ("Prior chemotherapy in the past six months", "temporal", "chemotherapy", U, 6, True, "mo", "now", "before"),
    ("Antibiotic treatment the prior 3 months", "temporal", "Antibiotic treatment", U, 3, True, "mo", "now",
     "before"),
    ("Recent gastroenteritis (for the last 6 weeks)", "temporal", "gastroenteritis", U, 6, True, "wk", "now",
     "before"),
    ("at least 4 weeks since prior immunotherapy", "temporal", "immunotherapy", L, 4, True, "wk", "now",
     "before"),
    # a postfix or a filler between the number and its unit
    ("fevers for 2 or more weeks", "duration", "fevers", L, 2, True, "wk", None, None),
    ("2 or more years since last natural menstrual period", "temporal", "natural menstrual period", L, 2, True, "a",
     "now", "before"),
    ("> 8 consecutive weeks of seizure freedom", "duration", "seizure freedom", L, 8, False, "wk", None, None),
    # a bracketed aside and a comma before the window
    ("Taking any antidiabetic medication (other than insulin), within 1 month prior to screening", "temporal",
     "antidiabetic medication", U, 1, True, "mo", "screening", "before"),
    # a verb of elapsing between the time and its marker
    ("At least 28 days must have elapsed since prior radiotherapy", "temporal", "radiotherapy", L, 28, True, "d",
     "now", "before"),
    ("Myocardial infarction less than 6 months ago", "temporal", "Myocardial infarction", U, 6, False, "mo", "now",
     "before"),
    ("Stroke more than 1 year ago", "temporal", "Stroke", L, 1, False, "a", "now", "before"),
    ("greater than 6 months post-stroke", "temporal", "stroke", L, 6, False, "mo", "now", "before"),
    ("Participation in another trial within 30 days prior to the first dose of study drug", "temporal",
     "Participation in another trial", U, 30, True, "d", "first dose", "before"),
    ("Blood donation within 8 weeks before randomisation", "temporal", "Blood donation", U, 8, True, "wk",
     "randomization", "before"),
    ("Contraception until 1 year after the infusion", "temporal", "Contraception", U, 1, True, "a", "infusion",
     "after"),
    ("Acute disease (< 2 months)", "temporal", "Acute disease", U, 2, False, "mo", "now", "before"),
    ("diagnosed for at least 1 year", "duration", "diagnosed", L, 1, True, "a", None, None),
    ("on a stable dose for ≥ 4 weeks", "duration", "stable dose", L, 4, True, "wk", None, None),
    ("symptoms for more than 3 months", "duration", "symptoms", L, 3, False, "mo", None, None),
    ("More than 2 years of handball sports", "duration", "handball sports", L, 2, False, "a", None, None),
    # "history of" after the unit: how long the condition has lasted; an article may follow "at least"
    ("Has at least a 2-year history of seasonal allergic rhinitis", "duration", "seasonal allergic rhinitis", L, 2,
     True, "a", None, None),
    ("at least 1 year history of migraines", "duration", "migraines", L, 1, True, "a", None, None),
    # a bare "N months of" a lasting state: at least so long
    ("Postmenopausal defined as 12 months of spontaneous amenorrhea", "duration", "spontaneous amenorrhea", L, 12,
     True, "mo", None, None),
    ("disease duration of at least twelve weeks", "duration", "disease", L, 12, True, "wk", None, None),
    ("Methotrexate for 12 weeks or more", "duration", "Methotrexate", L, 12, True, "wk", None, None),
    ("disease-free >/= 5 years", "duration", "disease-free", L, 5, True, "a", None, None),  # '>/=' is '>='
    ("off treatment for </= 3 years", "duration", "off treatment", U, 3, True, "a", None, None),
    # an "if ..." clause up to its comma is no event
    ("if former smoker, quit smoking within the last 15 years", "temporal", "quit smoking", U, 15, True, "a", "now",
     "before"),
    ("a history of chronic diarrhea within approximately 3 months", "temporal", "chronic diarrhea", U, 3, True, "mo",
     "now", "before"),
    ("panretinal photocoagulation (PRP) within the former 4 months", "temporal", "panretinal photocoagulation (PRP)",
     U, 4, True, "mo", "now", "before"),
    # "after"/"post-" with an event before the window: that is the event, the phrase after the anchor
    ("Stroke occurred more than 30 days after the transfer to rehabilitation", "temporal", "Stroke", L, 30, False,
     "d", "transfer to rehabilitation", "after"),
    ("lamivudine 100 mg daily until at least 3 months post-transplant", "temporal", "lamivudine 100 mg daily", L, 3,
     True, "mo", "transplant", "after"),
    ("Male patients must use effective barrier contraception during and for 4 weeks after study participation",
     "duration", "effective barrier contraception", L, 4, True, "wk", None, None),
    # the periods before "and for N after" are when the event holds, not the event
    ("Men or women of child bearing potential should be using an effective method of contraception before entry into "
     "the study and throughout the same and for 6 months after ending the study", "duration",
     "using an effective method of contraception", L, 6, True, "mo", None, None),
    ("must use a latex condom during any sexual contact with women of childbearing potential while taking "
     "lenalidomide and for 4 weeks after the last dose", "duration", "latex condom", L, 4, True, "wk", None, None),
    # ... and with none, the phrase after stays the event
    ("At least 6 months after stroke", "temporal", "stroke", L, 6, True, "mo", "now", "before"),
    ("Patients must be 100 days or more after allogeneic stem cell transplantation", "temporal",
     "allogeneic stem cell transplantation", L, 100, True, "d", "now", "before"),
    ("Women who are pregnant or within 2 weeks post-partum", "temporal", "partum", U, 2, True, "wk", "now", "before"),
    # a class with examples: the window is about the class ...
    ("Use of systemic pain medications, e.g. oxycodone in the past 2 weeks", "temporal", "systemic pain medications",
     U, 2, True, "wk", "now", "before"),
    ("Minor surgical procedures such as fine needle aspirations within 7 days", "temporal",
     "Minor surgical procedures", U, 7, True, "d", "now", "before"),
    ("Use of any other drugs, including herbal preparations, within two weeks", "temporal", "other drugs", U, 2, True,
     "wk", "now", "before"),
    # ... unless what comes before is no class of exposures
    ("Significant disease (eg. myocardial infarction within the preceding 6 months)", "temporal",
     "myocardial infarction", U, 6, True, "mo", "now", "before"),
    ("Severe conditions such as bowel obstruction within 4 weeks", "temporal", "bowel obstruction", U, 4, True, "wk",
     "now", "before"),
    # a bracketed window after modifiers only dates what follows the bracket (its first conjunct)
    ("Any reported recent (<6 months) change in body mass (± 3%)", "temporal", "change in body mass", U, 6, False,
     "mo", "now", "before"),
    ("Current or recent (within 3 months) gastrointestinal disease.", "temporal", "gastrointestinal disease", U, 3,
     True, "mo", "now", "before"),
    # ... also when only the last word before the bracket is a modifier, or a list marker opens the line
    ("patients must not have suffered recent (< 6 months) myocardial infarction, unstable angina", "temporal",
     "myocardial infarction", U, 6, False, "mo", "now", "before"),
    ("-  Any reported recent (<6 months) change in body mass", "temporal", "change in body mass", U, 6, False,
     "mo", "now", "before"),
    # ... and after "recent" it is a look-back, not a duration (though "ongoing" stands before it)
    ("Ongoing or recent (≤ 3 months) significant gastrointestinal bleeding.", "temporal",
     "significant gastrointestinal bleeding", U, 3, True, "mo", "now", "before"),
    ("Chronic (more than three months) ESBL colonization", "duration", "ESBL colonization", L, 3, False, "mo",
     None, None),
    # a recency word alone before the number is a window ("past 6 months" without "in the")
    ("Hospitalization for asthma past 12 months", "temporal", "Hospitalization for asthma", U, 12, True, "mo", "now",
     "before"),
    ("renal stones last 5 years", "temporal", "renal stones", U, 5, True, "a", "now", "before"),
    ("Substance abuse/dependence (past 4 months)", "temporal", "Substance abuse/dependence", U, 4, True, "mo", "now",
     "before"),
    ("Stable medication regimen over previous four weeks", "temporal", "Stable medication regimen", U, 4, True, "wk",
     "now", "before"),
    # comparators written out in words, "greater than or equal to", "less than or equal to"
    ("Diagnosis of RA for greater than or equal to 3 months.", "duration", "Diagnosis of RA", L, 3, True, "mo", None,
     None),
    ("Other prior malignancy less than or equal to 5 years prior to randomization", "temporal",
     "Other prior malignancy", U, 5, True, "a", "randomization", "before"),
    ("unstable angina within less than or equal to 3 months prior to randomization", "temporal", "unstable angina", U,
     3, True, "mo", "randomization", "before"),
    ("Symptoms of dry eye for equal to or more than 5 years", "duration", "Symptoms of dry eye", L, 5, True, "a",
     None, None),
    # a one-word conjunct after a bracketed window shares the next head: the whole phrase
    ("Recent history (less than or equal to 3 months) of upper or lower gastrointestinal bleed", "temporal",
     "upper or lower gastrointestinal bleed", U, 3, True, "mo", "now", "before"),
    # modals and pronouns at the edges are no part of the event
    ("Subjects must have a normal endoscopy result within the 6 months", "temporal", "normal endoscopy result", U, 6,
     True, "mo", "now", "before"),
    # a bare window after a word of ending a use: it ended at least so long before (time.ceased)
    ("they discontinue the listed medications 2 weeks before enrollment", "temporal",
     "discontinue the listed medications", L, 2, True, "wk", "enrollment", "before"),
    ("Patients must discontinue drug 7 days prior to starting dasatinib", "temporal", "discontinue drug", L, 7, True,
     "d", "starting dasatinib", "before"),
    ("Radiotherapy must be completed 2 weeks prior to randomization", "temporal", "Radiotherapy must be completed", L,
     2, True, "wk", "randomization", "before"),
    # a short aside inside the phrase is no boundary of it
    ("Received a live (attenuated) vaccine within 4 weeks", "temporal", "live (attenuated) vaccine", U, 4, True, "wk",
     "now", "before"),
    ("Strong cytochrome P450 3A4 (CYP3A4) inhibitors within 4 weeks", "temporal",
     "Strong cytochrome P450 3A4 (CYP3A4) inhibitors", U, 4, True, "wk", "now", "before"),
    # a conjunct ending in an adjective shares the next head
    ("acute ischemic or hemorrhagic stroke (within 30 days)", "temporal", "acute ischemic or hemorrhagic stroke", U, 30,
     True, "d", "now", "before"),
    ("use of anabolic, anti-inflammatory and analgesic drugs 72 hours before the evaluations", "temporal",
     "anabolic, anti-inflammatory and analgesic drugs", U, 72, True, "h", "evaluations", "before"),
    ("recent (<6 months) acute cardiac event, unstable angina", "temporal", "acute cardiac event", U, 6, False, "mo",
     "now", "before"),
]


@pytest.mark.parametrize("text,category,subject,side,value,inclusive,unit,anchor,direction", WINDOWS)
def test_windows_and_durations(text, category, subject, side, value, inclusive, unit, anchor, direction):
    found = constraints(text)
    assert len(found) == 1, found
    c = found[0]
    assert c["category"] == category
    assert c["subject_text"] == subject
    assert text[c["subject_span"][0]:c["subject_span"][1]] == subject
    assert c[side] == {"value": value, "inclusive": inclusive}
    assert c[U if side == L else L] is None
    assert c["unit"] == unit
    assert c.get("anchor") == anchor and c.get("direction") == direction
    assert c["rules"] and all(r.startswith("time.") for r in c["rules"])


def test_a_range_is_two_bounds():
    (c,) = constraints("sustained a concussion within 2-7 days of clinic presentation")
    assert c["lower"] == {"value": 2, "inclusive": True} and c["upper"] == {"value": 7, "inclusive": True}
    assert c["anchor"] == "clinic presentation"


def test_the_window_flag_not_the_id_keeps_both_ends():
    """An upper comparator phrase flagged ``window`` (configs/time.json) keeps both ends of a range;
    without the flag it is "up to 2-7 days" (the far end only)."""
    assert [c["id"] for c in CONFIG.comparators if c.get("window")] == ["time.within_next", "time.within", "time.during_the"]
    data = json.loads(json.dumps(CONFIG.to_dict()))
    for cmp in data["comparators"]:
        cmp.pop("window", None)
    plain = TimeConfig.from_dict(data)
    text = "sustained a concussion within 2-7 days of clinic presentation"
    (c,) = time_constraints(text, find_windows(text, plain), [], [], [], plain)
    assert c["lower"] is None and c["upper"] == {"value": 7, "inclusive": True}


@pytest.mark.parametrize("text,subject,value,unit,anchor", [
    ("Any surgery during last 6 month", "surgery", 6, "mo", "now"),
    ("treatments with topical immunomodulators over the three months prior to enrolment",
     "treatments with topical immunomodulators", 3, "mo", "enrollment"),
    ("seizure freedom during the 12 weeks prior to screening", "seizure freedom", 12, "wk", "screening"),
    ("brain training twice weekly during the year prior to screening", "brain training twice weekly", 1, "a",
     "screening"),
])
def test_during_and_over_the_make_windows(text, subject, value, unit, anchor):
    (c,) = constraints(text)
    assert (c["subject_text"], c["upper"], c["unit"], c["anchor"]) == \
        (subject, {"value": value, "inclusive": True}, unit, anchor)


def test_a_window_after_and_goes_on_with_the_event_before():
    """"pregnant or within 2 weeks post-partum" opens a conjunct of its own; after "and" the
    window is the event's before it, read before the period it continues ("during treatment")."""
    (c,) = constraints("using effective contraception during treatment and during the 30 days after treatment end")
    assert (c["subject_text"], c["anchor"], c["direction"]) == \
        ("using effective contraception", "treatment end", "after")
    assert "time.period_before" in c["rules"]


def test_a_bare_duration_of_other_events_is_no_bound():
    """"2 weeks of treatment" (no comparator) is a procedure, not a bound; only the states of
    ``bare_lower_states`` make one."""
    assert constraints("2 weeks of treatment") == []
    # an article after a phrase not flagged "article" is no window
    assert constraints("donation of blood within a 56 day period") == []
    assert constraints("birth more than 37 weeks of amenorrhea") == []  # a gestational age


def test_an_event_read_before_its_periods_is_not_split():
    """"routine and effective contraceptive measures during the study and within 6 weeks after":
    one event, the conjunction inside it joins modifiers."""
    (c,) = constraints("Agree to use adequate and effective contraceptive measures during the entire study period "
                       "and within 6 weeks after the last dose")
    assert c["subject_text"] == "Agree to use adequate and effective contraceptive measures"
    # a window after "before" with no period before it keeps its phrase
    (c,) = constraints("Blood donation within 8 weeks before randomisation")
    assert "time.period_before" not in c["rules"]


def test_comparators_joined_by_or_are_no_events():
    text = "Donation of blood equal to or exceeding 450 mL during the 3 months before the first administration"
    ents = [{"label": "COMPARATOR", "start": text.index(w), "end": text.index(w) + len(w), "text": w, "rule": "t"}
            for w in ("equal to", "exceeding")]
    (c,) = constraints(text, ents=ents)
    assert "time.conjunct" not in c["rules"] and c["anchor"] == "first dose"


@pytest.mark.parametrize("text,expected", [
    ("At least 4 weeks since prior chemotherapy (6 weeks for nitrosoureas or mitomycin)",
     [("chemotherapy", 4), ("nitrosoureas", 6), ("mitomycin", 6)]),
    ("chemotherapy within 4 weeks (6 weeks for nitrosoureas) prior to entering the study",
     [("chemotherapy", 4), ("nitrosoureas", 6)]),
])
def test_a_bracketed_time_for_other_events_is_their_bound(text, expected):
    """"(6 weeks for X)" after a window or its event: the window's comparison for X."""
    found = constraints(text)
    assert [(c["subject_text"], (c["lower"] or c["upper"])["value"]) for c in found] == expected
    assert len({(c["lower"] is None, (c["lower"] or c["upper"])["inclusive"]) for c in found}) == 1
    assert "time.bracketed_for" in found[-1]["rules"]


def test_a_bracketed_time_needs_the_window_before_it():
    assert constraints("Antibiotics (6 weeks for nitrosoureas)") == []


@pytest.mark.parametrize("text,subject,low,high,unit", [
    ("Have symptomatic AF of 3 to 48 hours duration at baseline", "symptomatic AF", 3, 48, "h"),
    ("Migraine attacks, on average, lasting about 4-72 hours if untreated", "Migraine attacks", 4, 72, "h"),
])
def test_a_bare_range_with_a_duration_word_is_a_duration(text, subject, low, high, unit):
    (c,) = constraints(text)
    assert (c["category"], c["subject_text"], c["lower"], c["upper"], c["unit"]) == \
        ("duration", subject, {"value": low, "inclusive": True}, {"value": high, "inclusive": True}, unit)
    assert "time.range_duration" in c["rules"]


def test_months_of_amenorrhea_stay_a_duration():
    (c,) = constraints("post-menopausal (more than 12 months of amenorrhea)")
    assert (c["category"], c["subject_text"], c["lower"], c["unit"]) == \
        ("duration", "amenorrhea", {"value": 12, "inclusive": False}, "mo")


@pytest.mark.parametrize("text,subject", [
    ("Serious disease or medical condition with life expectancy of less than one year", "life expectancy"),
    ("Anticipated lifespan greater than 3 months", "lifespan"),
])
def test_a_window_on_life_expectancy_is_its_duration(text, subject):
    """Not a window on the disease before it, and not split: how long life is expected to last."""
    (c,) = constraints(text)
    assert (c["category"], c["subject_text"]) == ("duration", subject) and "anchor" not in c


def test_two_windows_in_one_criterion_each_get_their_event():
    c1, c2 = constraints("more than 72 hours of hospitalization in the last 30 days")
    assert (c1["category"], c1["subject_text"], c1["lower"]["value"], c1["unit"]) == \
        ("duration", "hospitalization", 72, "h")
    assert (c2["category"], c2["subject_text"], c2["upper"]["value"], c2["unit"]) == \
        ("temporal", "hospitalization", 30, "d")


@pytest.mark.parametrize("text,expected", [
    # a bare time quantity after a window and "or": the same bound in another unit, same events
    ("Use of any investigational drug within 30 days or 5 half-lives, whichever is longer",
     [("investigational drug", 30, "d", "now"), ("investigational drug", 5, "{half-lives}", "now")]),
    # ... and a marker after the second names both windows' anchor
    ("systemic steroids within 5 half-lives or 10 days prior to randomization",
     [("systemic steroids", 5, "{half-lives}", "randomization"), ("systemic steroids", 10, "d", "randomization")]),
    # a second window with its own comparator is no alternative
    ("Major surgery within 4 weeks or minor surgery within 2 weeks",
     [("Major surgery", 4, "wk", "now"), ("minor surgery", 2, "wk", "now")]),
    # ... unless nothing comes between and its comparator bounds the same side: its own bound
    ("Exposure to any other investigational drug within 30 days or fewer than 5 half-lives prior to screening",
     [("Exposure to any other investigational drug", 30, "d", "screening"),
      ("Exposure to any other investigational drug", 5, "{half-lives}", "screening")]),
    ("corticosteroid injection within 2 weeks prior to study entry or within 6 weeks prior to randomization",
     [("corticosteroid injection", 2, "wk", "enrollment"), ("corticosteroid injection", 6, "wk", "randomization")]),
    # a bracketed window after a modifier, its alternative inside the same bracket: the event after it
    ("Current, or recent (within 30 days, or 5 half-lives of investigational product) participation in another study",
     [("participation in another study", 30, "d", "now"), ("participation in another study", 5, "{half-lives}", "now")]),
])
def test_alternative_windows(text, expected):
    got = [(c["subject_text"], c["upper"]["value"], c["unit"], c.get("anchor")) for c in constraints(text)]
    assert got == expected


@pytest.mark.parametrize("text", [
    "Age ≥ 18 years", "aged 18 years or older", "18 years old", "children 2 to 11 years of age",
    "12 weeks of treatment will follow",  # no comparator, no marker: a study procedure
    "taken twice a week", "6 months ago",  # a date, no bound
    "at 6 months",
    "within years of diagnosis",  # a plural unit without a number
    "Regularly take naps during the day",  # one unit without a number needs a recency word or a marker
    "Suffering from pain in the day of assessment",
    "study visits 2-4 weeks apart",  # a bare range with no duration word: a study procedure
    "All birth more than 37 weeks of amenorrhea",  # weeks of amenorrhea: a gestational age
    "undergoing surgery in a participating hospital during the 30-day cohort period",  # "during the": a marker
    "asthma for at least previous 12 months",  # a recency word after another comparator: not read alone
    "the last 2 doses of chemotherapy",  # no time unit
])
def test_no_window(text):
    assert constraints(text) == []


def test_a_window_inside_another_constraint_is_left_to_it():
    text = "life expectancy of at least 12 weeks"
    assert constraints(text, taken=[(0, len(text))]) == []


def test_the_event_is_an_entity_inside_the_phrase():
    text = "History of myocardial infarction within 6 months before screening"
    ent = {"label": "CONDITION", "start": 11, "end": 32, "text": "myocardial infarction", "rule": "cond.mi",
           "negated": True}
    (c,) = constraints(text, ents=[ent])
    assert c["subject_text"] == "myocardial infarction" and c["negated"] is True
    assert c["rules"][0] == "cond.mi"


def test_an_empty_phrase_falls_back_to_the_entity_before():
    text = "GVHD (aGVHD); grade 2 or above within 2 weeks prior to screening"
    ent = {"label": "CONDITION", "start": 0, "end": 4, "text": "GVHD", "rule": "cond.gvhd"}
    assert constraints(text, ents=[ent]) == []  # the clause ends at ";"
    text = "GVHD: grade 2 or above within 2 weeks prior to screening"
    (c,) = constraints(text, ents=[ent])
    assert c["subject_text"] == "GVHD" and c["upper"] == {"value": 2, "inclusive": True}


def test_coordinated_events_are_one_constraint_each():
    text = "myocardial infarction, or unstable angina in the past 6 months"
    ent = {"label": "CONDITION", "start": 0, "end": 21, "text": "myocardial infarction", "rule": "cond.mi"}
    c1, c2 = constraints(text, ents=[ent])
    assert (c1["subject_text"], c2["subject_text"]) == ("myocardial infarction", "unstable angina")
    assert c1["rules"][0] == "cond.mi" and "time.conjunct" in c1["rules"] and "time.conjunct" in c2["rules"]
    assert c1["upper"] == c2["upper"] == {"value": 6, "inclusive": True}
    for c in (c1, c2):
        assert text[slice(*c["subject_span"])] == c["subject_text"]


@pytest.mark.parametrize("text,subjects", [
    ("Abdominal fistula, GI perforation, or abdominal abscess within the last 6 months",
     ["Abdominal fistula", "GI perforation", "abdominal abscess"]),
    ("chemotherapy or radiotherapy within 2 weeks before enrollment", ["chemotherapy", "radiotherapy"]),
    ("at least 4 weeks since prior steroids or anticonvulsants", ["steroids", "anticonvulsants"]),
    ("major surgical procedure or open biopsy within 28 days", ["major surgical procedure", "open biopsy"]),
    ("prebiotics or probiotics during the 4 weeks before enrolment", ["prebiotics", "probiotics"]),
])
def test_coordinated_events_split(text, subjects):
    # the entity rules name the one-word events (a bare word alone would be a modifier)
    ents = [{"label": "DRUG", "start": text.index(w), "end": text.index(w) + len(w), "text": w, "rule": "t"}
            for w in subjects if " " not in w]
    assert [c["subject_text"] for c in constraints(text, ents=ents)] == subjects


@pytest.mark.parametrize("text,subject", [
    # a one-word conjunct no entity names shares the head of its neighbour
    ("active or uncontrollable infection within 1 week prior to screening", "active or uncontrollable infection"),
    ("alcohol or substance abuse within the past twelve months", "alcohol or substance abuse"),
    ("oral, inhaled or topical corticosteroids within the last 12 months", "oral, inhaled or topical corticosteroids"),
    # a list inside brackets is an aside of one event
    ("anti-TNF (infliximab, adalimumab or etanercept) within 8 weeks", "anti-TNF"),
])
def test_shared_heads_and_asides_stay_one_event(text, subject):
    (c,) = constraints(text)
    assert c["subject_text"] == subject and "time.conjunct" not in c["rules"]


@pytest.mark.parametrize("text,subjects", [
    # one-word conjuncts only, no entity naming them: each is a noun of its own
    ("peramivir, laninamivir, oseltamivir, or amantadine within 30 days prior to the examinations",
     ["peramivir", "laninamivir", "oseltamivir", "amantadine"]),
    ("at least 4 weeks since prior steroids or anticonvulsants", ["steroids", "anticonvulsants"]),
    # "and recovered" ends the event after "since"
    ("More than 6 weeks since prior aldesleukin or interferon and recovered", ["aldesleukin", "interferon"]),
])
def test_one_word_lists_split_without_entities(text, subjects):
    assert [c["subject_text"] for c in constraints(text)] == subjects


def test_a_list_cut_inside_its_first_item_gets_the_item_back():
    text = "Major surgical procedure, open biopsy, or significant traumatic injury within 28 days prior to Day 0"
    assert [c["subject_text"] for c in constraints(text)] == ["Major surgical procedure", "open biopsy",
                                                             "significant traumatic injury"]


def test_words_trimmed_to_one_word_are_no_list_of_nouns():
    (c,) = constraints("hypersensitive to Revestive or any ingredient, active or a history of the drug within "
                       "the last 5 years")
    assert "time.conjunct" not in c["rules"]


@pytest.mark.parametrize("text,subjects,anchor", [
    # the list goes on after the window: the window dates the item it follows
    ("pregnant, postpartum up to six months, lactating, or intention to become pregnant", ["postpartum"], "now"),
    ("Hypertension, diabetes, congestive heart failure, myocardial infarction within 6 months of study, chronic "
     "renal disease, or active uncontrolled infections", ["myocardial infarction"], "study"),
    ("Hypertension, diabetes, congestive heart failure, myocardial infarction within the past year, or cardiac "
     "ventricular arrhythmias", ["myocardial infarction"], "now"),
    # ... not after a list closed by "or" (a new conjunct follows), nor before an item with its own window
    ("Major surgical procedure, open biopsy, or significant traumatic injury within 28 days prior to Day 0, or "
     "anticipation of need for major surgical procedure", ["Major surgical procedure", "open biopsy",
                                                           "significant traumatic injury"], "day 0"),
    ("chemotherapy or radiotherapy within 4 weeks, nitrosoureas within 6 weeks",
     ["chemotherapy", "radiotherapy", "nitrosoureas"], "now"),
])
def test_a_window_inside_a_list_dates_the_item_it_follows(text, subjects, anchor):
    ents = [{"label": "CONDITION", "start": text.index(w), "end": text.index(w) + len(w), "text": w, "rule": "t"}
            for w in ("Hypertension", "diabetes") if w in text]  # named by the entity rules
    found = constraints(text, ents=ents)
    assert [c["subject_text"] for c in found] == subjects
    assert found[0]["anchor"] == anchor


@pytest.mark.parametrize("text,subjects", [
    # a list longer than event_max_words reaches back over its short items
    ("Any systemic chemotherapy, pelvic radiotherapy, cancer immunotherapy, biological therapy or treatment with "
     "an investigational agent within 28 days", ["systemic chemotherapy", "pelvic radiotherapy",
                                                  "cancer immunotherapy", "biological therapy",
                                                  "treatment with an investigational agent"]),
    ("Has had intraocular surgery, cataract surgery or LASIK surgery on the study eye within 90 days prior to the "
     "study", ["intraocular surgery", "cataract surgery", "LASIK surgery on the study eye"]),
    # after 'of' the conjunction joins the objects, not the events ('history of' opens the phrase)
    ("Major injuries or surgery of the target knee or lateral contralateral knee in the 12 months preceding the "
     "inclusion visit", ["Major injuries", "surgery of the target knee or lateral contralateral"]),
    ("history of abdominal fistula, gastrointestinal perforation, or intra-abdominal abscess within 28 days",
     ["abdominal fistula", "gastrointestinal perforation", "intra-abdominal abscess"]),
    # ... but only a short object and a short conjunct after it
    ("Laboratory evidence of undiagnosed hypothyroidism or change in treatment for hypothyroidism in the 3 months",
     ["undiagnosed hypothyroidism", "change in treatment for hypothyroidism"]),
])
def test_long_lists_and_objects(text, subjects):
    assert [c["subject_text"] for c in constraints(text)] == subjects


@pytest.mark.parametrize("text,subject", [
    # ... but a cut-off phrase that is no list, or a list of objects, stays one event
    ("Caucasian, Healthy participant, from 12 to 20 years old, with a history of training within 3 years",
     "20 years old, with a history of training"),
    ("Meeting criteria for drug abuse of depressants, dissociative anesthetics, hallucinogens, opioids, cocaine, or "
     "amphetamine within the last 3 months", "depressants, dissociative anesthetics, hallucinogens, opioids, cocaine, or amphetamine"),
    # a last conjunct opened by a plan owns the window
    ("Currently pregnant, nursing, or planning to become pregnant within the next 12 months",
     "planning to become pregnant"),
    # ... and so does a last conjunct opened by a history ("active X or history of X within")
    ("Active malignancy or history of malignancy within 5 years", "malignancy"),
    ("Congenital heart disease or history of acute myocardial infarction within 6 months before screening",
     "acute myocardial infarction"),
])
def test_lists_that_stay_one_event(text, subject):
    (c,) = constraints(text)
    assert c["subject_text"] == subject and "time.conjunct" not in c["rules"]


def test_a_history_in_every_conjunct_shares_the_window():
    cs = constraints("Has a history of drug abuse or a history of alcohol abuse within 2 years")
    assert [c["subject_text"] for c in cs] == ["drug abuse", "alcohol abuse"]


def test_list_before_needs_a_list_in_the_phrase():
    from pipeline.components.constraints.temporal import list_before
    text = "Caucasian, Healthy participant, from 12 to 20 years old, with a history of training"
    span = (text.index("20 years"), len(text))
    assert list_before(text, span, 0, [], CONFIG) is None
    text = "Any prior systemic chemotherapy, pelvic radiotherapy, biological therapy or hormonal therapy for lymphoma"
    span = (text.index("radiotherapy"), len(text))
    parts = list_before(text, span, 0, [], CONFIG)
    assert [text[a:b] for a, b in parts][:3] == ["systemic chemotherapy", "pelvic radiotherapy", "biological therapy"]


def test_an_entity_across_the_coordinator_is_not_split():
    text = "basal cell or squamous cell carcinoma within 5 years"
    ent = {"label": "CONDITION", "start": 0, "end": 37, "text": text[:37], "rule": "cond.skin_cancer"}
    (c,) = constraints(text, ents=[ent])
    assert c["subject_text"] == "basal cell or squamous cell carcinoma"


def test_a_duration_is_not_split():
    (c,) = constraints("stable doses of methotrexate and prednisone for at least 4 weeks")
    assert c["category"] == "duration" and "time.conjunct" not in c["rules"]


def test_negation_scope_covers_the_event():
    text = "No live vaccine within 4 weeks before screening"
    neg = {"category": "NEGATED_EXISTENCE", "start": 0, "end": 2, "scope": [3, len(text)]}
    (c,) = constraints(text, negations=[neg])
    assert c["negated"] is True


def test_offsets_are_valid_on_odd_text():
    for text in ["within 4 weeks", "(< 2 months)", "for ≥ 4 weeks; since", "x" * 50 + " within 1 day before"]:
        for c in constraints(text):
            s, e = c["span"]
            assert 0 <= s < e <= len(text)


def test_config_round_trips():
    again = TimeConfig.from_dict(json.loads(json.dumps(CONFIG.to_dict())))
    assert find_windows("within 4 weeks before screening", again) == find_windows(
        "within 4 weeks before screening", CONFIG)


def test_pipeline_writes_temporal_constraints(run):
    rec = run("Had received live vaccine within 4 weeks before screening;")
    (c,) = [c for c in rec["constraints"] if c["category"] == "temporal"]
    assert c["subject"] == "live vaccine" and c["anchor"] == "screening" and c["direction"] == "before"
    assert c["upper"] == {"value": 4, "inclusive": True} and c["unit"] == "wk"


def test_pipeline_duration_takes_the_condition_scope(run):
    rec = run("Patients with DM who have been diagnosed for at least 1 year")
    (c,) = [c for c in rec["constraints"] if c["category"] == "duration"]
    assert c["subject"] == "disease duration" and c["condition"] is not None
    assert c["lower"] == {"value": 1, "inclusive": True} and c["unit"] == "a"


HDSS = "a sub-scale (HDSS) score of ≥ 9 within 24-48 hours before the first treatment"


@pytest.mark.parametrize("category,subject", [("score", "HDSS"), ("lab", "HDSS"), ("count", "sub-scale (HDSS) score of ≥ 9")])
def test_a_measurement_before_the_window_names_the_event(category, subject):
    """A constraint of the other steps that ends the phrase before the window: its subject is the
    event (not for a count: its subject is the counted thing)."""
    start, end = HDSS.index("score"), HDSS.index("9") + 1
    measured = [{"category": category, "span": [start, end], "subject_span": [HDSS.index("HDSS"), start - 2]}]
    (c,) = time_constraints(HDSS, find_windows(HDSS, CONFIG), [], [], [], CONFIG, measured=measured)
    assert c["subject_text"] == subject
    assert (c["lower"]["value"], c["upper"]["value"], c["anchor"]) == (24, 48, "first dose")


def test_measured_event_only_when_the_measurement_ends_the_phrase():
    text = "HbA1c >= 7% or insulin use within 3 months"
    measured = [{"category": "lab", "span": [0, 11], "subject_span": [0, 5]}]
    labs = frozenset({"lab"})
    assert measured_event(text, (0, 11), measured, labs) == (0, 5)
    assert measured_event(text, (0, 26), measured, labs) is None  # words after it: the phrase goes on
    assert measured_event(text, (0, 11), measured, frozenset({"count"})) is None
    assert measured_event(text, (15, 26), measured, labs) is None  # not in the phrase


def test_a_long_conjunct_after_of_is_an_event_of_its_own():
    text = "clinically significant history of cardiac disease or presence of active cardiac disease within 1 year"
    assert [c["subject_text"] for c in constraints(text)] == ["cardiac disease", "presence of active cardiac disease"]


@pytest.mark.parametrize("text,subject", [
    # a quantity at the start of the event phrase is no part of the event
    ("≥ 3 vaso-occlusive pain episodes in the year prior to enrollment", "vaso-occlusive pain episodes"),
    # ... but a name's number is ("5-alpha reductase inhibitor")
    ("Use of 5-alpha reductase inhibitor within the last 6 months", "5-alpha reductase inhibitor"),
])
def test_a_leading_quantity_is_no_event(run, text, subject):
    found = [c for c in run(text)["constraints"] if c["category"] in ("temporal", "duration")]
    assert [c["subject_text"] for c in found] == [subject]


@pytest.mark.parametrize("text", [
    # a rate is a frequency, not an event with a window
    "- >/= 5 cigs/day for last 6 months",
    "- </= 2 days per month cigarette use for last 6 months",
])
def test_a_rate_has_no_window(run, text):
    assert [c for c in run(text)["constraints"] if c["category"] in ("temporal", "duration")] == []


def test_a_dose_per_day_before_its_drug_keeps_the_window(run):
    """A leading amount per time is a dose of the event after it, not a frequency: the unit
    rules that hold rate words are listed (``leading_rate.units``), "mg/day" is not one."""
    found = [c for c in run("On a stable dose of ≥40 mg/day of oral morphine during the 14 days prior to "
                            "Screening.")["constraints"] if c["category"] == "temporal"]
    assert [(c["subject_text"].endswith("oral morphine"), c["upper"]["value"]) for c in found] == [(True, 14)]


def test_the_rate_units_of_a_leading_quantity_are_data():
    from pipeline.components.constraints.temporal import _past_leading_quantity

    text = "2 days per month cigarette use for last 6 months"
    ents = [{"label": "VALUE", "start": 0, "end": 1, "text": "2", "rule": "value.number"},
            {"label": "UNIT", "start": 2, "end": 16, "text": "days per month", "rule": "unit.per_time"}]
    span = (0, text.index(" for"))
    assert _past_leading_quantity(text, span, ents, CONFIG) is None
    data = {k: v for k, v in CONFIG.to_dict().items()}
    data["leading_rate"] = {k: v for k, v in data["leading_rate"].items() if k != "units"}
    assert text[slice(*_past_leading_quantity(text, span, ents, TimeConfig.from_dict(data)))] == "cigarette"


def test_the_rate_words_after_a_leading_quantity_are_data():
    """The words that make a leading quantity a rate come from configs/time.json
    (``leading_rate``): without them the phrase after the quantity is an event."""
    from pipeline.components.constraints.temporal import _past_leading_quantity

    text = "5 cigs/day for last 6 months"
    ents = [{"label": "VALUE", "start": 0, "end": 1, "text": "5"}]
    span = (0, text.index(" for"))
    assert _past_leading_quantity(text, span, ents, CONFIG) is None
    data = {k: v for k, v in CONFIG.to_dict().items() if k != "leading_rate"}
    no_rates = TimeConfig.from_dict(data)
    assert text[slice(*_past_leading_quantity(text, span, ents, no_rates))] == "cigs/day"
    data["leading_rate"] = {"right_after": "each\\b", "after_one_word": "per\\b"}
    assert text[slice(*_past_leading_quantity(text, span, ents, TimeConfig.from_dict(data)))] == "cigs/day"


def test_the_window_candidate_test_agrees_with_number_then_unit():
    """The candidate test looks behind a unit for the number: it passes exactly where a number
    (a digit or a number word) and then a time unit stand (the master pattern's precondition)."""
    import regex

    cfg = CONFIG
    forward = regex.compile(cfg.candidate.pattern.replace("(?<=(?:\\d|", "(?:\\d|", 1)
                            .replace("[\\s-]*)(?:", "[\\s-]*(?:", 1), regex.IGNORECASE)
    assert forward.pattern != cfg.candidate.pattern
    for text in ["within 6 months", "5days", "a year ago", "one-year", "ten- days", "an hour", "today",
                 "hay", "12 h", "3 half-lives", "alpha day", "aged 18 YEARS", "one -year", "2 - wk", "nine",
                 "2 or more weeks", "8 consecutive weeks", "6 or more consecutive days", "or more weeks"]:
        assert (cfg.candidate.search(text) is not None) == (forward.search(text) is not None), text


def test_a_bare_window_without_a_cessation_word_stays_a_window_up_to_it():
    # a comma stands between the cue and the window: the window is the chemotherapy's
    found = constraints("Stopped metformin; had chemotherapy 2 weeks before screening")
    assert [(c["lower"], c["upper"]) for c in found] == [(None, {"value": 2, "inclusive": True})]
    # a comparator decides the side, whatever the word before
    found = constraints("radiotherapy completed within 2 weeks prior to randomization")
    assert [(c["lower"], c["upper"]) for c in found] == [(None, {"value": 2, "inclusive": True})]


def test_an_acronym_aside_inside_a_list_keeps_its_item():
    text = ("Had a myocardial infarction (MI), acute coronary syndrome or cardiac surgery within 30 days prior to "
            "entry into the study.")
    assert [c["subject_text"] for c in constraints(text)] == [
        "myocardial infarction (MI)", "acute coronary syndrome", "cardiac surgery"]


@pytest.mark.parametrize("text,aside", [
    ("Stable (the same) address and phone number within the last 6 months", "(the same)"),  # function words
    ("No more than 14 drinks per week (if male) or 7 drinks a week (if female) in the last 2 years",
     "(if male)"),  # a boundary word inside
])
def test_other_asides_stay_boundaries(text, aside):
    assert all(aside not in c["subject_text"] for c in constraints(text))


@pytest.mark.parametrize("text,subjects", [
    # a noun with an adjective's ending still splits
    ("Participation in another clinical trial or investigational drug study within 30 days",
     ["in another clinical trial", "investigational drug study"]),
    ("Acute coronary or cerebrovascular event within 90 days before randomisation",
     ["Acute coronary or cerebrovascular event"]),
])
def test_adjective_conjuncts_share_the_head(text, subjects):
    assert [c["subject_text"] for c in constraints(text)] == subjects


def test_leading_function_words_after_since_take_no_room_of_the_event():
    text = "At least 28 days since prior and no concurrent full-dose anticoagulants or thrombolytic agents"
    assert [c["subject_text"] for c in constraints(text)] == ["concurrent full-dose anticoagulants",
                                                              "thrombolytic agents"]


@pytest.mark.parametrize("text,value,unit", [
    ("Any intraocular surgery within three (3) months of trial entry", 3, "mo"),
    ("Donation of blood within eight (8) weeks prior to initial dosing", 8, "wk"),
    ("Supplements with omega-3 fatty acids within sixty (60) days of the screening visit", 60, "d"),
])
def test_a_number_repeated_in_brackets_is_one_number(text, value, unit):
    (c,) = constraints(text)
    assert c["upper"] == {"value": value, "inclusive": True} and c["unit"] == unit


@pytest.mark.parametrize("text,subjects", [
    ("Patients who have received omalizumab [Xolair] within 130 days of Visit 1.", ["omalizumab [Xolair]"]),
    ("has taken any monoamine oxidase [MAO] inhibitor within 21 days", ["monoamine oxidase [MAO] inhibitor"]),
])
def test_square_bracketed_asides_are_stepped_over_as_round_ones(text, subjects):
    assert [c["subject_text"] for c in constraints(text)] == subjects


@pytest.mark.parametrize("text,subjects", [
    ("use of corticosteroids or calcineurin antagonists or phototherapy in the previous 4 weeks",
     ["corticosteroids", "calcineurin antagonists", "phototherapy"]),
    ("More than 4 weeks since prior immunotherapy or biologic therapy", ["immunotherapy", "biologic therapy"]),
    # a one-word modifier still shares the head
    ("Alcohol or substance abuse within 2 years", ["Alcohol or substance abuse"]),
    ("radiation therapy to the abdomen or pelvis in the week prior to Visit 1", ["radiation therapy to the abdomen or pelvis"]),
])
def test_one_word_nouns_are_conjuncts_of_their_own(text, subjects):
    assert [c["subject_text"] for c in constraints(text)] == subjects


@pytest.mark.parametrize("text,event,value,unit", [
    ("The subject has taken an oral anti-diabetic monotherapy or insulin for more than 14 days in the past 6 months.",
     "oral anti-diabetic monotherapy or insulin", 6, "mo"),
    ("Patients with a history of antibiotic treatment for more than 1 month within the last 6 months",
     "antibiotic treatment", 6, "mo"),
    ("Index knee pain for > 15 days, over the last month", "Index knee pain", 1, "mo"),
])
def test_a_window_right_after_a_duration_dates_its_events(text, event, value, unit):
    found = constraints(text)
    assert [(c["category"], c["subject_text"]) for c in found] == [("duration", event), ("temporal", event)]
    window = found[1]
    assert window["upper"] == {"value": value, "inclusive": True} and window["lower"] is None
    assert window["unit"] == unit and "time.after_duration" in window["rules"]


def test_an_alternative_after_such_a_window_is_a_window_too():
    found = constraints("Received treatment for more than 7 days within 4 weeks or 8 weeks prior to Screening.")
    assert [(c["category"], c["subject_text"], c["unit"]) for c in found] == [
        ("duration", "treatment", "d"), ("temporal", "treatment", "wk"), ("temporal", "treatment", "wk")]
    assert [c["upper"]["value"] for c in found[1:]] == [4, 8]


def test_a_window_after_a_duration_with_words_between_keeps_its_own_event():
    found = constraints("Treatment for at least 3 months, and any surgery within 4 weeks")
    assert [(c["category"], c["subject_text"]) for c in found] == [("duration", "Treatment"), ("temporal", "surgery")]


@pytest.mark.parametrize("text,event,value,unit", [
    ("Within 2 weeks a blood transfusion", "blood transfusion", 2, "wk"),
    ("Subject is currently taking or has taken within 6 weeks prior to screening an antidepressant medication; or lithium",
     "antidepressant medication", 6, "wk"),
    ("History within 6 months of Screening of acute or unstable cardiac condition",
     "acute or unstable cardiac condition", 6, "mo"),
    ("Experienced during the last month an exacerbation requiring hospitalization",
     "exacerbation requiring hospitalization", 1, "mo"),
])
def test_a_window_with_nothing_before_dates_the_phrase_after(text, event, value, unit):
    found = constraints(text)
    assert [(c["subject_text"], c["upper"]["value"], c["unit"]) for c in found] == [(event, value, unit)]
    assert found[0]["category"] == "temporal"


@pytest.mark.parametrize("text", [
    "Within 6 months prior to Screening and after confirmed suppression",  # a coordinator opens what follows
    "except in the 4-hour period prior to spirometry testing",  # the window's own period, then its marker
    "Less than 15 days with headache per month",  # no window comparator, no marker
])
def test_no_event_after_a_window_in_these(text):
    assert constraints(text) == []


def test_a_window_opening_a_lab_criterion_dates_the_measurement(nlp):
    doc = nlp("Within 4 weeks prior to registration, serum creatinine ≤ 1.5 mg/dL")
    found = [c for c in doc._.eligex["constraints"] if c["category"] == "temporal"]
    assert [(c["subject_text"], c["upper"]["value"], c["unit"], c["anchor"]) for c in found] == [
        ("serum creatinine", 4, "wk", "enrollment")]
    assert "time.event_after" in found[0]["rules"]


@pytest.mark.parametrize("text,event,values", [
    ("Surgery for scoliosis in the last 6 months from screening or planned within 6 months from screening",
     "Surgery for scoliosis", [6, 6]),
    ("major surgery within the prior 6 months or planned within the next 28 days;", "major surgery", [6, 28]),
    ("photocoagulation within 3 months prior to randomization or anticipated within the next 3 months",
     "photocoagulation", [3, 3]),
])
def test_a_planned_conjunct_with_its_own_window_dates_the_event_before(text, event, values):
    found = constraints(text)
    assert [(c["subject_text"], c["upper"]["value"]) for c in found] == [(event, v) for v in values]
    assert "time.plan_conjunct" in found[1]["rules"]


@pytest.mark.parametrize("text", [
    "Use within 12 weeks is not permitted.",  # a verb opens what follows
    "During the 28 days following the screening visit, the subject experiences ≤ 14 headache days",  # a quantity
    "Patients must not have taken within 14 days prior to registration, be taking, nor plan to take X",
    "(but not in the 3 months immediately prior to Visit 1): inhaled corticosteroids",
])
def test_no_event_after_a_window_before_a_verb_a_quantity_or_its_own_marker(text):
    assert constraints(text) == []


def test_a_bracketed_window_whose_reference_point_runs_to_the_bracket_dates_what_follows():
    found = constraints("Recent (within 6 months prior to study drug administration) history of alcohol abuse")
    assert [(c["subject_text"], c["upper"]["value"], c["anchor"]) for c in found] == [
        ("alcohol abuse", 6, "first dose")]


def test_a_window_after_the_following_dates_each_item_of_the_list_after_the_colon():
    text = ("History of any of the following cardiovascular conditions within the past 6 months: Cardiac "
            "angioplasty; myocardial infarction; unstable angina.")
    found = constraints(text)
    assert [(c["subject_text"], c["upper"]["value"]) for c in found] == [
        ("Cardiac angioplasty", 6), ("myocardial infarction", 6), ("unstable angina", 6)]
    assert all("time.event_after" in c["rules"] for c in found)


def test_the_items_after_the_colon_end_with_the_sentence():
    found = constraints("The following within 4 weeks: major surgery; radiotherapy. Other drugs; biologics")
    assert [c["subject_text"] for c in found] == ["major surgery", "radiotherapy"]


def test_a_list_after_a_colon_with_nothing_before_gives_each_item_its_window():
    found = constraints("Subject has received within 90 days of Screening Visit: electroconvulsive therapy; "
                        "vagal nerve stimulation")
    assert [(c["subject_text"], c["upper"]["value"], c["anchor"]) for c in found] == [
        ("electroconvulsive therapy", 90, "screening"), ("vagal nerve stimulation", 90, "screening")]


def test_the_implied_one_gate_passes_wherever_its_pattern_matches():
    """``one_comparator`` (a singular unit with a comparator behind it) is looked for before the
    implied-one pattern runs: it is true on every text that pattern matches, on real criteria
    (the LCT texts and their upper-cased forms) and on this file's windows, and false elsewhere
    on most texts that pass ``one_candidate``."""
    lct = ROOT / "annotations" / "external" / "lct"
    texts = [line for path in sorted(lct.rglob("*.txt"))[::3]
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts += [row[0] for row in WINDOWS] + ["in the\n  past year", "WITHIN THE LAST MONTH", "during a day"]
    texts += [t.upper() for t in texts]
    matched = passed = 0
    for text in texts:
        if not CONFIG.one_candidate.search(text):
            continue
        passed += 1
        if any(m.group("cmp") is not None for m in CONFIG.master_one.finditer(text)):
            matched += 1
            assert CONFIG.one_comparator.search(text), text
    assert matched >= 10
    assert sum(bool(CONFIG.one_comparator.search(t)) for t in texts) < passed / 2


def test_which_alternative_matched():
    import regex

    from pipeline.components.constraints.temporal import _which

    m = regex.match(r"(?:(?P<u0>a)|(?P<u1>b)|(?P<u2>c))(?P<v0>x)?", "c")
    assert _which(m, "u", [{}, {}, {}]) == 2
    assert _which(m, "v", [{}]) is None and _which(regex.match(r"(?P<v0>x)", "x"), "v", [{}]) == 0
    assert _which(m, "w", []) is None
