"""For tests and benchmarks, not for use: reference implementations (slow, obviously right)
and test doubles (a scripted LLM)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llm_backends import TaskView

_WORD = re.compile(r"\w+")


def textbook_levenshtein(a: str, b: str) -> int:
    """The O(len(a) * len(b)) dynamic program for the Levenshtein distance, row by row."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]


class TranslationMemory:
    """A scripted LLM for ``st_moe`` tests: the ``respond`` of a ``ScriptedBackend``.

    It translates an input correctly only when a retrieved example holds that very input, so a
    loss can fall only by learning the experience. Per TODO file:

    - ``keywords.txt``: the lowercased words of ``text.txt``, one per line, sorted;
    - ``output.txt``: the output of the example whose input equals ``input.txt``, else
      ``unknown``;
    - ``new_key.txt`` / ``new_value.txt``: the entry unchanged (with ``rewrite_values``, the new
      value is the first case's expected output);
    - ``new_input.txt``: ``improve(input)``.
    """

    def __init__(
        self,
        *,
        rewrite_values: bool = False,
        improve: Callable[[str], str] = str,
        unknown: str = "unknown\n",
    ) -> None:
        self.rewrite_values = rewrite_values
        self.improve = improve
        self.unknown = unknown

    def __call__(self, view: TaskView, todo: str) -> str:
        """The answer for ``todo`` given the task's files."""
        files = view.files
        if todo == "keywords.txt":
            return "".join(
                f"{word}\n" for word in sorted(set(_WORD.findall(files["text.txt"].lower())))
            )
        if todo == "output.txt":
            examples = (n for n in range(1, 100) if f"example_{n}_input.txt" in files)
            same = (n for n in examples if files[f"example_{n}_input.txt"] == files["input.txt"])
            n = next(same, None)
            return self.unknown if n is None else files[f"example_{n}_output.txt"]
        if todo == "new_key.txt":
            return files["entry_key.txt"]
        if todo == "new_value.txt":
            return files["case_1_expected.txt" if self.rewrite_values else "entry_value.txt"]
        if todo == "new_input.txt":
            return self.improve(files["input.txt"])
        raise KeyError(todo)
