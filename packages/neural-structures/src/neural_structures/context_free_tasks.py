"""Deterministic context-free tasks of Deletang et al. 2022 over bracketed modular expressions:
evaluating nested brackets needs a stack.

An expression of ``length`` numbers (0-4) is a random binary tree whose every operation is
bracketed, ``(a op b)``, with ``+ - *`` modulo 5: ``4 * length - 3`` tokens. Tokens: numbers
0-4, PLUS 5, MINUS 6, TIMES 7, OPEN 8, CLOSE 9, and for SolveEquation X 10, EQUALS 11.
Both are scored at the last step (:func:`neural_structures.tasks.classification`).
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


def random_expression(numbers: int, generator: torch.Generator) -> list[int]:
    """Tokens of a random fully bracketed expression over ``numbers`` random operands."""
    if numbers == 1:
        return [int(torch.randint(MODULUS, (), generator=generator))]
    left = int(torch.randint(1, numbers, (), generator=generator))
    operator = int(torch.randint(PLUS, TIMES + 1, (), generator=generator))
    return [
        OPEN,
        *random_expression(left, generator),
        operator,
        *random_expression(numbers - left, generator),
        CLOSE,
    ]


def evaluate(tokens: list[int], x: int = 0) -> int:
    """The value modulo 5 of a fully bracketed expression (X stands for ``x``), with a stack."""
    stack: list[int] = []
    for token in tokens:
        if token == CLOSE:
            right, operator, left = stack.pop(), stack.pop(), stack.pop()
            stack.append(_APPLY[operator](left, right))
        elif token != OPEN:
            stack.append(x if token == X else token)
    (value,) = stack
    return value


@dataclass(frozen=True)
class ModularArithmeticBrackets:
    """A fully bracketed expression of ``length`` numbers -> its value modulo 5."""

    name: ClassVar[str] = "modular_arithmetic_brackets"
    n_inputs: ClassVar[int] = 10
    n_outputs: ClassVar[int] = MODULUS

    def sample(self, batch_size: int, length: int, generator: torch.Generator) -> TaskBatch:
        """Random expressions of ``length`` numbers."""
        check_length(length)
        rows = [random_expression(length, generator) for _ in range(batch_size)]
        labels = torch.tensor([evaluate(row) for row in rows])
        return classification(torch.tensor(rows), labels)


@dataclass(frozen=True)
class SolveEquation:
    """``expression = v`` where one operand of the expression is the unknown X -> the value of
    X (0-4). Only equations with exactly one solution are drawn (X times 0 would allow any)."""

    name: ClassVar[str] = "solve_equation"
    n_inputs: ClassVar[int] = 12
    n_outputs: ClassVar[int] = MODULUS

    def sample(self, batch_size: int, length: int, generator: torch.Generator) -> TaskBatch:
        """Random equations over ``length`` operands, one of them X, with one solution."""
        check_length(length)
        rows, labels = [], []
        while len(rows) < batch_size:
            tokens = random_expression(length, generator)
            numbers = [i for i, token in enumerate(tokens) if token < MODULUS]
            unknown = numbers[int(torch.randint(len(numbers), (), generator=generator))]
            x, tokens[unknown] = tokens[unknown], X
            value = evaluate(tokens, x)
            if sum(evaluate(tokens, guess) == value for guess in range(MODULUS)) == 1:
                rows.append([*tokens, EQUALS, value])
                labels.append(x)
        return classification(torch.tensor(rows), torch.tensor(labels))
