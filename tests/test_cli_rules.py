"""``eligex rules validate`` (schema problems, --examples) and ``eligex rules stats``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli.main import app

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


def write_jsonl(path: Path, lines) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)
                              for line in lines) + "\n", encoding="utf-8")
    return path


# ----------------------------------------------------------------------------------------------
# validate
# ----------------------------------------------------------------------------------------------

def test_validate_names_file_line_and_rule_id(runner, tmp_path):
    bad = write_jsonl(tmp_path / "entities" / "bad.jsonl", [
        {"id": "meas.good", "label": "MEASUREMENT", "phrases": ["hemoglobin"]},
        {"id": "meas.unknown_key", "label": "MEASUREMENT", "phrases": ["x"], "colour": "red"},
        {"id": "meas.bad_regex", "label": "MEASUREMENT", "regex": "(unclosed"},
        {"id": "meas.good", "label": "MEASUREMENT", "phrases": ["haemoglobin"]},
        {"id": "meas.bad_label", "label": "LAB", "phrases": ["y"]},
        {"id": "meas.bad_flag", "label": "MEASUREMENT", "phrases": ["old"], "flags": ["age_cues"]},
    ])
    result = runner.invoke(app, ["rules", "validate", "--configs", str(tmp_path)])
    assert result.exit_code == 1
    lines = result.output.splitlines()

    def problem(line_no: int, rule_id: str) -> str:
        prefix = f"{bad}:{line_no} [{rule_id}]: "
        hits = [ln for ln in lines if ln.startswith(prefix)]
        assert hits, f"no problem reported for {prefix!r} in:\n{result.output}"
        return " ".join(hits)

    assert "colour" in problem(2, "meas.unknown_key")
    assert "bad regex" in problem(3, "meas.bad_regex")
    assert "duplicate rule id" in problem(4, "meas.good") and f"{bad}:1" in problem(4, "meas.good")
    assert "LAB" in problem(5, "meas.bad_label")
    assert "age_cues" in problem(6, "meas.bad_flag")  # flags are a closed list
    assert not any(ln.startswith(f"{bad}:1 ") for ln in lines)


@pytest.fixture()
def configs_copy(tmp_path):
    """A copy of configs/ whose entity rules are only the test's own."""
    dst = tmp_path / "configs"
    shutil.copytree(ROOT / "configs", dst)
    shutil.rmtree(dst / "entities")
    return dst


EXAMPLE_RULES = [
    {"id": "meas.hb", "label": "MEASUREMENT", "phrases": ["hemoglobin", "haemoglobin"],
     "examples": ["hemoglobin ≥60g/L", "Hb ≥ 9 g/dL"], "not_examples": ["haemoglobin A1c", "Hb-free"]},
    {"id": "value.num", "label": "VALUE", "regex": "\\d+", "examples": ["60"], "not_examples": ["sixty"]},
    {"id": "cmp.ge", "label": "COMPARATOR", "regex": "≥", "examples": ["≥ 5"]},
]


def test_validate_examples(runner, configs_copy):
    rules = write_jsonl(configs_copy / "entities" / "rules.jsonl", EXAMPLE_RULES)
    result = runner.invoke(app, ["rules", "validate", "--configs", str(configs_copy), "--examples"])
    assert result.exit_code == 1
    lines = [ln for ln in result.output.splitlines() if ln.startswith(str(rules))]
    assert len(lines) == 2, result.output
    assert lines[0].startswith(f"{rules}:1 [meas.hb]: example 'Hb ≥ 9 g/dL' gives no MEASUREMENT span")
    assert lines[1].startswith(f"{rules}:1 [meas.hb]: not_example 'haemoglobin A1c' gives MEASUREMENT 'haemoglobin'")

    # without --examples the examples are not run
    plain = runner.invoke(app, ["rules", "validate", "--configs", str(configs_copy)])
    assert plain.exit_code == 0, plain.output


def test_validate_examples_pass(runner, configs_copy):
    rules = [dict(r) for r in EXAMPLE_RULES]
    rules[0]["examples"] = ["hemoglobin ≥60g/L"]
    rules[0]["not_examples"] = ["Hb-free"]
    write_jsonl(configs_copy / "entities" / "rules.jsonl", rules)
    result = runner.invoke(app, ["rules", "validate", "--configs", str(configs_copy), "--examples"])
    assert result.exit_code == 0, result.output
    assert "5 examples/not_examples pass" in result.output


def test_validate_examples_reports_a_rule_beaten_by_another(runner, configs_copy):
    # "platelet count" is matched by the longer, higher-priority rule: the short rule's example fails
    rules = write_jsonl(configs_copy / "entities" / "rules.jsonl", [
        {"id": "meas.platelets", "label": "MEASUREMENT", "phrases": ["platelet count"]},
        {"id": "cue.count", "label": "CUE", "phrases": ["count"], "examples": ["platelet count"]},
    ])
    result = runner.invoke(app, ["rules", "validate", "--configs", str(configs_copy), "--examples"])
    assert result.exit_code == 1
    assert (f"{rules}:2 [cue.count]: example 'platelet count' gives no CUE span by this rule "
            f"(got: MEASUREMENT 'platelet count' by meas.platelets)") in result.output


