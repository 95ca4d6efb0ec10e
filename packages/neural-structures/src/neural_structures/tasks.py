"""Algorithmic sequence tasks that need a stack: generators of batched (inputs, targets).

Every task is a transduction in the style of Deletang et al. 2022 ("Neural Networks and the
Chomsky Hierarchy"): the model reads the input tokens one per step, then a separator, then keeps
stepping on BLANK inputs while it emits the answer. ``targets`` holds the answer at the steps
that are scored and ``IGNORE`` elsewhere, so per-token accuracy is measured on the answer only.

``length`` is the task's size parameter (the length of the input string); training on small
lengths and testing on larger ones measures generalisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

import torch
from torch import Tensor

from neural_structures.errors import ConfigurationError

IGNORE = -100
"""Target value of unscored steps (the default ``ignore_index`` of ``F.cross_entropy``)."""


@dataclass(frozen=True)
class TaskBatch:
    """One batch of a task: inputs and targets, both (batch, steps) int64."""

    inputs: Tensor
    targets: Tensor


class Task(Protocol):
    """What a task generator provides."""

    name: ClassVar[str]
    n_inputs: int  # input vocabulary size
    n_outputs: int  # output classes

    def sample(self, batch_size: int, length: int, generator: torch.Generator) -> TaskBatch:
        """A batch of examples of size ``length``."""
        ...


def _check_length(length: int, minimum: int = 1) -> None:
    if length < minimum:
        raise ConfigurationError(f"length must be >= {minimum}, got {length}")


@dataclass(frozen=True)
class ReverseString:
    """Read a string over ``vocab_size`` symbols, then output it reversed.

    Inputs: ``x_1 .. x_n SEP BLANK*n`` (2n + 1 steps); targets: ``x_n .. x_1`` at the n BLANK
    steps, IGNORE elsewhere. Token ids: symbols ``0..vocab_size-1``, SEP, BLANK.
    """

    name: ClassVar[str] = "reverse_string"
    vocab_size: int = 2

    @property
    def n_inputs(self) -> int:
        """Symbols plus SEP plus BLANK."""
        return self.vocab_size + 2

    @property
    def n_outputs(self) -> int:
        """One class per symbol."""
        return self.vocab_size

    def sample(self, batch_size: int, length: int, generator: torch.Generator) -> TaskBatch:
        """``batch_size`` random strings of ``length`` symbols and their reversals."""
        _check_length(length)
        sep, blank = self.vocab_size, self.vocab_size + 1
        strings = torch.randint(self.vocab_size, (batch_size, length), generator=generator)
        inputs = torch.cat(
            [
                strings,
                torch.full((batch_size, 1), sep),
                torch.full((batch_size, length), blank),
            ],
            dim=1,
        )
        targets = torch.full_like(inputs, IGNORE)
        targets[:, length + 1 :] = strings.flip(1)
        return TaskBatch(inputs, targets)


@dataclass(frozen=True)
class StackManipulation:
    """Replay push/pop actions on a given binary stack, then output the final stack.

    Inputs: the initial stack bottom-to-top (tokens 0/1), then actions (POP, PUSH0, PUSH1), then
    SEP and BLANKs; ``length`` counts stack plus action tokens. Targets, at the BLANK steps: the
    final stack top-to-bottom, then EMPTY (class 2) for the remaining steps. There are
    ``length + 1`` BLANK steps so that even a stack of ``length`` bits is followed by one EMPTY.
    """

    name: ClassVar[str] = "stack_manipulation"
    POP: ClassVar[int] = 2
    PUSH0: ClassVar[int] = 3
    PUSH1: ClassVar[int] = 4
    SEP: ClassVar[int] = 5
    BLANK: ClassVar[int] = 6
    EMPTY: ClassVar[int] = 2
    n_inputs: ClassVar[int] = 7
    n_outputs: ClassVar[int] = 3

    def sample(self, batch_size: int, length: int, generator: torch.Generator) -> TaskBatch:
        """A random initial stack of up to ``length`` bits followed by random actions."""
        _check_length(length)
        steps = 2 * length + 2
        inputs = torch.full((batch_size, steps), self.BLANK)
        targets = torch.full((batch_size, steps), IGNORE)
        initial_sizes = torch.randint(length + 1, (batch_size,), generator=generator)
        tokens = torch.randint(2, (batch_size, length), generator=generator)
        actions = torch.randint(self.POP, self.PUSH1 + 1, (batch_size, length), generator=generator)
        for row in range(batch_size):
            size = int(initial_sizes[row])
            sequence = tokens[row, :size].tolist() + actions[row, size:].tolist()
            stack = _replay(sequence[:size], sequence[size:])
            inputs[row, :length] = torch.tensor(sequence)
            inputs[row, length] = self.SEP
            answer = stack[::-1] + [self.EMPTY] * (length + 1 - len(stack))
            targets[row, length + 1 :] = torch.tensor(answer)
        return TaskBatch(inputs, targets)


def _replay(stack: list[int], actions: list[int]) -> list[int]:
    """Apply StackManipulation action tokens to a stack (bottom first); POP on empty is a no-op."""
    stack = list(stack)
    for action in actions:
        if action == StackManipulation.POP:
            if stack:
                stack.pop()
        else:
            stack.append(action - StackManipulation.PUSH0)
    return stack


@dataclass(frozen=True)
class BalancedBrackets:
    """Decide whether a string over ``n_types`` bracket pairs is balanced (a Dyck word).

    Inputs: ``length`` bracket tokens (opener of type k is ``2k``, closer ``2k + 1``), then SEP;
    target at the SEP step: 1 if balanced, else 0. Half of each batch is balanced (when
    ``length`` is even); the other half are near misses: one bracket of a Dyck word replaced by
    another, so that the count of every bracket type alone does not give the answer away.
    """

    name: ClassVar[str] = "balanced_brackets"
    n_types: int = 1
    n_outputs: ClassVar[int] = 2

    @property
    def n_inputs(self) -> int:
        """Openers and closers of every type, plus SEP."""
        return 2 * self.n_types + 1

    def sample(self, batch_size: int, length: int, generator: torch.Generator) -> TaskBatch:
        """Balanced words and near misses of ``length`` brackets (balanced only if even)."""
        _check_length(length)
        inputs = torch.full((batch_size, length + 1), 2 * self.n_types)
        targets = torch.full((batch_size, length + 1), IGNORE)
        for row in range(batch_size):
            word = _dyck_word(length - length % 2, self.n_types, generator)
            if length % 2:
                word.append(int(torch.randint(2 * self.n_types, (1,), generator=generator)))
            elif row % 2:
                word = _near_miss(word, self.n_types, generator)
            inputs[row, :length] = torch.tensor(word, dtype=torch.long)
            targets[row, length] = int(_is_balanced(word))
        return TaskBatch(inputs, targets)


def _dyck_word(length: int, n_types: int, generator: torch.Generator) -> list[int]:
    """A random balanced word of even ``length`` (random walk that never goes below zero)."""
    word: list[int] = []
    open_types: list[int] = []
    for position in range(length):
        can_open = len(open_types) + 1 <= length - position - 1  # room left to close them all
        if open_types and (not can_open or torch.rand(1, generator=generator) < 0.5):
            word.append(2 * open_types.pop() + 1)
        else:
            kind = int(torch.randint(n_types, (1,), generator=generator))
            open_types.append(kind)
            word.append(2 * kind)
    return word


def _near_miss(word: list[int], n_types: int, generator: torch.Generator) -> list[int]:
    """``word`` with one token replaced by a different bracket token."""
    word = list(word)
    position = int(torch.randint(len(word), (1,), generator=generator))
    shift = int(torch.randint(1, 2 * n_types, (1,), generator=generator))
    word[position] = (word[position] + shift) % (2 * n_types)
    return word


def _is_balanced(word: list[int]) -> bool:
    stack: list[int] = []
    for token in word:
        if token % 2 == 0:
            stack.append(token // 2)
        elif not stack or stack.pop() != token // 2:
            return False
    return not stack


@dataclass(frozen=True)
class AnBn:
    """Decide whether a string over {a, b} is ``a^n b^n``.

    Inputs: ``length`` tokens (a = 0, b = 1) then SEP; target at the SEP step: 1 if the string
    is ``a^(length/2) b^(length/2)``, else 0. Half of each batch (for even lengths) is positive;
    the negatives are ``a^k b^(length-k)`` with k != length/2 or a positive with one token flipped.
    """

    name: ClassVar[str] = "anbn"
    n_inputs: ClassVar[int] = 3
    n_outputs: ClassVar[int] = 2

    def sample(self, batch_size: int, length: int, generator: torch.Generator) -> TaskBatch:
        """Positives and near-miss negatives of ``length`` tokens."""
        _check_length(length)
        inputs = torch.full((batch_size, length + 1), 2)
        targets = torch.full((batch_size, length + 1), IGNORE)
        for row in range(batch_size):
            k = length // 2
            negative = row % 2 or length % 2
            if negative and length > 1 and torch.rand(1, generator=generator) < 0.5:
                k = int(torch.randint(length + 1, (1,), generator=generator))
            word = [0] * k + [1] * (length - k)
            if row % 2 and k == length // 2:
                position = int(torch.randint(length, (1,), generator=generator))
                word[position] = 1 - word[position]
            inputs[row, :length] = torch.tensor(word)
            half = length // 2
            targets[row, length] = int(length % 2 == 0 and word == [0] * half + [1] * half)
        return TaskBatch(inputs, targets)


TASKS: dict[str, type] = {
    task.name: task for task in (ReverseString, StackManipulation, BalancedBrackets, AnBn)
}
"""Task classes by name, for command lines."""
