"""Atomic writes: the old file or the whole new one, never half, and no temporary left."""

import stat

import pytest
from llm_backends.atomic import atomic_write, atomic_write_text


def test_text_lands_whole_in_a_new_folder_with_mode_0644(tmp_path):
    target = tmp_path / "cache" / "ab" / "entry.json"
    atomic_write_text(target, '{"answer": "é"}\r\n')
    assert target.read_bytes() == '{"answer": "é"}\r\n'.encode()
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in target.parent.iterdir()] == ["entry.json"]


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    target = tmp_path / "model.gguf"
    target.write_bytes(b"old")

    def assemble(partial):
        partial.write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, assemble)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.gguf"]
