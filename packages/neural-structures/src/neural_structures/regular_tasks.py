"""Regular tasks of Deletang et al. 2022 ("Neural Networks and the Chomsky Hierarchy"): a finite
automaton solves each, so even a plain RNN can in principle generalise to any length.

Each reads a string of ``length`` tokens (ModularArithmetic: ``length`` numbers) and is scored
at the last step only (:func:`neural_structures.tasks.classification`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch

from neural_structures.tasks import TaskBatch, check_length, classification


@dataclass(frozen=True)
class ParityCheck:
    """Binary string (a = 0, b = 1) -> 1 if it holds an even number of b's, else 0."""

    name: ClassVar[str] = "parity_check"
    n_inputs: ClassVar[int] = 2
    n_outputs: ClassVar[int] = 2

    def sample(self, batch_size: int, length: int, generator: torch.Generator) -> TaskBatch:
        """Random binary strings of ``length`` tokens."""
        check_length(length)
        strings = torch.randint(2, (batch_size, length), generator=generator)
        return classification(strings, (strings.sum(1) % 2 == 0).long())


@dataclass(frozen=True)
class EvenPairs:
    """Binary string -> 1 if the number of ``ab`` and ``ba`` pairs in it is even, else 0.

    (Equivalently: the first and last symbols agree, which the model has to find out.)
    """

    name: ClassVar[str] = "even_pairs"
    n_inputs: ClassVar[int] = 2
    n_outputs: ClassVar[int] = 2

    def sample(self, batch_size: int, length: int, generator: torch.Generator) -> TaskBatch:
        """Random binary strings of ``length`` tokens."""
        check_length(length)
        strings = torch.randint(2, (batch_size, length), generator=generator)
        changes = (strings[:, 1:] != strings[:, :-1]).sum(1)
        return classification(strings, (changes % 2 == 0).long())


@dataclass(frozen=True)
class ModularArithmetic:
    """``n0 op n1 op ... n_k`` with numbers 0-4 and ``+ - *`` -> its value modulo 5.

    Usual precedence (``*`` before ``+`` and ``-``), no brackets. Tokens: numbers 0-4, then
    PLUS 5, MINUS 6, TIMES 7; ``length`` numbers make ``2 * length - 1`` tokens.
    """

    name: ClassVar[str] = "modular_arithmetic"
    MODULUS: ClassVar[int] = 5
    PLUS: ClassVar[int] = 5
    MINUS: ClassVar[int] = 6
    TIMES: ClassVar[int] = 7
    n_inputs: ClassVar[int] = 8
    n_outputs: ClassVar[int] = 5

    def sample(self, batch_size: int, length: int, generator: torch.Generator) -> TaskBatch:
        """Random expressions of ``length`` numbers."""
        check_length(length)
        numbers = torch.randint(self.MODULUS, (batch_size, length), generator=generator)
        operators = torch.randint(
            self.PLUS, self.TIMES + 1, (batch_size, length), generator=generator
        )
        strings = torch.empty(batch_size, 2 * length - 1, dtype=torch.long)
        strings[:, 0::2] = numbers
        strings[:, 1::2] = operators[:, : length - 1]
        labels = torch.tensor([self.value(row) for row in strings.tolist()])
        return classification(strings, labels)

    @classmethod
    def value(cls, tokens: list[int]) -> int:
        """The value of one token string modulo 5: a sum of signed products."""
        total, term, sign = 0, tokens[0], 1
        for operator, number in zip(tokens[1::2], tokens[2::2], strict=True):
            if operator == cls.TIMES:
                term = term * number % cls.MODULUS
            else:
                total += sign * term
                term, sign = number, (1 if operator == cls.PLUS else -1)
        return (total + sign * term) % cls.MODULUS


@dataclass(frozen=True)
class CycleNavigation:
    """Moves on a cycle of 5 positions from position 0 -> the final position.

    Tokens: STAY 0, FORWARD 1 (+1), BACKWARD 2 (-1).
    """

    name: ClassVar[str] = "cycle_navigation"
    POSITIONS: ClassVar[int] = 5
    n_inputs: ClassVar[int] = 3
    n_outputs: ClassVar[int] = 5

    def sample(self, batch_size: int, length: int, generator: torch.Generator) -> TaskBatch:
        """Random walks of ``length`` moves."""
        check_length(length)
        moves = torch.randint(3, (batch_size, length), generator=generator)
        steps = torch.tensor([0, 1, -1])[moves]
        return classification(moves, steps.sum(1) % self.POSITIONS)
