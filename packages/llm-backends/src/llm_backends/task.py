"""What a task is (AgentTask), what a backend sees of it (TaskView) and how it ended (TaskResult)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .usage import Usage

TODO_PLACEHOLDER = "TODO"


@dataclass(frozen=True)
class AgentTask:
    """One unit of work: fill the TODO files of ``workspace`` following ``instruction``.

    ``todo_files`` are paths relative to ``workspace`` whose content is the ``TODO`` placeholder;
    left empty, every workspace file whose whole (stripped) content is ``TODO`` is a TODO file.

    ``examples`` are solved examples already in the workspace: ``(input, output)`` pairs of
    workspace-relative files. Chat backends show each one as a previous exchange (user: the
    input file's content, assistant: the output file's content) before the task itself, which
    small instruct models imitate far better than files packed into one message.

    ``grammar`` (GBNF) constrains every answer of the task where the backend takes one
    (:class:`llm_backends.chat.ChatRequest`).
    """

    workspace: Path
    instruction: str
    todo_files: tuple[Path, ...] = ()
    examples: tuple[tuple[Path, Path], ...] = ()
    grammar: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "workspace", Path(self.workspace))
        object.__setattr__(self, "todo_files", tuple(Path(p) for p in self.todo_files))
        object.__setattr__(self, "examples", tuple((Path(i), Path(o)) for i, o in self.examples))


@dataclass(frozen=True)
class TaskView:
    """What a backend sees of a task.

    ``files`` maps every readable text file of the workspace (relative posix path, symlinks that
    stay inside the workspace followed) to its content; ``todo_files`` are the relative posix paths
    to fill; ``examples`` are the (input, output) relative posix paths of the task's solved
    examples, both keys of ``files``.
    """

    instruction: str
    files: dict[str, str]
    todo_files: list[str]
    examples: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class TaskResult:
    """How one task ended: ``ok`` with the files ``written``, or not ok with the ``error``."""

    task: AgentTask
    ok: bool
    error: Exception | None = None
    written: list[Path] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)


def is_unfilled(content: str) -> bool:
    """True when a file's content is empty or still just the TODO placeholder."""
    stripped = content.strip()
    return stripped in ("", TODO_PLACEHOLDER)
