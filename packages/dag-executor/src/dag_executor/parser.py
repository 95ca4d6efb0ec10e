"""Text -> IR: a small recursive-descent parser that keeps decimal numbers exact.

Grammar (Python precedence; ``^`` is accepted for ``**``)::

    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/") unary)*
    unary   := ("-" | "+") unary | power
    power   := atom (("**" | "^") exponent)?      exponent must be -1
    atom    := NUMBER | "(" sum ")"

``a - b`` becomes ``Add(a, Neg(b))`` and ``a / b`` becomes ``Mul(a, Recip(b))`` right away; the
result is not normalised (call ``normalize``). Names (``x``, ``sin(1)``) and other powers raise
UnsupportedOperationError naming the sub-expression; malformed text raises ExpressionSyntaxError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dag_executor.errors import ExpressionSyntaxError, UnsupportedOperationError
from dag_executor.ir import Add, Expr, Mul, Neg, Number, Recip

_TOKEN = re.compile(
    r"\s*(?:(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<name>[A-Za-z_]\w*)"
    r"|(?P<op>\*\*|[-+*/^()]))"
)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "number", "name", "op" or "end"
    text: str
    position: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            tokens.append(_Token("end", "", position))
            return tokens
        match = _TOKEN.match(text, position)
        if match is None:
            raise ExpressionSyntaxError(
                f"unexpected character {text[position]!r} at position {position} in {text!r}"
            )
        kind = match.lastgroup or "op"
        tokens.append(_Token(kind, match.group(kind), match.start(kind)))
        position = match.end()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def take(self, *ops: str) -> _Token | None:
        token = self.current
        if token.kind == "op" and token.text in ops:
            self.index += 1
            return token
        return None

    def fail(self, expected: str) -> ExpressionSyntaxError:
        token = self.current
        found = "end of input" if token.kind == "end" else repr(token.text)
        return ExpressionSyntaxError(
            f"expected {expected} but found {found} at position {token.position} in {self.text!r}"
        )

    def parse(self) -> Expr:
        expr = self.sum()
        if self.current.kind != "end":
            raise self.fail("an operator or the end")
        return expr

    def sum(self) -> Expr:
        expr = self.product()
        while token := self.take("+", "-"):
            right = self.product()
            expr = Add((expr, right if token.text == "+" else Neg(right)))
        return expr

    def product(self) -> Expr:
        expr = self.unary()
        while token := self.take("*", "/"):
            right = self.unary()
            expr = Mul((expr, right if token.text == "*" else Recip(right)))
        return expr

    def unary(self) -> Expr:
        if token := self.take("-", "+"):
            operand = self.unary()
            return Neg(operand) if token.text == "-" else operand
        return self.power()

    def power(self) -> Expr:
        start = self.current.position
        base = self.atom()
        if not self.take("**", "^"):
            return base
        exponent = self.unary()
        if exponent in (Neg(Number(1)), Number(-1)):
            return Recip(base)
        snippet = self.text[start : self.current.position].strip() or f"{base}**{exponent}"
        raise UnsupportedOperationError(
            f"unsupported power {snippet!r}: only **-1 (reciprocal) is supported"
        )

    def atom(self) -> Expr:
        token = self.current
        if token.kind == "number":
            self.index += 1
            return Number(token.text)
        if token.kind == "name":
            self.index += 1
            what = "function" if self.current.text == "(" else "symbol"
            raise UnsupportedOperationError(
                f"unsupported {what} {token.text!r} at position {token.position} in {self.text!r}:"
                " only numbers, +, -, *, / and **-1"
            )
        if self.take("("):
            expr = self.sum()
            if not self.take(")"):
                raise self.fail("')'")
            return expr
        raise self.fail("a number or '('")


def parse_expression(text: str) -> Expr:
    """Parse arithmetic text into the (not yet normalised) IR, keeping decimals exact.

    >>> str(parse_expression("2 - (-7)"))
    '2 - -7'
    """
    try:
        return _Parser(text).parse()
    except RecursionError:
        raise ExpressionSyntaxError(
            f"expression nests too deeply to parse ({len(text)} characters): {_abbreviate(text)!r}"
        ) from None


def _abbreviate(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else f"{text[: limit // 2]}...{text[-limit // 2 :]}"
