"""The surface language: a small Lisp, its syntax tree, parser and pretty printer.

Grammar (``;`` starts a comment that runs to the end of the line)::

    program := definition* expr
    definition := (defn NAME [NAME+] expr)
    expr := INT | true | false | NAME | PRIMITIVE
          | '( expr* )                      ; a list; its items are expressions
          | (fn [NAME+] expr)               ; curried: (fn [x y] e) = (fn [x] (fn [y] e))
          | (let [NAME expr ...] expr)      ; sequential bindings
          | (expr expr+)                    ; curried application

Primitives: ``+ - * = < > <= >= not if cons car cdr``. Names, keywords (``fn let defn true
false``) and primitives never overlap, and a primitive cannot be rebound.

``parse(format_program(p)) == p`` for every program ``p`` the parser can produce.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from neurallambda.errors import ParseError

PRIMITIVES: tuple[str, ...] = (
    "+",
    "-",
    "*",
    "=",
    "<",
    ">",
    "<=",
    ">=",
    "not",
    "if",
    "cons",
    "car",
    "cdr",
)
KEYWORDS: tuple[str, ...] = ("fn", "let", "defn", "true", "false")

_INT = re.compile(r"-?[0-9]+")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-?!]*")
_TOKEN = re.compile(r"\s+|;[^\n]*|[()\[\]]|'|[^\s()\[\];']+")


# --- syntax tree ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IntLiteral:
    """An integer, e.g. ``-3``."""

    value: int


@dataclass(frozen=True)
class BoolLiteral:
    """``true`` or ``false``."""

    value: bool


@dataclass(frozen=True)
class Symbol:
    """A variable name."""

    name: str


@dataclass(frozen=True)
class Primitive:
    """A built-in operator such as ``+`` or ``car``."""

    op: str


@dataclass(frozen=True)
class Fn:
    """``(fn [params...] body)``."""

    params: tuple[str, ...]
    body: Expr


@dataclass(frozen=True)
class Call:
    """``(fn arg1 arg2 ...)``: application, curried left to right."""

    fn: Expr
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Quote:
    """``'(item ...)``: a list whose items are expressions."""

    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Let:
    """``(let [name value ...] body)``: each binding sees the ones before it."""

    bindings: tuple[tuple[str, Expr], ...]
    body: Expr


@dataclass(frozen=True)
class Defn:
    """``(defn name [params...] body)``: a top-level, non-recursive function definition."""

    name: str
    params: tuple[str, ...]
    body: Expr


@dataclass(frozen=True)
class Program:
    """Zero or more definitions followed by one expression."""

    definitions: tuple[Defn, ...]
    body: Expr


Expr = IntLiteral | BoolLiteral | Symbol | Primitive | Fn | Call | Quote | Let


# --- tokenizer -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    text: str
    line: int
    column: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    line, line_start = 1, 0
    for match in _TOKEN.finditer(text):
        chunk = match.group()
        if not chunk.isspace() and not chunk.startswith(";"):
            tokens.append(_Token(chunk, line, match.start() - line_start + 1))
        newlines = chunk.count("\n")
        if newlines:
            line += newlines
            line_start = match.start() + chunk.rindex("\n") + 1
    return tokens


