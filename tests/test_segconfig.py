"""configs/segmentation.json: the segmenter's word lists and limits, checked by their schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.ingest.lines import ENUMERATOR_RE, physical_lines, wrap_width
from pipeline.ingest.segconfig import SEGMENTATION, load_segmentation
from pipeline.rules.loading import RuleError

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("line,marker", [
    ("1. Age", "1."), ("1\\. Skin", "1\\."), ("2, muscle", "2,"), ("(1) x", "(1)"), ("① y", "①"),
    ("a. x", "a."), ("(ii) x", "(ii)"), ("a- x", "a-"), ("o Text", "o"), ("* x", "*"), ("• x", "•"),
    ("1.5 mg/dL", None), ("Age ≥ 18", None), ("ok then", None),
])
def test_enumerators_from_the_config(line, marker):
    m = ENUMERATOR_RE.match(line)
    assert (m.group().strip() if m else None) == marker


def test_the_limits_are_the_config_s():
    long_line = "x" * (SEGMENTATION.max_wrap_width + 1)
    assert wrap_width(list(physical_lines(f"{long_line}\nshort\n"))) is None


def test_a_misspelt_key_is_an_error_naming_file_and_line(tmp_path):
    data = json.loads((ROOT / "configs" / "segmentation.json").read_text(encoding="utf-8"))
    data["bulets"] = data.pop("bullets")
    path = tmp_path / "segmentation.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(RuleError) as err:
        load_segmentation(path)
    assert "segmentation.json" in str(err.value)


def test_criterion_ids_name_the_section_as_the_config_says():
    from pipeline.ingest.sections import SECTION_ABBR, split_criteria
    parts = json.loads((ROOT / "configs" / "segmentation.json").read_text(encoding="utf-8"))["criterion_id_sections"]
    assert SECTION_ABBR == {"inclusion": parts["inclusion"], "exclusion": parts["exclusion"], None: parts["none"]}
    assert [c.criterion_id for c in split_criteria("Age 18 or older", [], "NCT1")] == [f"NCT1-{parts['none']}-01"]


@pytest.mark.parametrize("change", [lambda p: p.pop("none"), lambda p: p.update(inclusion="in-c"),
                                    lambda p: p.update(stop="stp")])
def test_criterion_id_sections_are_checked(tmp_path, change):
    data = json.loads((ROOT / "configs" / "segmentation.json").read_text(encoding="utf-8"))
    change(data["criterion_id_sections"])
    path = tmp_path / "segmentation.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(RuleError, match="segmentation.json"):
        load_segmentation(path)


def test_heading_colons_are_the_config_s():
    from pipeline.ingest.sections import COLONS, normalise_heading
    data = json.loads((ROOT / "configs" / "segmentation.json").read_text(encoding="utf-8"))
    assert COLONS == tuple(data["heading_colons"]) and "：" in COLONS  # the full-width colon too
    assert normalise_heading("PATIENT CHARACTERISTICS：") == normalise_heading("Patient characteristics:") \
        == "patient characteristics"
