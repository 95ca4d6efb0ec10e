"""Workspaces holding one TODO file, the smallest task a backend can fill (tests, benchmarks)."""

from __future__ import annotations

from pathlib import Path

from llm_backends.task import AgentTask

PLACEHOLDER_FILE = Path("solution.py")
"""The file a :func:`placeholder_task` asks the backend to fill, relative to its workspace."""


def placeholder_task(workspace: Path, spec: str, instruction: str) -> AgentTask:
    """Create ``workspace`` with ``solution.py`` holding ``TODO`` and ``spec.txt`` holding
    ``spec``; the task asks for ``solution.py`` following ``instruction``."""
    workspace.mkdir(parents=True)
    (workspace / PLACEHOLDER_FILE).write_text("TODO")
    (workspace / "spec.txt").write_text(spec)
    return AgentTask(workspace, instruction, (PLACEHOLDER_FILE,))
