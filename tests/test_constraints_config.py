"""configs/constraints.json against its schema (pipeline/rules/schemas/constraints_config.json): checked
by ``validate_configs`` (``eligex rules validate``) and when the component initializes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import spacy

from pipeline.components.constraints.component import ConstraintAssembler
from pipeline.rules.loading import RuleError, validate_configs

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


@pytest.fixture
def configs_copy(tmp_path):
    return Path(shutil.copytree(CONFIGS, tmp_path / "configs"))


def _edit(configs: Path, change) -> Path:
    path = configs / "constraints.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def test_shipped_constraints_config_is_valid():
    assert [p for p in validate_configs(CONFIGS) if "constraints.json" in p.path] == []


@pytest.mark.parametrize(("change", "key"), [
    (lambda d: d.update(coordinator=["and"]), "coordinator"),            # misspelt key
    (lambda d: d.update(subject_max_tokens="5"), "subject_max_tokens"),   # wrong type
    (lambda d: d["value_words"].update(dozen="twelve"), "value_words/dozen"),
    (lambda d: d["value_followers"].append(""), "value_followers/"),
    (lambda d: d.update(coordinators_coment="typo"), "coordinators_coment"),
    (lambda d: d.update(quantity_filler=["of"]), "quantity_filler"),              # misspelt new keys
    (lambda d: d.update(negated_phrase_stop=[","]), "negated_phrase_stop"),
    (lambda d: d.update(chain_ands=[["and"]]), "chain_ands"),
    (lambda d: d.update(temporal_stop=["TEMPORAL"]), "temporal_stop"),
    (lambda d: d.update(chain_or=["or"]), "chain_or"),                            # a link is a list of words
    (lambda d: d["age_units"].append(""), "age_units/"),
])
def test_bad_constraints_config_names_file_line_and_key(configs_copy, change, key):
    path = _edit(configs_copy, change)
    problems = [p for p in validate_configs(configs_copy) if p.path == str(path)]
    assert len(problems) == 1, problems
    name = key.split("/")[0]
    assert name in problems[0].message
    written = key.rstrip("/").split("/")[-1]  # the line of the offending key itself
    assert f'"{written}"' in path.read_text(encoding="utf-8").splitlines()[problems[0].line - 1]


@pytest.mark.parametrize("change", [lambda d: d.update(comment="free text"),
                                    lambda d: d.update(coordinators_comment="why")])
def test_comments_are_allowed(configs_copy, change):
    path = _edit(configs_copy, change)
    assert [p for p in validate_configs(configs_copy) if p.path == str(path)] == []


def test_component_refuses_a_bad_config_at_initialize(configs_copy):
    path = _edit(configs_copy, lambda d: d.update(coordinator=["and"]))
    component = ConstraintAssembler(spacy.blank("en"))
    with pytest.raises(RuleError, match="coordinator"):
        component.initialize(config_path=str(path), units_path=str(configs_copy / "units.json"))


def test_assembly_config_carries_the_word_lists_and_round_trips():
    from pipeline.components.constraints.config import AssemblyConfig
    data = json.loads((CONFIGS / "constraints.json").read_text(encoding="utf-8"))
    config = AssemblyConfig.from_dict(data)
    for key in ("quantity_fillers", "negated_phrase_stops", "negated_phrase_skip", "negated_phrase_skip_back",
                "age_units", "timeless_categories", "temporal_stops"):
        assert getattr(config, key) == data[key] and data[key], key
    assert config.chain_and == [tuple(link) for link in data["chain_and"]]
    assert config.chain_max_words == max(len(link) for link in data["chain_and"] + data["chain_or"])
    again = AssemblyConfig.from_dict(config.to_dict())
    assert again.to_dict() == config.to_dict()
    assert again.chain_links == config.chain_links and again.phrase_words == config.phrase_words


LIMITS = {"left_subject_max_gap": 8, "right_subject_max_gap": 6, "temporal_max_gap": 8,
          "negated_phrase_max": 5, "count_lookahead": 24}


def test_limits_are_factory_config(nlp):
    from pipeline.components.constraints.config import AssemblyLimits
    cfg = nlp.config["components"]["eligex_constraints"]
    assert {k: cfg[k] for k in LIMITS} == LIMITS == AssemblyLimits().to_dict()
    pipe = nlp.get_pipe("eligex_constraints")
    assert pipe.config.limits == pipe.limits == AssemblyLimits(**LIMITS)
    assert pipe.config.phrase_words.max_words == 5
    assert "limits" not in pipe.config.to_dict()  # not rule data: constraints.json has no such key


def test_flagged_entity_rules_reach_the_assembly(nlp):
    """Rules are tested by their flags in configs/entities, not by their ids."""
    assert nlp.get_pipe("eligex_constraints").config.age_cue_rules == frozenset({"meas.age.implicit"})


def test_limits_round_trip_through_the_saved_model(tmp_path):
    nlp = spacy.blank("en")
    changed = dict(LIMITS, left_subject_max_gap=3, negated_phrase_max=2, count_lookahead=10)
    pipe = nlp.add_pipe("eligex_constraints", config=changed)
    pipe.initialize(config_path=str(CONFIGS / "constraints.json"), units_path=str(CONFIGS / "units.json"),
                    time_path=str(CONFIGS / "time.json"), counts_path=str(CONFIGS / "counts.json"),
                    grades_path=str(CONFIGS / "grades.json"), entity_rules_path=str(CONFIGS / "entities"))
    assert pipe.config.limits.to_dict() == changed
    nlp.to_disk(tmp_path / "model")
    loaded = spacy.load(tmp_path / "model").get_pipe("eligex_constraints")
    assert loaded.config.limits.to_dict() == changed and loaded.config.phrase_words.max_words == 2
    assert loaded.config.to_dict() == pipe.config.to_dict()
    assert loaded.config.age_cue_rules == pipe.config.age_cue_rules == frozenset({"meas.age.implicit"})
