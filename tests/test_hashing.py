"""pipeline.rules.hashing: the rule-set hash that stamps every evaluation run."""

from __future__ import annotations

import re

import pytest
from report_records import REPO

from pipeline.rules.hashing import rule_files, rules_hash


def test_rules_hash_is_stable_and_sees_edits_renames_and_new_files(tmp_path):
    (tmp_path / "entities").mkdir()
    (tmp_path / "a.json").write_text('{"x": 1}')
    (tmp_path / "entities" / "b.jsonl").write_text('{"id": "r1"}\n')
    (tmp_path / "notes.txt").write_text("not a rule file")
    (tmp_path / ".hidden.json").write_text("{}")
    h = rules_hash(tmp_path)
    assert re.fullmatch(r"[0-9a-f]{64}", h)
    assert h == rules_hash(tmp_path)
    assert [p.name for p in rule_files(tmp_path)] == ["a.json", "b.jsonl"]
    (tmp_path / "notes.txt").write_text("changed, still not a rule file")
    assert rules_hash(tmp_path) == h
    (tmp_path / "entities" / "b.jsonl").write_text('{"id": "r2"}\n')
    edited = rules_hash(tmp_path)
    assert edited != h
    (tmp_path / "entities" / "b.jsonl").rename(tmp_path / "entities" / "c.jsonl")
    assert rules_hash(tmp_path) != edited
    (tmp_path / "d.cfg").write_text("[x]")
    assert len({h, edited, rules_hash(tmp_path)}) == 3


def test_rules_hash_of_the_repository_configs_and_a_missing_folder(tmp_path):
    files = rule_files(REPO / "configs")
    assert any(p.name == "eligex.cfg" for p in files) and any(p.parent.name == "entities" for p in files)
    assert rules_hash(REPO / "configs") == rules_hash(REPO / "configs")
    with pytest.raises(FileNotFoundError, match="no such rules folder"):
        rules_hash(tmp_path / "nope")
