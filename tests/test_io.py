"""pipeline.core.io: the one atomic writer."""

import os

import pytest

from pipeline.core.io import OutputError, check_target, write_atomic


def test_write_atomic_leaves_no_temp_file_and_normal_permissions(tmp_path):
    target = tmp_path / "r.html"
    write_atomic(target, "one")
    write_atomic(target, "two")
    assert target.read_text() == "two"
    assert os.listdir(tmp_path) == ["r.html"]
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_write_atomic_failure_keeps_the_old_report(tmp_path, monkeypatch):
    target = tmp_path / "r.html"
    target.write_text("old report")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, "new report")
    assert target.read_text() == "old report"
    assert os.listdir(tmp_path) == ["r.html"]


def test_write_atomic_missing_folder(tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        write_atomic(tmp_path / "no" / "r.html", "x")
    assert not (tmp_path / "no").exists()


def test_write_atomic_replaces(tmp_path):
    target = tmp_path / "a.html"
    target.write_text("old", encoding="utf-8")
    write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["a.html"]


def test_write_atomic_creates_folders_when_asked(tmp_path):
    target = tmp_path / "a" / "b" / "r.html"
    write_atomic(target, "x", parents=True)
    assert target.read_text(encoding="utf-8") == "x"


def test_check_target_refuses_a_folder(tmp_path):
    with pytest.raises(OutputError, match="is a folder"):
        check_target(tmp_path, "--html")