@pytest.mark.parametrize("name,mistake,key,record", [
    ("tokenizer.json", lambda d: d.__setitem__("keep_hole", d.pop("keep_whole")), "keep_hole", None),
    ("tokenizer.json", lambda d: d.__setitem__("comparator", ["≥"]), "comparator", None),
    ("units.json", lambda d: d["units"][1].__setitem__("alaises", ["gm/dl"]), "alaises", "g/dL"),
    ("units.json", lambda d: d.__setitem__("pint_definiton", []), "pint_definiton", None),
    ("labels.json", lambda d: d["entity_priority"]["labels"].__setitem__("VALEU", 5), "VALEU", None),
    ("shapes.json", lambda d: d.__setitem__("link_word", d.pop("link_words")), "link_word", None),
    ("lct.json", lambda d: d["headings"][0].__setitem__("regexp", "x"), "regexp", None),
    ("context_flags.json", lambda d: d["categories"]["FAMILY"].__setitem__("vaule", True), "vaule", None),
    ("time.json", lambda d: d["comparators"][0].__setitem__("windw", True), "windw", None),
])
def test_validate_names_file_line_and_key_of_a_misspelt_config_key(runner, configs_copy, name, mistake, key, record):
    path = configs_copy / name
    data = json.loads(path.read_text(encoding="utf-8"))
    mistake(data)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    line = 1 + next(i for i, ln in enumerate(path.read_text(encoding="utf-8").splitlines()) if f'"{key}"' in ln)
    result = runner.invoke(app, ["rules", "validate", "--configs", str(configs_copy)])
    assert result.exit_code == 1
    hits = [ln for ln in result.output.splitlines() if ln.startswith(f"{path}:{line}" + (f" [{record}]" if record else ""))]
    assert len(hits) == 1 and key in hits[0], result.output


# ----------------------------------------------------------------------------------------------
# stats
# ----------------------------------------------------------------------------------------------

def tiny_gold(tmp_path: Path) -> Path:
    #       0         1
    #       01234567890123456
    hb = "hemoglobin ≥60g/L"
    return write_jsonl(tmp_path / "gold.jsonl", [
        {"trial_id": "T1", "criterion_id": "T1-inc-01", "section": "inclusion", "text": hb,
         "entities": [{"id": 1, "label": "MEASUREMENT", "start_offset": 0, "end_offset": 10},
                      {"id": 2, "label": "COMPARATOR", "start_offset": 11, "end_offset": 12},
                      {"id": 3, "label": "VALUE", "start_offset": 12, "end_offset": 14},
                      {"id": 4, "label": "UNIT", "start_offset": 14, "end_offset": 17}],
         "relations": [],
         "constraints": [{"subject": "hemoglobin", "subject_span": [0, 10], "category": "lab",
                          "lower": {"value": 60, "inclusive": True}, "upper": None, "unit": "g/L",
                          "scale_max": None, "condition": None, "negated": False}]},
        # nothing to annotate in gold: everything the pipeline finds here is a false positive
        {"trial_id": "T1", "criterion_id": "T1-inc-02", "section": "inclusion", "text": "platelet count ≥30×109/L",
         "entities": [], "relations": [], "constraints": []},
    ])


def test_stats_on_a_tiny_gold(runner, tmp_path):
    gold = tiny_gold(tmp_path)
    out = tmp_path / "stats.json"
    result = runner.invoke(app, ["rules", "stats", "--gold", str(gold), "--json", str(out)])
    assert result.exit_code == 0, result.output
    table = json.loads(out.read_text(encoding="utf-8"))
    rows = {r["rule"]: r for r in table["rules"]}

    hb = rows["meas.hemoglobin"]
    assert (hb["tp"], hb["fp"], hb["constraint_tp"], hb["constraint_fp"]) == (1, 0, 1, 0)
    plt = rows["meas.platelets"]
    assert (plt["tp"], plt["fp"], plt["constraint_tp"], plt["constraint_fp"]) == (0, 1, 0, 1)
    assert plt["fp_examples"] and plt["fp_examples"][0].startswith("T1-inc-02:")
    ge = rows["cmp.ge_symbol"]
    assert (ge["tp"], ge["fp"], ge["constraint_tp"], ge["constraint_fp"]) == (1, 1, 1, 1)
    assert rows["value.number"]["fp"] == 1
    path, line = hb["source"].rsplit(":", 1)
    assert path.endswith("measurement.jsonl")
    defining = (ROOT / "configs" / "entities" / "measurement.jsonl").read_text(encoding="utf-8").splitlines()[int(line) - 1]
    assert json.loads(defining)["id"] == "meas.hemoglobin"

    # worst first: every rule with a false positive comes before every rule without one
    fps = [r["fp"] for r in table["rules"]]
    assert fps == sorted(fps, reverse=True)
    order = [r["rule"] for r in table["rules"]]
    assert order.index("meas.platelets") < order.index("meas.hemoglobin")

    never = {r["rule"] for r in table["never_fired"]}
    assert "meas.hemoglobin" not in never and "meas.platelets" not in never
    first_score = json.loads((ROOT / "configs" / "entities" / "score.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert first_score["id"] in never
    assert all(r["source"] and ":" in r["source"] for r in table["never_fired"])

    # the terminal view: the false positives first, then the rules that never fired
    text = result.stdout
    assert text.index("meas.platelets") < text.index("meas.hemoglobin")
    assert "never fired on this gold" in text


def test_stats_bad_gold(runner, tmp_path):
    result = runner.invoke(app, ["rules", "stats", "--gold", str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 2
    assert "no such file" in result.output
