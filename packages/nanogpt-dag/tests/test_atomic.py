"""atomic_write: the file appears whole, readable, and a failed write leaves the old one."""

import pytest
from nanogpt_dag import atomic_write


def test_the_written_file_replaces_the_old_one_with_mode_0644(tmp_path):
    path = tmp_path / "LATEST"
    path.write_text("old")
    atomic_write(path, lambda tmp: tmp.write_text("new"))
    assert path.read_text() == "new"
    assert path.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["LATEST"]


def test_the_temporary_file_keeps_the_suffix(tmp_path):
    seen = []
    atomic_write(tmp_path / "metrics.png", lambda tmp: seen.append(tmp.suffix) or tmp.touch())
    assert seen == [".png"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "config.json"
    path.write_text("old")

    def half_written(tmp):
        tmp.write_text("ne")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(path, half_written)
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["config.json"]
