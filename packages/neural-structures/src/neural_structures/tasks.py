"""Algorithmic sequence tasks that need a stack: generators of batched (inputs, targets).

The model makes one prediction per input step. ``targets`` holds the answer at the steps that
are scored and ``IGNORE`` elsewhere, so per-token accuracy is measured on the answer only.
ReverseString and StackManipulation are transductions in the style of Deletang et al. 2022
("Neural Networks and the Chomsky Hierarchy"): read the input, a separator, then emit the answer
while stepping on BLANK inputs. BalancedBrackets and AnBn are per-step predictions.

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


def transduction(strings: Tensor, answers: Tensor, sep: int, blank: int) -> TaskBatch:
    """The transduction layout: inputs ``strings SEP BLANK*m``, targets ``answers`` (B, m) at
    the BLANK steps and IGNORE before them."""
    batch = strings.shape[0]
    inputs = torch.cat(
        [strings, torch.full((batch, 1), sep), torch.full((batch, answers.shape[1]), blank)], dim=1
    )
    targets = torch.full_like(inputs, IGNORE)
    targets[:, strings.shape[1] + 1 :] = answers
    return TaskBatch(inputs, targets)


def classification(strings: Tensor, labels: Tensor) -> TaskBatch:
    """The classification layout: inputs ``strings``, a target (``labels``, (B,)) at the last
    step only."""
    targets = torch.full_like(strings, IGNORE)
    targets[:, -1] = labels
    return TaskBatch(strings, targets)


def check_length(length: int, minimum: int = 1) -> None:
    """ConfigurationError unless a task size is at least `minimum`."""
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
        check_length(length)
        sep, blank = self.vocab_size, self.vocab_size + 1
        strings = torch.randint(self.vocab_size, (batch_size, length), generator=generator)
        return transduction(strings, strings.flip(1), sep, blank)


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
        check_length(length)
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
    """Track nested brackets of ``n_types`` kinds (Dyck-n): at every step, name the bracket to close.

    Inputs: ``length`` brackets (opener of type k is ``2k``, closer ``2k + 1``) forming a prefix
    of a balanced word (a closer always matches the innermost open bracket). Target at every
    step: the type of the innermost bracket still open after reading it, or ``n_types`` when
    everything read so far is balanced. This is the "which closers are legal next" prediction
    of Suzgun et al. 2019; it needs a stack once ``n_types >= 2``.
    """

    name: ClassVar[str] = "balanced_brackets"
    n_types: int = 2

    @property
    def n_inputs(self) -> int:
        """Openers and closers of every type."""
        return 2 * self.n_types

    @property
    def n_outputs(self) -> int:
        """One class per bracket type, plus 'balanced'."""
        return self.n_types + 1

    def sample(self, batch_size: int, length: int, generator: torch.Generator) -> TaskBatch:
        """Random Dyck prefixes of ``length`` brackets (open or close with equal odds)."""
        check_length(length)
        opens = torch.rand(batch_size, length, generator=generator) < 0.5
        kinds = torch.randint(self.n_types, (batch_size, length), generator=generator)
        inputs = torch.empty(batch_size, length, dtype=torch.long)
        targets = torch.empty(batch_size, length, dtype=torch.long)
        for row in range(batch_size):
            stack: list[int] = []
            for t in range(length):
                if opens[row, t] or not stack:
                    stack.append(int(kinds[row, t]))
                    inputs[row, t] = 2 * stack[-1]
                else:
                    inputs[row, t] = 2 * stack.pop() + 1
                targets[row, t] = stack[-1] if stack else self.n_types
        return TaskBatch(inputs, targets)


@dataclass(frozen=True)
class AnBn:
    """Predict the next symbol of ``a^n b^n`` once the b's have started (n = ``length``).

    Inputs: ``a^n b^n`` (a = 0, b = 1), 2n steps. Targets, from the step that reads the first
    b: the next symbol, ``b`` (1) while b's remain and END (2) at the last step; the a-steps are
    not scored (the next symbol is not determined there). The model must count the a's: this is
    the context-free next-symbol task of Gers & Schmidhuber 2001 and Joulin & Mikolov 2015.
    """

    name: ClassVar[str] = "anbn"
    END: ClassVar[int] = 2
    n_inputs: ClassVar[int] = 2
    n_outputs: ClassVar[int] = 3

    def sample(self, batch_size: int, length: int, generator: torch.Generator) -> TaskBatch:
        """``batch_size`` copies of ``a^length b^length`` (the task has one string per n)."""
        check_length(length)
        word = torch.tensor([0] * length + [1] * length)
        target = torch.tensor([IGNORE] * length + [1] * (length - 1) + [self.END])
        return TaskBatch(word.repeat(batch_size, 1), target.repeat(batch_size, 1))


@dataclass(frozen=True)
class HoldValue:
    """Hold a value until a signal (seed 001's t01): every step reads a symbol 0-3, sometimes
    with a store signal (tokens 4-7: store symbol ``token - 4``, one step in eight). The
    target at every step is the symbol of the latest store, or NOTHING (4) before the first:
    what a latch holds."""

    name: ClassVar[str] = "hold_value"
    SYMBOLS: ClassVar[int] = 4
    NOTHING: ClassVar[int] = 4
    n_inputs: ClassVar[int] = 8
    n_outputs: ClassVar[int] = 5

    def sample(self, batch_size: int, length: int, generator: torch.Generator) -> TaskBatch:
        """Random streams of ``length`` steps and the held symbol after each."""
        check_length(length)
        symbols = torch.randint(self.SYMBOLS, (batch_size, length), generator=generator)
        store = torch.rand(batch_size, length, generator=generator) < 0.125
        targets = torch.empty_like(symbols)
        held = torch.full((batch_size,), self.NOTHING)
        for t in range(length):
            held = torch.where(store[:, t], symbols[:, t], held)
            targets[:, t] = held
        return TaskBatch(symbols + self.SYMBOLS * store.long(), targets)


def _all_tasks() -> dict[str, type]:
    # Imported here, not at the top: those modules build on this one's layouts and checks.
    from neural_structures.context_free_tasks import ModularArithmeticBrackets, SolveEquation
    from neural_structures.context_sensitive_tasks import (
        BinaryAddition,
        BucketSort,
        DuplicateString,
        MissingDuplicate,
        OddFirst,
    )
    from neural_structures.regular_tasks import (
        CycleNavigation,
        EvenPairs,
        ModularArithmetic,
        ParityCheck,
    )

    tasks = (ParityCheck, EvenPairs, ModularArithmetic, CycleNavigation, ReverseString,
             StackManipulation, ModularArithmeticBrackets, SolveEquation, BalancedBrackets,
             AnBn, HoldValue, DuplicateString, MissingDuplicate,
             OddFirst, BinaryAddition, BucketSort)  # fmt: skip
    return {task.name: task for task in tasks}


TASKS: dict[str, type] = _all_tasks()
"""Task classes by name, for command lines: regular (parity_check, even_pairs,
modular_arithmetic, cycle_navigation), context-free (reverse_string, stack_manipulation,
modular_arithmetic_brackets, solve_equation, balanced_brackets, anbn), context-sensitive (duplicate_string, missing_duplicate, odd_first,
binary_addition, bucket_sort), and the seed's hold_value (a latch's task)."""
