"""The one exception the Viba checker raises."""

from __future__ import annotations


class VibaSyntaxError(ValueError):
    """Malformed Viba, located by 1-based ``line`` and ``column``.

    ``str(error)`` reads ``line 3, column 7: expected ']' to close '[' opened at line 3,
    column 12``, so that it can be shown to a user (or an LLM) as is.
    """

    def __init__(self, message: str, line: int, column: int) -> None:
        self.message = message
        self.line = line
        self.column = column
        super().__init__(f"line {line}, column {column}: {message}")
