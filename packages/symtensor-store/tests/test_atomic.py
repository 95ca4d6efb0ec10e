"""Atomic writes: complete or absent, never half; modes as ordinary files and folders get."""

import os
import stat

import pytest
from symtensor_store.atomic import (
    atomic_directory,
    atomic_symlink,
    atomic_write,
    atomic_write_text,
)


def test_atomic_writes_get_the_mode_of_ordinary_files_and_directories(tmp_path):
    (tmp_path / "plain.txt").write_text("x")
    (tmp_path / "plain_dir").mkdir()
    file_mode = stat.S_IMODE((tmp_path / "plain.txt").stat().st_mode)
    dir_mode = stat.S_IMODE((tmp_path / "plain_dir").stat().st_mode)

    atomic_write_text(tmp_path / "metrics.jsonl", "{}\n")
    atomic_write(tmp_path / "loss_curve.png", lambda path: path.write_bytes(b"png"))
    with atomic_directory(tmp_path / "step-0001") as directory:
        (directory / "state.json").write_text("{}")

    assert stat.S_IMODE((tmp_path / "metrics.jsonl").stat().st_mode) == file_mode
    assert stat.S_IMODE((tmp_path / "loss_curve.png").stat().st_mode) == file_mode
    assert stat.S_IMODE((tmp_path / "step-0001").stat().st_mode) == dir_mode


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "config.json"
    atomic_write_text(target, "old")

    def fail(path):
        path.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, fail)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["config.json"]


def test_a_failed_directory_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError), atomic_directory(tmp_path / "step-0002") as directory:
        (directory / "model.pt").write_text("x")
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_a_symlink_is_replaced_in_place_and_keeps_a_relative_target(tmp_path):
    for step in ("step-0001", "step-0002"):
        (tmp_path / "checkpoints" / step).mkdir(parents=True)
        (tmp_path / "checkpoints" / step / "which").write_text(step)
    best = tmp_path / "best"
    atomic_symlink(best, "checkpoints/step-0001")
    atomic_symlink(best, "checkpoints/step-0002")
    assert os.readlink(best) == "checkpoints/step-0002"
    assert (best / "which").read_text() == "step-0002"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best", "checkpoints"]


def test_a_symlink_that_cannot_replace_a_folder_leaves_no_temporary(tmp_path):
    (tmp_path / "best").mkdir()
    (tmp_path / "best" / "kept").write_text("x")
    with pytest.raises(OSError):
        atomic_symlink(tmp_path / "best", "elsewhere")
    assert [p.name for p in tmp_path.iterdir()] == ["best"]
    assert (tmp_path / "best" / "kept").read_text() == "x"
