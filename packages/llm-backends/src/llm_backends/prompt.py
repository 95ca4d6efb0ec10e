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
    """The chat asking for the full content of ``todo_file``.

    Without examples: a system prompt and one user message packing the instruction and every
    workspace file. With ``view.examples``: the instruction as system prompt, each example as a
    user turn (its input file's content) answered by an assistant turn (its output file's
    content), then a user turn with the remaining files (the example and TODO files left out):
    one file's content as is, several packed under their names.
    """
    if view.examples:
        return _example_messages(view, todo_file)
    packed = _pack(view.files)
    user = (
        f"Instruction:\n{view.instruction}\n\n"
        f"Project files:\n{packed}\n\n"
        f"Write the complete content of the file `{todo_file}`."
    )
    return (ChatMessage("system", SYSTEM_PROMPT), ChatMessage("user", user))


def _example_messages(view: TaskView, todo_file: str) -> tuple[ChatMessage, ...]:
    messages = [ChatMessage("system", view.instruction)]
    for source, answer in view.examples:
        messages.append(ChatMessage("user", view.files[source]))
        messages.append(ChatMessage("assistant", view.files[answer]))
    shown = {name for pair in view.examples for name in pair} | set(view.todo_files)
    rest = {name: text for name, text in view.files.items() if name not in shown}
    if len(rest) == 1:
        messages.append(ChatMessage("user", next(iter(rest.values()))))
    else:
        messages.append(
            ChatMessage("user", f"{_pack(rest)}\n\nWrite the content of `{todo_file}`.")
        )
    return tuple(messages)


def _pack(files: dict[str, str]) -> str:
    return "\n\n".join(f"=== {name} ===\n{text}" for name, text in sorted(files.items()))


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
