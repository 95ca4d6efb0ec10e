"""Context-sensitive tasks of Deletang et al. 2022: the answer needs random access to the input
(a queue or a tape), not only its reverse (a stack).

Transductions use the layout of :class:`neural_structures.tasks.ReverseString`: ``x SEP
BLANK*m``, the answer at the BLANK steps (:func:`neural_structures.tasks.transduction`);
MissingDuplicate is scored at its last step (:func:`neural_structures.tasks.classification`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import Tensor

from neural_structures.tasks import TaskBatch, check_length, classification, transduction


@dataclass(frozen=True)
class _BinaryTransduction:
    """A random binary string ``x`` -> ``answer(x)``, in the transduction layout."""

    SEP: ClassVar[int] = 2
    BLANK: ClassVar[int] = 3
    n_inputs: ClassVar[int] = 4
    n_outputs: ClassVar[int] = 2

    def sample(self, batch_size: int, length: int, generator: torch.Generator) -> TaskBatch:
        """Random binary strings of ``length`` tokens and their answers."""
        check_length(length)
        strings = torch.randint(2, (batch_size, length), generator=generator)
        return transduction(strings, self.answer(strings), self.SEP, self.BLANK)

    def answer(self, strings: Tensor) -> Tensor:
        """The answers (batch, m) to ``strings`` (batch, n)."""
        raise NotImplementedError


@dataclass(frozen=True)
class DuplicateString(_BinaryTransduction):
    """Binary string ``x`` -> ``x x`` (2n answer steps): a queue's task."""

    name: ClassVar[str] = "duplicate_string"

    def answer(self, strings: Tensor) -> Tensor:
        """The string twice."""
        return strings.repeat(1, 2)


@dataclass(frozen=True)
class OddFirst(_BinaryTransduction):
    """String ``x_1 x_2 ... x_n`` -> the odd positions ``x_1 x_3 ...`` then the even ones
    ``x_2 x_4 ...`` (n answer steps)."""

    name: ClassVar[str] = "odd_first"

    def answer(self, strings: Tensor) -> Tensor:
        """Odd positions (1-based), then even ones."""
        return torch.cat([strings[:, 0::2], strings[:, 1::2]], dim=1)


@dataclass(frozen=True)
class MissingDuplicate:
    """``x x`` with one token of it replaced by MISSING -> the token that was replaced.

    Inputs: the 2n tokens (binary, MISSING = 2); scored at the last step (2 classes).
    """

    name: ClassVar[str] = "missing_duplicate"
    MISSING: ClassVar[int] = 2
    n_inputs: ClassVar[int] = 3
    n_outputs: ClassVar[int] = 2

    def sample(self, batch_size: int, length: int, generator: torch.Generator) -> TaskBatch:
        """Random binary strings of ``length`` tokens, doubled, one position hidden."""
        check_length(length)
        doubled = torch.randint(2, (batch_size, length), generator=generator).repeat(1, 2)
        hidden = torch.randint(2 * length, (batch_size,), generator=generator)
        rows = torch.arange(batch_size)
        labels = doubled[rows, hidden].clone()
        doubled[rows, hidden] = self.MISSING
        return classification(doubled, labels)


@dataclass(frozen=True)
class BinaryAddition:
    """Two n-bit numbers, least significant bit first, ``x PLUS y`` -> their sum in n + 1 bits,
    least significant bit first (the carry travels with the answer)."""

    name: ClassVar[str] = "binary_addition"
    PLUS: ClassVar[int] = 2
    SEP: ClassVar[int] = 3
    BLANK: ClassVar[int] = 4
    n_inputs: ClassVar[int] = 5
    n_outputs: ClassVar[int] = 2

    def sample(self, batch_size: int, length: int, generator: torch.Generator) -> TaskBatch:
        """Random pairs of ``length``-bit numbers and their sums."""
        check_length(length)
        x = torch.randint(2, (batch_size, length), generator=generator)
        y = torch.randint(2, (batch_size, length), generator=generator)
        answers = torch.zeros(batch_size, length + 1, dtype=torch.long)
        carry = torch.zeros(batch_size, dtype=torch.long)
        for bit in range(length):  # ripple-carry, low bit first
            total = x[:, bit] + y[:, bit] + carry
            answers[:, bit], carry = total % 2, total // 2
        answers[:, length] = carry
        strings = torch.cat([x, torch.full((batch_size, 1), self.PLUS), y], dim=1)
        return transduction(strings, answers, self.SEP, self.BLANK)


@dataclass(frozen=True)
class BucketSort:
    """A string over 5 symbols -> the same symbols in ascending order (n answer steps)."""

    name: ClassVar[str] = "bucket_sort"
    SYMBOLS: ClassVar[int] = 5
    SEP: ClassVar[int] = 5
    BLANK: ClassVar[int] = 6
    n_inputs: ClassVar[int] = 7
    n_outputs: ClassVar[int] = 5

    def sample(self, batch_size: int, length: int, generator: torch.Generator) -> TaskBatch:
        """Random strings of ``length`` symbols and their sorted versions."""
        check_length(length)
        strings = torch.randint(self.SYMBOLS, (batch_size, length), generator=generator)
        return transduction(strings, strings.sort(1).values, self.SEP, self.BLANK)
