"""How a task becomes chat messages (one request per TODO file) and an answer becomes a file."""

from __future__ import annotations

import re

from .chat import ChatMessage
from .task import TaskView

SYSTEM_PROMPT = (
    "You complete files in a small project. You are given an instruction, every file of the "
    "project, and the name of one file that currently holds the placeholder TODO. Reply with the "
    "complete new content of that file and nothing else."
)

_FENCE = re.compile(r"```[^\n`]*\n(.*?)(?:```|\Z)", re.DOTALL)


def build_messages(view: TaskView, todo_file: str) -> tuple[ChatMessage, ...]:
    """System + user messages asking for the full content of ``todo_file``."""
    packed = "\n\n".join(f"=== {name} ===\n{text}" for name, text in sorted(view.files.items()))
    user = (
        f"Instruction:\n{view.instruction}\n\n"
        f"Project files:\n{packed}\n\n"
        f"Write the complete content of the file `{todo_file}`."
    )
    return (ChatMessage("system", SYSTEM_PROMPT), ChatMessage("user", user))


def extract_file_content(answer: str) -> str:
    """The file content in a model answer: the first non-empty fenced code block, else the text.

    Stray fence lines (an unclosed or empty block, as a truncated answer leaves) are dropped.
    """
    match = _FENCE.search(answer)
    if match and match.group(1).strip():
        text = match.group(1)
    else:
        text = "\n".join(
            line for line in answer.splitlines() if not line.lstrip().startswith("```")
        )
    text = text.strip("\n")
    return text + "\n" if text.strip() else ""
