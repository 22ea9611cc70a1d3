"""pipeline.rules.sources: where each rule is defined."""

from rule_files import CONFIGS, defined_at

from pipeline.rules.sources import rule_definitions, rule_sources, source_of


def test_source_of_builtin_abbreviation_and_unknown_rules():
    assert source_of("shape.np_comparator_value", {}).startswith("built-in")
    assert source_of("nope", {}) is None
    assert source_of("abbrev.meas.x", {"meas.x": "configs/entities/m.jsonl:3"}) == "short form of configs/entities/m.jsonl:3"


def test_rule_sources_point_at_the_defining_line():
    sources = rule_sources(CONFIGS)
    assert sources["meas.lvef"].endswith(defined_at("meas.lvef"))
    assert sources["neg.no"].endswith(defined_at("neg.no"))


def test_rule_definitions_give_kind_and_label():
    defined = rule_definitions(CONFIGS)
    assert defined["meas.lvef"]["kind"] == "entity" and defined["meas.lvef"]["label"] == "MEASUREMENT"
    assert defined["neg.no"] == {"kind": "context", "label": "NEGATED_EXISTENCE", "source": defined["neg.no"]["source"]}
    assert defined["neg.no"]["source"].endswith(defined_at("neg.no"))
