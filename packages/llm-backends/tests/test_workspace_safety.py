import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from llm_backends import (
    AgentTask,
    ScriptedBackend,
    TaskHandler,
    WorkspaceEscapeError,
    read_workspace_files,
    resolve_inside,
    write_inside,
)


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


ESCAPES = [
    "../secret.txt",
    "sub/../../secret.txt",
    "./../secret.txt",
    "..",
    "/etc/passwd",
    "link_out",
    "dir_out/new.py",
    "",
]


@pytest.mark.parametrize("path", ESCAPES)
def test_escaping_todo_paths_are_rejected_and_nothing_is_written(jail, tmp_path, path):
    before = snapshot(tmp_path)
    backend = ScriptedBackend(lambda v, f: "pwned\n")
    [result] = TaskHandler(backend, use_cache=False).run([AgentTask(jail, "x", (Path(path),))])
    assert not result.ok
    assert isinstance(result.error, WorkspaceEscapeError)
    assert backend.calls == 0
    assert snapshot(tmp_path) == before
    assert not (tmp_path / "outside" / "new.py").exists()


def test_one_escaping_path_fails_the_whole_task_before_any_write(jail, tmp_path):
    before = snapshot(tmp_path)
    [result] = TaskHandler(ScriptedBackend(lambda v, f: "x\n"), use_cache=False).run(
        [AgentTask(jail, "x", (Path("ok.py"), Path("../secret.txt")))]
    )
    assert isinstance(result.error, WorkspaceEscapeError)
    assert snapshot(tmp_path) == before


def test_escaping_symlinks_are_not_shown_to_the_backend(jail):
    files = read_workspace_files(jail)
    assert files == {"ok.py": "TODO"}


def test_symlinks_inside_the_workspace_are_followed(tmp_path):
    ws = tmp_path / "ws"
    (ws / "real").mkdir(parents=True)
    (ws / "real" / "a.txt").write_text("A")
    (ws / "alias").symlink_to(ws / "real", target_is_directory=True)
    (ws / "b.txt").symlink_to(ws / "real" / "a.txt")
    assert read_workspace_files(ws) == {"alias/a.txt": "A", "b.txt": "A", "real/a.txt": "A"}


def test_writing_through_an_inside_symlink_updates_its_target(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "target.py").write_text("TODO")
    (ws / "alias.py").symlink_to(ws / "target.py")
    written = write_inside(ws, "alias.py", "new\n")
    assert written == (ws / "target.py").resolve()
    assert (ws / "alias.py").is_symlink()
    assert (ws / "target.py").read_text() == "new\n"


def test_binary_files_are_skipped(tmp_path):
    (tmp_path / "blob.bin").write_bytes(b"\xff\xfe\x00\x81")
    (tmp_path / "t.txt").write_text("t")
    assert read_workspace_files(tmp_path) == {"t.txt": "t"}


def test_the_answer_only_ever_becomes_file_content(jail, tmp_path):
    answer = "../secret.txt\n/etc/passwd\n"
    [result] = TaskHandler(ScriptedBackend(lambda v, f: answer), use_cache=False).run(
        [AgentTask(jail, "x", (Path("ok.py"),))]
    )
    assert result.ok
    assert (jail / "ok.py").read_text() == answer
    assert (tmp_path / "secret.txt").read_text() == "TOP-SECRET-42"


parts = st.lists(
    st.sampled_from(["a", "b", "..", ".", "c.py", "link_out", "dir_out"]), min_size=1, max_size=5
)


@given(parts=parts, absolute=st.booleans())
def test_any_accepted_path_resolves_inside_the_workspace(tmp_path_factory, parts, absolute):
    root = tmp_path_factory.getbasetemp() / "prop"
    if not root.exists():
        (root / "ws").mkdir(parents=True)
        (root / "ws" / "link_out").symlink_to(root)
        (root / "ws" / "dir_out").symlink_to(root, target_is_directory=True)
    ws = root / "ws"
    text = ("/" if absolute else "") + "/".join(parts)
    try:
        resolved = resolve_inside(ws, text)
    except WorkspaceEscapeError:
        names_root = set(parts) == {"."}
        assert absolute or names_root or ".." in parts or "link_out" in parts or "dir_out" in parts
        return
    assert not absolute and ".." not in parts
    assert resolved.is_relative_to(ws.resolve())
    assert os.path.commonpath([resolved, ws.resolve()]) == str(ws.resolve())


def test_a_symlink_loop_inside_the_workspace_is_read_once(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "f.txt").write_text("f")
    (tmp_path / "sub" / "up").symlink_to(tmp_path, target_is_directory=True)
    assert read_workspace_files(tmp_path) == {"sub/f.txt": "f"}


def test_an_interrupted_write_leaves_the_todo_file_whole(tmp_path, monkeypatch):
    from llm_backends import workspace

    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "f.py").write_text("TODO")

    def crash(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(workspace.os, "replace", crash)
    with pytest.raises(OSError, match="No space left"):
        write_inside(ws, "f.py", "new content\n")
    monkeypatch.undo()
    assert (ws / "f.py").read_text() == "TODO"
    assert sorted(p.name for p in ws.iterdir()) == ["f.py"]