# --- parser --------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.pos = 0
        lines = text.split("\n")
        self.end = (len(lines), len(lines[-1]) + 1)

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def error(self, message: str, token: _Token | None) -> ParseError:
        line, column = (token.line, token.column) if token else self.end
        return ParseError(message, line, column)

    def next(self, expected: str) -> _Token:
        token = self.peek()
        if token is None:
            raise self.error(f"unexpected end of input, expected {expected}", None)
        self.pos += 1
        return token

    def expect(self, text: str) -> _Token:
        token = self.next(f"'{text}'")
        if token.text != text:
            raise self.error(f"expected '{text}', found '{token.text}'", token)
        return token

    def program(self) -> Program:
        definitions: list[Defn] = []
        body: Expr | None = None
        while self.peek() is not None:
            start = self.peek()
            if body is not None:
                raise self.error("a program ends with exactly one expression; found more", start)
            if self._at_form("defn"):
                definitions.append(self.defn())
            else:
                body = self.expr()
        if body is None:
            raise self.error("expected an expression after the definitions", None)
        return Program(tuple(definitions), body)

    def _at_form(self, keyword: str) -> bool:
        nxt = self.tokens[self.pos + 1] if self.pos + 1 < len(self.tokens) else None
        token = self.peek()
        return token is not None and token.text == "(" and nxt is not None and nxt.text == keyword

    def defn(self) -> Defn:
        self.expect("(")
        self.expect("defn")
        name = self.binder_name()
        params = self.params()
        body = self.expr()
        self.expect(")")
        return Defn(name, params, body)

    def binder_name(self) -> str:
        token = self.next("a name")
        if token.text in PRIMITIVES:
            raise self.error(f"cannot bind the primitive '{token.text}'", token)
        if token.text in KEYWORDS or not _NAME.fullmatch(token.text):
            raise self.error(f"expected a name, found '{token.text}'", token)
        return token.text

    def params(self) -> tuple[str, ...]:
        open_token = self.expect("[")
        params: list[str] = []
        while (token := self.peek()) is not None and token.text != "]":
            params.append(self.binder_name())
        self.expect("]")
        if not params:
            raise self.error("a function needs at least one parameter", open_token)
        return tuple(params)

    def expr(self) -> Expr:
        token = self.next("an expression")
        if token.text == "'":
            return self.quote()
        if token.text == "(":
            return self.form(token)
        if token.text in (")", "[", "]"):
            raise self.error(f"unexpected '{token.text}'", token)
        return self.atom(token)

    def atom(self, token: _Token) -> Expr:
        text = token.text
        if _INT.fullmatch(text):
            return IntLiteral(int(text))
        if text in ("true", "false"):
            return BoolLiteral(text == "true")
        if text in PRIMITIVES:
            return Primitive(text)
        if text in KEYWORDS:
            raise self.error(f"'{text}' is a keyword and must open a form: ({text} ...)", token)
        if not _NAME.fullmatch(text):
            raise self.error(f"'{text}' is not a number, name or primitive", token)
        return Symbol(text)

    def quote(self) -> Quote:
        self.expect("(")
        items: list[Expr] = []
        while (token := self.peek()) is not None and token.text != ")":
            items.append(self.expr())
        self.expect(")")
        return Quote(tuple(items))

    def form(self, open_token: _Token) -> Expr:
        head = self.peek()
        if head is not None and head.text == "fn":
            self.pos += 1
            params = self.params()
            result: Expr = Fn(params, self.expr())
        elif head is not None and head.text == "let":
            self.pos += 1
            result = self.let()
        elif head is not None and head.text == "defn":
            raise self.error("defn is only allowed at the top level, before the expression", head)
        elif head is not None and head.text == ")":
            raise self.error("empty application '()'; write '() for the empty list", open_token)
        else:
            fn = self.expr()
            args: list[Expr] = []
            while (token := self.peek()) is not None and token.text != ")":
                args.append(self.expr())
            if not args:
                raise self.error("an application needs at least one argument", open_token)
            result = Call(fn, tuple(args))
        self.expect(")")
        return result

    def let(self) -> Let:
        open_token = self.expect("[")
        bindings: list[tuple[str, Expr]] = []
        while (token := self.peek()) is not None and token.text != "]":
            name = self.binder_name()
            if (token := self.peek()) is None or token.text == "]":
                raise self.error(f"let binding '{name}' has no value", token)
            bindings.append((name, self.expr()))
        self.expect("]")
        if not bindings:
            raise self.error("a let needs at least one binding", open_token)
        return Let(tuple(bindings), self.expr())


MAX_NESTING = 200  # brackets deep; the parser, desugaring and reference interpreter recurse


def parse(text: str) -> Program:
    """Parse program text; raises :class:`ParseError` with the line and column of the problem.

    A program nested more than ``MAX_NESTING`` brackets deep is refused before parsing.
    """
    _check_nesting(text)
    return _Parser(text).program()


def _check_nesting(text: str) -> None:
    depth = 0
    for line_number, line in enumerate(text.splitlines() or [""], 1):
        for column, char in enumerate(line.split(";")[0], 1):  # comments do not count
            depth += char in "(["
            depth -= char in ")]"
            if depth > MAX_NESTING:
                raise ParseError(
                    f"the program nests more than {MAX_NESTING} brackets deep", line_number, column
                )


def parse_expr(text: str) -> Expr:
    """Parse text holding exactly one expression (no definitions)."""
    program = parse(text)
    if program.definitions:
        raise ParseError("expected a single expression, found definitions", 1, 1)
    return program.body


# --- pretty printer ------------------------------------------------------------------------------


def format_expr(expr: Expr) -> str:
    """The canonical text of an expression, e.g. ``((fn [x] x) 42)``."""
    match expr:
        case IntLiteral(value):
            return str(value)
        case BoolLiteral(value):
            return "true" if value else "false"
        case Symbol(name):
            return name
        case Primitive(op):
            return op
        case Fn(params, body):
            return f"(fn [{' '.join(params)}] {format_expr(body)})"
        case Call(fn, args):
            return "(" + " ".join(format_expr(e) for e in (fn, *args)) + ")"
        case Quote(items):
            return "'(" + " ".join(format_expr(e) for e in items) + ")"
        case Let(bindings, body):
            pairs = " ".join(f"{name} {format_expr(value)}" for name, value in bindings)
            return f"(let [{pairs}] {format_expr(body)})"
    raise TypeError(f"not an expression: {expr!r}")


def format_program(program: Program) -> str:
    """The canonical text of a program: one definition per line, then the expression."""
    lines = [
        f"(defn {d.name} [{' '.join(d.params)}] {format_expr(d.body)})" for d in program.definitions
    ]
    return "\n".join([*lines, format_expr(program.body)])
