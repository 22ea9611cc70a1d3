"""ConText rules: negation, result polarity, exceptions, history, termination."""

import pytest


def ent(rec, text):
    return next(e for e in rec["entities"] if e["text"] == text)


@pytest.mark.parametrize("text,target", [
    ("no obvious abnormality in electrocardiogram", "electrocardiogram"),
    ("patients without interstitial lung disease", "interstitial lung disease"),
    ("absence of tuberculosis", "tuberculosis"),
])
def test_negated(run, text, target):
    rec = run(text)
    assert ent(rec, target)["negated"] is True
    negs = [e for e in rec["entities"] if e["label"] == "NEGATION"]
    assert negs and all(e["rule"].startswith("neg.") for e in negs)
    ids = {e["id"]: e for e in rec["entities"]}
    assert any(r["type"] == "negates" and ids[r["to"]]["text"] == target for r in rec["relations"])


@pytest.mark.parametrize("text", [
    "hemoglobin no less than 9 g/dL",        # comparator, not negation
    "hemoglobin not less than 9 g/dL",
    "hemoglobin no more than 16 g/dL",
    "including but not limited to active tuberculosis",
])
def test_not_negated(run, text):
    rec = run(text)
    assert not any(e["label"] == "NEGATION" for e in rec["entities"])
    assert not any(e.get("negated") for e in rec["entities"])


def test_negation_scope_ends_at_semicolon(run):
    rec = run("no obvious abnormality in electrocardiogram; Hematology: hemoglobin ≥60g/L")
    assert ent(rec, "electrocardiogram")["negated"] is True
    assert rec["constraints"][0]["subject"] == "hemoglobin"
    assert rec["constraints"][0]["negated"] is False


def test_result_polarity_is_a_value_not_a_negation(run):
    rec = run("negative urine pregnancy test and hepatitis C positive")
    assert not any(e["label"] == "NEGATION" for e in rec["entities"])
    hcv = ent(rec, "hepatitis C")
    assert hcv["result"] == "positive" and hcv["negated"] is False


def test_exception_and_history(run):
    rec = run("Have other autoimmune or rheumatic diseases other than JDM;")
    assert ent(rec, "JDM")["exception"] is True
    rec = run("Patients with history of myocardial infarction")
    assert ent(rec, "myocardial infarction")["historical"] is True


def test_negated_phrase_without_entity(run):
    rec = run("Have criteria for blood collection, and no other contraindications for cell collection;")
    neg = [e for e in rec["entities"] if e["label"] == "NEGATION"]
    assert [(e["text"], e["target_text"]) for e in neg] == [("no", "contraindications")]


def test_consent_negation_not_reported(run):
    assert not any(e["label"] == "NEGATION" for e in run("Patients who do not give informed consent")["entities"])


def test_abbreviation_lends_label_to_unknown_short_form(run):
    rec = run("Zubrod Functional Rating Index (ZFRI) of 2 or less; ZFRI ≥ 1 at baseline")
    pairs = [(a["long_text"], a["short_text"]) for a in rec["abbreviations"]]
    assert ("Zubrod Functional Rating Index", "ZFRI") in pairs
    short = [e for e in rec["entities"] if e["text"] == "ZFRI"]
    assert short and all(e["label"] == "SCORE" and e["rule"].startswith("abbrev.") for e in short)


def test_abbreviation_pairs_recorded(run):
    rec = run("Systemic Lupus Erythematosus (SLE), EULAR/ACR 2019 standard;")
    assert [(a["long_text"], a["short_text"]) for a in rec["abbreviations"]] == [("Systemic Lupus Erythematosus", "SLE")]


def test_context_runs_only_where_a_rule_can_match():
    """A literal rule needs all its words, a pattern rule its first word (pipeline/components/context.py)."""
    from pipeline.components.context import cue_words, may_match
    from pipeline.components.tokenizer import EligexTokenizer
    from spacy.vocab import Vocab

    rules = [
        {"literal": "in case of", "category": "HYPOTHETICAL", "direction": "FORWARD"},
        {"literal": "no", "category": "NEGATED_EXISTENCE", "direction": "FORWARD"},
        {"literal": ";", "category": "TERMINATE", "direction": "TERMINATE"},
        {"literal": "x", "pattern": [{"LOWER": {"IN": ["denies", "denied"]}}, {"LOWER": "any"}],
         "category": "NEGATED_EXISTENCE", "direction": "FORWARD"},
    ]
    make_doc = EligexTokenizer(Vocab())
    index = cue_words(rules, make_doc, {"TERMINATE", "PSEUDO"})
    assert not may_match(index, {"in", "patients", "with", "sle", ";"})  # "in" alone, a TERMINATE cue
    assert may_match(index, {"of", "in", "case", "pregnancy"})
    assert may_match(index, ["no", "fever"]) and may_match(index, {"denied"})
    assert cue_words(rules + [{"literal": "x", "pattern": [{"LOWER": "a", "OP": "?"}],
                               "category": "NEGATED_EXISTENCE", "direction": "FORWARD"}], make_doc, {"TERMINATE"}) is None


def _flags_config() -> dict:
    import json
    from pathlib import Path

    return json.loads((Path(__file__).resolve().parents[1] / "configs" / "context_flags.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("mistake,message", [
    (lambda d: d.__setitem__("inert_categories", d.pop("inert")), "inert_categories"),
    (lambda d: d["categories"]["FAMILY"].__setitem__("flags", "family"), "flags"),
    (lambda d: d["categories"].__setitem__("NEGATED", {"flag": "negated", "value": True}), "NEGATED"),
    (lambda d: d["categories"]["FAMILY"].__setitem__("flag", "relatives"), "relatives"),
])
def test_a_bad_context_flags_file_is_an_error(tmp_path, mistake, message):
    import json

    from pipeline.components.context import ContextFlags
    from pipeline.rules.loading import RuleError

    data = _flags_config()
    mistake(data)
    path = tmp_path / "context_flags.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    with pytest.raises(RuleError) as err:
        ContextFlags.load(path)
    assert err.value.problems[0].path == str(path) and message in str(err.value)


def test_modifier_flags_come_from_the_flags_file():
    from pipeline.components.context import ContextFlags, apply_modifier_flags

    flags = ContextFlags.from_config(_flags_config())
    ent: dict = {}
    apply_modifier_flags(ent, ["NEGATED_EXISTENCE", "RESULT_POSITIVE", "TERMINATE"], flags)
    assert list(ent) == list(flags.defaults)  # every flag, in the file's order
    assert ent["negated"] is True and ent["result"] == "positive" and ent["family"] is False
    other = ContextFlags({"negated": False, "result": None}, {"FAMILY": ("negated", True)}, frozenset())
    ent = {}
    apply_modifier_flags(ent, ["FAMILY", "NEGATED_EXISTENCE"], other)
    assert ent == {"negated": True, "result": None}
