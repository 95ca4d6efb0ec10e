"""Running small file-filling LLM tasks through llm_backends, one throwaway workspace each.

Every LLM step of this package (keyword extraction, translation, the text gradients of st_moe)
is a :class:`FileTask`: some named context files, an instruction, and one file to write. The
runner lays each task out in a temporary workspace, runs them all concurrently on a
``llm_backends.TaskHandler``, and returns the written texts (None for a task that failed).
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from llm_backends import TODO_PLACEHOLDER, AgentTask, TaskHandler, Usage


@dataclass(frozen=True)
class FileTask:
    """Fill ``todo`` (a file name) following ``instruction``, with ``files`` (name -> text) in view.

    ``examples`` names (input, output) pairs of ``files`` that are solved examples: chat
    backends show them as previous exchanges (see ``llm_backends.AgentTask.examples``).
    ``grammar`` (GBNF) constrains the answer where the backend takes one.
    """

    instruction: str
    todo: str
    files: dict[str, str] = field(default_factory=dict)
    examples: tuple[tuple[str, str], ...] = ()
    grammar: str | None = None


class LlmRunner:
    """Runs FileTasks on one TaskHandler and counts what they cost.

    ``usage`` is the handler's running total (calls, cache hits, tokens); ``failures`` counts
    tasks that ended without an answer (their result is None). Thread-safe.
    """

    def __init__(self, handler: TaskHandler) -> None:
        self.handler = handler
        self.failures = 0
        self.errors: list[str] = []
        self._lock = threading.Lock()

    @property
    def usage(self) -> Usage:
        """Everything the handler's runs have cost so far."""
        return self.handler.usage

    def run(self, tasks: Sequence[FileTask]) -> list[str | None]:
        """The text written for each task's TODO file, in order (None where the task failed)."""
        if not tasks:
            return []
        with tempfile.TemporaryDirectory(prefix="symtensor-llm-") as tmp:
            agent_tasks = [self._lay_out(Path(tmp) / str(k), task) for k, task in enumerate(tasks)]
            results = self.handler.run(agent_tasks)
            answers: list[str | None] = []
            for task, result in zip(tasks, results, strict=True):
                if result.ok:
                    answers.append((result.task.workspace / task.todo).read_text(encoding="utf-8"))
                    continue
                answers.append(None)
                with self._lock:
                    self.failures += 1
                    self.errors.append(f"{type(result.error).__name__}: {result.error}")
        return answers

    @staticmethod
    def _lay_out(workspace: Path, task: FileTask) -> AgentTask:
        workspace.mkdir(parents=True)
        for name, text in task.files.items():
            path = workspace / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        (workspace / task.todo).write_text(TODO_PLACEHOLDER, encoding="utf-8")
        examples = tuple((Path(i), Path(o)) for i, o in task.examples)
        return AgentTask(workspace, task.instruction, (Path(task.todo),), examples, task.grammar)
