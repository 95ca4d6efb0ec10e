"""Deterministic context-free tasks of Deletang et al. 2022 over bracketed modular expressions:
evaluating nested brackets needs a stack.

As in the paper, ``length`` counts tokens: an expression of ``length`` tokens is a number (0-4)
for 1, ``-n`` for 2, ``(n)`` for 3, ``(-n)`` for 4, and for 5 or more ``(a op b)`` with ``op``
one of ``+ - *`` (modulo 5; ``+ -`` only in SolveEquation, as in the paper) and ``a``, ``b``
random expressions whose lengths add up to ``length - 3``. Tokens: numbers 0-4, PLUS 5, MINUS 6
(binary or unary), TIMES 7, OPEN 8, CLOSE 9, and for SolveEquation X 10, EQUALS 11. Both tasks
are scored at the last step (:func:`neural_structures.tasks.classification`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch

from neural_structures.tasks import TaskBatch, check_length, classification

MODULUS = 5
PLUS, MINUS, TIMES, OPEN, CLOSE, X, EQUALS = 5, 6, 7, 8, 9, 10, 11
_APPLY = {
    PLUS: lambda a, b: (a + b) % MODULUS,
    MINUS: lambda a, b: (a - b) % MODULUS,
    TIMES: lambda a, b: a * b % MODULUS,
}
OPERATORS = tuple(_APPLY)  # the binary operators random_expression draws from by default


def random_expression(
    length: int, generator: torch.Generator, operators: tuple[int, ...] = OPERATORS
) -> list[int]:
    """Tokens of a random bracketed expression of exactly ``length`` tokens whose binary
    operators are drawn from ``operators``."""

    def number() -> int:
        return int(torch.randint(MODULUS, (), generator=generator))

    if length == 1:
        return [number()]
    if length == 2:
        return [MINUS, number()]
    if length <= 4:  # (n), (-n)
        return [OPEN, *random_expression(length - 2, generator, operators), CLOSE]
    left = int(torch.randint(1, length - 3, (), generator=generator))
    operator = operators[int(torch.randint(len(operators), (), generator=generator))]
    return [
        OPEN,
        *random_expression(left, generator, operators),
        operator,
        *random_expression(length - 3 - left, generator, operators),
        CLOSE,
    ]


def evaluate(tokens: list[int], x: int = 0) -> int:
    """The value modulo 5 of an expression of :func:`random_expression` (X stands for ``x``)."""
    value, end = _operand(tokens, 0, x)
    if end != len(tokens):
        raise ValueError(f"tokens left after the expression at {end}")
    return value


def _operand(tokens: list[int], start: int, x: int) -> tuple[int, int]:
    """The value of the operand that starts at ``start``, and where it ends (recursive descent:
    a number or X, ``-`` operand, ``(`` operand ``)``, ``(`` operand op operand ``)``)."""
    token = tokens[start]
    if token == MINUS:
        value, end = _operand(tokens, start + 1, x)
        return -value % MODULUS, end
    if token != OPEN:
        return (x if token == X else token), start + 1
    left, end = _operand(tokens, start + 1, x)
    if tokens[end] == CLOSE:
        return left, end + 1
    right, close = _operand(tokens, end + 1, x)
    return _APPLY[tokens[end]](left, right), close + 1


@dataclass(frozen=True)
class ModularArithmeticBrackets:
    """A bracketed expression of ``length`` tokens -> its value modulo 5."""

    name: ClassVar[str] = "modular_arithmetic_brackets"
    n_inputs: ClassVar[int] = 10
    n_outputs: ClassVar[int] = MODULUS

    def sample(self, batch_size: int, length: int, generator: torch.Generator) -> TaskBatch:
        """Random expressions of ``length`` tokens."""
        check_length(length)
        rows = [random_expression(length, generator) for _ in range(batch_size)]
        labels = torch.tensor([evaluate(row) for row in rows])
        return classification(torch.tensor(rows), labels)


@dataclass(frozen=True)
class SolveEquation:
    """``expression = v`` where one number of the expression is the unknown X -> the value of
    X (0-4).

    As in the paper (and its reference code), the expression adds and subtracts only: X's
    coefficient is then +1 or -1, so every equation has exactly one solution, and what each
    bracket level must carry is ``±X + b`` (10 forms). With ``*`` an equation could have 0 or 5
    solutions (X times 0) and the forms grow to ``a X + b`` (25), a harder task than the one the
    paper reports on.
    """

    name: ClassVar[str] = "solve_equation"
    n_inputs: ClassVar[int] = 12  # TIMES (7) keeps its id but never occurs
    n_outputs: ClassVar[int] = MODULUS
    operators: ClassVar[tuple[int, ...]] = (PLUS, MINUS)

    def sample(self, batch_size: int, length: int, generator: torch.Generator) -> TaskBatch:
        """Random equations whose expression has ``length`` tokens, one number of which is
        the unknown X."""
        check_length(length)
        rows, labels = [], []
        for _ in range(batch_size):
            tokens = random_expression(length, generator, self.operators)
            numbers = [i for i, token in enumerate(tokens) if token < MODULUS]
            unknown = numbers[int(torch.randint(len(numbers), (), generator=generator))]
            x, tokens[unknown] = tokens[unknown], X
            rows.append([*tokens, EQUALS, evaluate(tokens, x)])
            labels.append(x)
        return classification(torch.tensor(rows), torch.tensor(labels))
