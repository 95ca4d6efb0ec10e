"""Confinement: every path a task reads or writes is resolved and checked against its workspace."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePosixPath

from .errors import WorkspaceEscapeError
from .task import TODO_PLACEHOLDER, AgentTask, TaskView

MAX_FILE_BYTES = 1_000_000


def resolve_inside(workspace: Path, relative: str | os.PathLike[str]) -> Path:
    """Resolve ``relative`` against ``workspace``; raise WorkspaceEscapeError if it leaves it.

    Rejected: absolute paths, any ``..`` component, and paths that resolve (through symlinks,
    followed to the end) outside the workspace. Returns the resolved real path.
    """
    text = os.fspath(relative)
    root = workspace.resolve()
    if not text or "\x00" in text:
        raise WorkspaceEscapeError(f"invalid path {text!r} in workspace {root}")
    if os.path.isabs(text) or PurePosixPath(text).is_absolute() or text.startswith("\\"):
        raise WorkspaceEscapeError(
            f"absolute path {text!r} is not allowed; use a path relative to {root}"
        )
    if ".." in PurePosixPath(text.replace("\\", "/")).parts:
        raise WorkspaceEscapeError(f"path {text!r} contains '..'; it must stay inside {root}")
    target = (root / text).resolve()
    if target == root:
        raise WorkspaceEscapeError(
            f"path {text!r} names the workspace {root} itself, not a file in it"
        )
    if not target.is_relative_to(root):
        raise WorkspaceEscapeError(
            f"path {text!r} resolves to {target}, outside workspace {root} (symlink?)"
        )
    return target


def atomic_write_text(path: Path, content: str) -> None:
    """Write ``content`` to ``path`` through a temporary file and os.replace (never half-written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_inside(workspace: Path, relative: str | os.PathLike[str], content: str) -> Path:
    """Atomically write ``content`` to ``relative`` inside ``workspace``; return the real path written."""
    target = resolve_inside(workspace, relative)
    if target.is_dir():
        raise WorkspaceEscapeError(f"{relative!s} is a directory in {workspace}, not a file")
    atomic_write_text(target, content)
    return target


def read_workspace_files(workspace: Path) -> dict[str, str]:
    """Every readable UTF-8 text file of ``workspace`` (relative posix path -> content).

    Symlinks are followed only while they resolve inside the workspace; binary, unreadable and
    oversized files are skipped.
    """
    root = workspace.resolve()
    files: dict[str, str] = {}

    def visit(directory: Path, prefix: PurePosixPath, ancestors: frozenset[Path]) -> None:
        for entry in sorted(directory.iterdir(), key=lambda p: p.name):
            real = entry.resolve()
            if not real.is_relative_to(root):
                continue
            relative = prefix / entry.name
            if real.is_dir():
                if real not in ancestors:  # a symlink back up the tree would loop forever
                    visit(entry, relative, ancestors | {real})
            elif real.is_file() and real.stat().st_size <= MAX_FILE_BYTES:
                try:
                    files[relative.as_posix()] = real.read_text(encoding="utf-8")
                except (UnicodeDecodeError, OSError):
                    continue

    visit(root, PurePosixPath(), frozenset({root}))
    return files


def build_view(task: AgentTask) -> TaskView:
    """Check ``task`` (workspace exists, TODO paths stay inside) and read what the backend may see."""
    if not task.workspace.is_dir():
        raise WorkspaceEscapeError(
            f"workspace {task.workspace} does not exist or is not a directory"
        )
    files = read_workspace_files(task.workspace)
    if task.todo_files:
        todo = []
        for path in task.todo_files:
            resolve_inside(task.workspace, path)
            todo.append(PurePosixPath(path.as_posix()).as_posix())
    else:
        todo = [name for name, text in files.items() if text.strip() == TODO_PLACEHOLDER]
    return TaskView(instruction=task.instruction, files=files, todo_files=todo)
