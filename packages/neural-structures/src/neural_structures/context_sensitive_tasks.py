"""Context-sensitive transductions of Deletang et al. 2022: the answer needs random access to
the input (a queue or a tape), not only its reverse (a stack).

Layout as :class:`neural_structures.tasks.ReverseString`: ``x SEP BLANK*m``, the answer at the
BLANK steps (:func:`neural_structures.tasks.transduction`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch

from neural_structures.tasks import TaskBatch, check_length, transduction


@dataclass(frozen=True)
class DuplicateString:
    """Binary string ``x`` -> ``x x`` (2n answer steps): a queue's task."""

    name: ClassVar[str] = "duplicate_string"
    SEP: ClassVar[int] = 2
    BLANK: ClassVar[int] = 3
    n_inputs: ClassVar[int] = 4
    n_outputs: ClassVar[int] = 2

    def sample(self, batch_size: int, length: int, generator: torch.Generator) -> TaskBatch:
        """Random binary strings of ``length`` tokens and their duplicates."""
        check_length(length)
        strings = torch.randint(2, (batch_size, length), generator=generator)
        return transduction(strings, strings.repeat(1, 2), self.SEP, self.BLANK)


@dataclass(frozen=True)
class OddFirst:
    """String ``x_1 x_2 ... x_n`` -> the odd positions ``x_1 x_3 ...`` then the even ones
    ``x_2 x_4 ...`` (n answer steps)."""

    name: ClassVar[str] = "odd_first"
    SEP: ClassVar[int] = 2
    BLANK: ClassVar[int] = 3
    n_inputs: ClassVar[int] = 4
    n_outputs: ClassVar[int] = 2

    def sample(self, batch_size: int, length: int, generator: torch.Generator) -> TaskBatch:
        """Random binary strings of ``length`` tokens, odd positions first."""
        check_length(length)
        strings = torch.randint(2, (batch_size, length), generator=generator)
        answers = torch.cat([strings[:, 0::2], strings[:, 1::2]], dim=1)
        return transduction(strings, answers, self.SEP, self.BLANK)
