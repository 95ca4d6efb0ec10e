"""Viba tokenizer: text -> tokens with line and column, Python-style INDENT/DEDENT.

Lexical rules:

- ``#`` starts a hint (``# inline``, ``# recursive``) that runs to the end of the line.
- ``$name`` is a variable, a backtick followed by a name (`` `JSON ``) is a tag.
- Literals: ``INT``, ``FLOAT``, ``BOOLEAN`` (``true``/``false``/``True``/``False``),
  ``"..."`` and ``'...'`` strings, ``'''...'''`` and ``\"\"\"...\"\"\"`` triple strings, ``{...}``
  code blocks (balanced braces, may span lines).
- ``Import[...]`` takes its argument verbatim, as a path.
- Inside ``()`` and ``[]`` line breaks and indentation are insignificant (implicit line joining).
- Indentation uses spaces; a tab in indentation is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from viba_trainer.viba.errors import VibaSyntaxError


class Kind(Enum):
    """What a token is."""

    NAME = "name"
    VAR = "variable"
    TAG = "tag"
    INT = "integer"
    FLOAT = "float"
    STRING = "string"
    CODE = "code block"
    PATH = "import path"
    HINT = "hint"
    OP = "operator"
    NEWLINE = "end of line"
    INDENT = "indent"
    DEDENT = "dedent"
    EOF = "end of file"


@dataclass(frozen=True)
class Token:
    """One token; ``line`` and ``column`` are 1-based and point at its first character."""

    kind: Kind
    text: str
    line: int
    column: int

    def describe(self) -> str:
        """A short human description for error messages, e.g. ``operator '<-'``."""
        if self.kind in (Kind.NEWLINE, Kind.INDENT, Kind.DEDENT, Kind.EOF):
            return self.kind.value
        return f"{self.kind.value} {self.text!r}"


# Longest first, so that '<-' wins over '<' and '...' over '.'.
OPERATORS = (
    "...", ":=", "<-", "->", "<=", ">=", "==", "!=", "//",
    "|", "*", "/", "%", "+", "-", "<", ">", "=", ",", ".", "(", ")", "[", "]", ":",
)  # fmt: skip
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"\d+(\.\d+)?([eE][+-]?\d+)?")
_OPENERS = {"(": ")", "[": "]"}
_CLOSERS = {")": "(", "]": "["}


class _Scanner:
    """Walks the text once, tracking line/column, bracket nesting and indentation."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.column = 1
        self.tokens: list[Token] = []
        self.brackets: list[Token] = []
        self.indents = [0]

    # -- low level -------------------------------------------------------------------------

    def error(self, message: str, line: int | None = None, column: int | None = None) -> None:
        raise VibaSyntaxError(message, line or self.line, column or self.column)

    def peek(self, n: int = 0) -> str:
        i = self.pos + n
        return self.text[i] if i < len(self.text) else ""

    def advance(self, count: int) -> str:
        chunk = self.text[self.pos : self.pos + count]
        for char in chunk:
            if char == "\n":
                self.line += 1
                self.column = 1
            else:
                self.column += 1
        self.pos += count
        return chunk

    def emit(self, kind: Kind, text: str, line: int, column: int) -> None:
        self.tokens.append(Token(kind, text, line, column))

    # -- lines and indentation ---------------------------------------------------------------

    def at_line_start(self) -> None:
        """Measure the indentation of a new logical line and emit INDENT/DEDENT tokens."""
        start = self.pos
        while self.peek() == " ":
            self.advance(1)
        if self.peek() == "\t":
            self.error("tab in indentation; indent with spaces")
        if self.peek() in ("\n", "\r", ""):
            return  # blank line: indentation is meaningless
        width = self.pos - start
        if width > self.indents[-1]:
            self.indents.append(width)
            self.emit(Kind.INDENT, "", self.line, 1)
            return
        while width < self.indents[-1]:
            self.indents.pop()
            self.emit(Kind.DEDENT, "", self.line, self.column)
        if width != self.indents[-1]:
            self.error(f"unindent to column {width + 1} does not match any outer indentation level")

    def end_line(self) -> None:
        if self.tokens and self.tokens[-1].kind not in (Kind.NEWLINE, Kind.INDENT, Kind.DEDENT):
            self.emit(Kind.NEWLINE, "", self.line, self.column)

    # -- tokens ----------------------------------------------------------------------------

    def scan_string(self) -> None:
        line, column = self.line, self.column
        quote = self.peek()
        if self.text.startswith(quote * 3, self.pos):
            end = self.text.find(quote * 3, self.pos + 3)
            if end < 0:
                self.error("unterminated triple-quoted string", line, column)
            self.emit(Kind.STRING, self.advance(end + 3 - self.pos), line, column)
            return
        i = self.pos + 1
        while i < len(self.text) and self.text[i] not in (quote, "\n"):
            i += 2 if self.text[i] == "\\" else 1
        if i >= len(self.text) or self.text[i] != quote:
            self.error(f"unterminated string; expected a closing {quote}", line, column)
        self.emit(Kind.STRING, self.advance(i + 1 - self.pos), line, column)

    def scan_code_block(self) -> None:
        line, column = self.line, self.column
        depth, i = 0, self.pos
        while i < len(self.text):
            depth += {"{": 1, "}": -1}.get(self.text[i], 0)
            if depth == 0:
                break
            i += 1
        if depth:
            self.error("unterminated code block; expected a closing '}'", line, column)
        self.emit(Kind.CODE, self.advance(i + 1 - self.pos), line, column)

    def scan_import_path(self) -> None:
        """After ``Import[``: everything up to the matching ``]`` is a path."""
        line, column = self.line, self.column
        end = self.text.find("]", self.pos)
        newline = self.text.find("\n", self.pos)
        if end < 0 or (0 <= newline < end):
            self.error("unterminated Import[...]; expected ']' on the same line", line, column)
        path = self.text[self.pos : end].strip()
        if not path:
            self.error("Import[...] needs a path, e.g. Import[path/to/file.viba]", line, column)
        self.advance(end - self.pos)
        self.emit(Kind.PATH, path, line, column)

    def scan_operator(self) -> None:
        line, column = self.line, self.column
        for op in OPERATORS:
            if self.text.startswith(op, self.pos):
                break
        else:
            self.error(f"unexpected character {self.peek()!r}")
        self.advance(len(op))
        if op in _OPENERS:
            self.brackets.append(Token(Kind.OP, op, line, column))
        elif op in _CLOSERS:
            if not self.brackets or self.brackets[-1].text != _CLOSERS[op]:
                self.error(f"unmatched {op!r}", line, column)
            self.brackets.pop()
        self.emit(Kind.OP, op, line, column)
        previous = self.tokens[-2] if len(self.tokens) > 1 else None
        if op == "[" and previous and previous.kind is Kind.NAME and previous.text == "Import":
            self.scan_import_path()

    def scan_token(self) -> None:
        char, line, column = self.peek(), self.line, self.column
        if char == "#":
            end = self.text.find("\n", self.pos)
            end = len(self.text) if end < 0 else end
            self.emit(Kind.HINT, self.advance(end - self.pos).rstrip(), line, column)
        elif char in "\"'":
            self.scan_string()
        elif char == "{":
            self.scan_code_block()
        elif char in "$`":
            match = _NAME.match(self.text, self.pos + 1)
            if not match:
                what = "variable" if char == "$" else "tag"
                self.error(f"{what} needs a name right after {char!r}, e.g. {char}x")
            kind = Kind.VAR if char == "$" else Kind.TAG
            self.emit(kind, self.advance(match.end() - self.pos), line, column)
        elif match := _NAME.match(self.text, self.pos):
            self.emit(Kind.NAME, self.advance(match.end() - self.pos), line, column)
        elif match := _NUMBER.match(self.text, self.pos):
            kind = Kind.INT if match.group(1) is None and match.group(2) is None else Kind.FLOAT
            self.emit(kind, self.advance(match.end() - self.pos), line, column)
        else:
            self.scan_operator()

    def run(self) -> list[Token]:
        line_start = True
        while self.pos < len(self.text):
            if line_start and not self.brackets:
                self.at_line_start()
                line_start = False
                continue
            char = self.peek()
            if char == "\n":
                if not self.brackets:
                    self.end_line()
                    line_start = True
                self.advance(1)
            elif char in " \t\r":
                self.advance(1)
            else:
                self.scan_token()
        if self.brackets:
            opener = self.brackets[-1]
            self.error(f"unclosed {opener.text!r}", opener.line, opener.column)
        self.end_line()
        while len(self.indents) > 1:
            self.indents.pop()
            self.emit(Kind.DEDENT, "", self.line, self.column)
        self.emit(Kind.EOF, "", self.line, self.column)
        return self.tokens


def tokenize(text: str) -> list[Token]:
    """Split Viba source into tokens, ending with EOF; raises :class:`VibaSyntaxError`."""
    return _Scanner(text).run()
