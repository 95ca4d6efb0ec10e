"""Confinement: every path a task reads or writes is resolved and checked against its workspace.

Hot paths work on ``str`` paths (os.path, os.scandir): a cache hit spends most of its time here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .atomic import atomic_write_text
from .errors import ExampleFileError, WorkspaceEscapeError, WorkspaceMissingError
from .task import TODO_PLACEHOLDER, AgentTask, TaskView

MAX_FILE_BYTES = 1_000_000


def resolve_inside(workspace: Path, relative: str | os.PathLike[str]) -> Path:
    """Resolve ``relative`` against ``workspace``; raise WorkspaceEscapeError if it leaves it.

    Rejected: absolute paths, any ``..`` component, the workspace itself, and paths that resolve
    (through symlinks, followed to the end) outside the workspace. Returns the resolved real path.
    """
    return Path(_resolve_in_root(os.path.realpath(workspace), os.fspath(relative)))


def _resolve_in_root(root: str, text: str) -> str:
    """:func:`resolve_inside` for a workspace already resolved to its real path ``root``."""
    if not text or "\x00" in text:
        raise WorkspaceEscapeError(f"invalid path {text!r} in workspace {root}")
    if os.path.isabs(text) or text.startswith("\\"):
        raise WorkspaceEscapeError(
            f"absolute path {text!r} is not allowed; use a path relative to {root}"
        )
    if ".." in text.replace("\\", "/").split("/"):
        raise WorkspaceEscapeError(f"path {text!r} contains '..'; it must stay inside {root}")
    target = os.path.realpath(os.path.join(root, text))
    if target == root:
        raise WorkspaceEscapeError(
            f"path {text!r} names the workspace {root} itself, not a file in it"
        )
    if not target.startswith(root + os.sep):
        raise WorkspaceEscapeError(
            f"path {text!r} resolves to {target}, outside workspace {root} (symlink?)"
        )
    return target


def write_inside(workspace: Path, relative: str | os.PathLike[str], content: str) -> Path:
    """Atomically write ``content`` to ``relative`` inside ``workspace``; return the real path written."""
    return _write_in_root(os.path.realpath(workspace), os.fspath(relative), content)


def _write_in_root(root: str, text: str, content: str) -> Path:
    target = _resolve_in_root(root, text)  # resolved again: the tree may have changed since reading
    if os.path.isdir(target):
        raise WorkspaceEscapeError(f"{text!r} is a directory in {root}, not a file")
    atomic_write_text(Path(target), content)
    return Path(target)


def read_workspace_files(workspace: Path) -> dict[str, str]:
    """Every readable UTF-8 text file of ``workspace`` (relative posix path -> content).

    Symlinks are followed only while they resolve inside the workspace; binary, unreadable and
    oversized files are skipped.
    """
    return _read_root(os.path.realpath(workspace))


def _read_root(root: str) -> dict[str, str]:
    files: dict[str, str] = {}

    def visit(real_dir: str, prefix: str, ancestors: frozenset[str]) -> None:
        with os.scandir(real_dir) as scan:
            entries = sorted(scan, key=lambda e: e.name)
        for entry in entries:
            real = entry.path
            if entry.is_symlink():  # only links can lead out of the tree: resolve those
                real = os.path.realpath(real)
                if not real.startswith(root + os.sep):
                    continue
            relative = prefix + entry.name
            if entry.is_dir():  # follows a link, like the stat of its real path
                if real not in ancestors:  # a symlink back up the tree would loop forever
                    visit(real, relative + "/", ancestors | {real})
                continue
            try:
                if entry.stat().st_size > MAX_FILE_BYTES:
                    continue
                with open(real, encoding="utf-8") as handle:
                    files[relative] = handle.read()
            except (UnicodeDecodeError, OSError):
                continue

    visit(root, "", frozenset({root}))
    return files


def build_view(task: AgentTask) -> TaskView:
    """Check ``task`` (workspace exists, TODO paths stay inside) and read what the backend may see."""
    return TaskWorkspace.open(task).view


@dataclass(frozen=True)
class TaskWorkspace:
    """A task's workspace resolved once: its real ``root``, the backend's ``view``, and writes."""

    root: str
    view: TaskView

    @classmethod
    def open(cls, task: AgentTask) -> TaskWorkspace:
        """Resolve and check the workspace and TODO paths, and read the files the backend sees."""
        if not task.workspace.is_dir():
            raise WorkspaceMissingError(
                f"workspace {task.workspace} does not exist or is not a directory"
            )
        root = os.path.realpath(task.workspace)
        files = _read_root(root)
        if task.todo_files:
            todo = [path.as_posix() for path in task.todo_files]
            for name in todo:
                _resolve_in_root(root, name)
        else:
            todo = [name for name, text in files.items() if text.strip() == TODO_PLACEHOLDER]
        examples = [(i.as_posix(), o.as_posix()) for i, o in task.examples]
        for name in (name for pair in examples for name in pair):
            _resolve_in_root(root, name)
            if name not in files:
                raise ExampleFileError(
                    f"example file {name!r} is not a readable text file in workspace {root}"
                )
            if name in todo:
                raise ExampleFileError(
                    f"example file {name!r} is also a TODO file in workspace {root}"
                )
        view = TaskView(task.instruction, files, todo, examples)
        return cls(root, view)

    def resolve(self, relative: str) -> Path:
        """:func:`resolve_inside` this workspace."""
        return Path(_resolve_in_root(self.root, relative))

    def write(self, relative: str, content: str) -> Path:
        """:func:`write_inside` this workspace."""
        return _write_in_root(self.root, relative, content)
