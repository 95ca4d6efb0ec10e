"""Differentiable stacks: a Joulin-Mikolov continuous stack and a Grefenstette strength stack.

NeuralStack (Joulin & Mikolov 2015, "Inferring Algorithmic Patterns with Stack-Augmented
Recurrent Nets"): the stack is a (depth, cell) array and each step is a convex mix of the three
results of push / pop / no-op. With one-hot actions it is exactly a bounded Python list.

GrefenstetteStack (Grefenstette et al. 2015): values are never moved by a pop; instead each one
has a strength that pops wear down, and a read takes the top unit of strength.

Both take and return an explicit batched state; no state lives in the module.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn

from neural_structures._controls import (
    check_shape,
    check_sharpen,
    clear_rows,
    sharpen_distribution,
)
from neural_structures._strength import StrengthMemory
from neural_structures.errors import ConfigurationError, StateShapeError

PUSH, POP, NOOP = 0, 1, 2
"""Column of each action in the ``actions`` tensor of :class:`NeuralStack`."""


class StackState(NamedTuple):
    """Batched state of a :class:`NeuralStack`.

    stack: (batch, depth, cell_size); row 0 is the top. Empty rows are zeros.
    """

    stack: Tensor


class NeuralStack(nn.Module):
    """Joulin-Mikolov continuous stack: push / pop / no-op in superposition.

    One step, with action probabilities ``a = (a_push, a_pop, a_noop)`` per batch row::

        new[0] = a_push * value  + a_pop * old[1]   + a_noop * old[0]
        new[i] = a_push * old[i-1] + a_pop * old[i+1] + a_noop * old[i]

    Popping an empty stack leaves it empty (zeros come up from below); pushing onto a full one
    drops the bottom row.

    Args:
        cell_size: size of each stored vector.
        depth: default number of rows for :meth:`init_state` (a runtime choice, not a parameter:
            a model trained with one depth runs with any other).
        sharpen: exponent applied to the action probabilities before mixing (1 = off); larger
            values push soft actions towards one-hot.

    Example:
        >>> stack = NeuralStack(cell_size=4, depth=8)
        >>> state = stack.init_state(batch_size=2)
        >>> push = torch.tensor([[1.0, 0.0, 0.0]] * 2)
        >>> state, top = stack(state, push, torch.ones(2, 4))
        >>> top.shape
        torch.Size([2, 4])
    """

    def __init__(self, cell_size: int, depth: int = 64, sharpen: float = 1.0) -> None:
        super().__init__()
        if cell_size < 1 or depth < 1:
            raise ConfigurationError(
                f"cell_size and depth must be >= 1, got cell_size={cell_size}, depth={depth}"
            )
        self.cell_size = cell_size
        self.depth = depth
        self.sharpen = check_sharpen(sharpen)

    def init_state(
        self,
        batch_size: int,
        depth: int | None = None,
        *,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> StackState:
        """An empty stack for each batch row: (batch, depth, cell_size) of zeros."""
        depth = self.depth if depth is None else depth
        if depth < 1:
            raise ConfigurationError(f"depth must be >= 1, got {depth}")
        return StackState(
            torch.zeros(batch_size, depth, self.cell_size, device=device, dtype=dtype)
        )

    def reset(self, state: StackState, where: Tensor | None = None) -> StackState:
        """Empty the stack of every row (``where=None``) or of rows weighted by ``where`` (batch,)."""
        return StackState(clear_rows(state.stack, where))

    def forward(
        self, state: StackState, actions: Tensor, value: Tensor
    ) -> tuple[StackState, Tensor]:
        """Apply one superposed step.

        Args:
            state: the current :class:`StackState`.
            actions: (batch, 3) probabilities of push, pop, no-op (columns PUSH, POP, NOOP).
            value: (batch, cell_size) the vector a push would put on top.

        Returns:
            The new state and its top row, (batch, cell_size).
        """
        stack = state.stack
        batch, _, cell = stack.shape
        check_shape("actions", actions, (batch, 3), "(batch, 3)")
        check_shape("value", value, (batch, cell), "(batch, cell_size)")
        a = sharpen_distribution(actions, self.sharpen)[:, :, None, None]  # (B, 3, 1, 1)
        pushed = torch.cat([value[:, None], stack[:, :-1]], dim=1)
        popped = torch.cat([stack[:, 1:], torch.zeros_like(stack[:, :1])], dim=1)
        new = a[:, PUSH] * pushed + a[:, POP] * popped + a[:, NOOP] * stack  # (B, D, C)
        return StackState(new), new[:, 0]

    @staticmethod
    def peek(state: StackState, k: int = 1) -> Tensor:
        """The top ``k`` rows of each stack: (batch, k, cell_size)."""
        if not 1 <= k <= state.stack.shape[1]:
            raise StateShapeError(f"k must be in 1..depth={state.stack.shape[1]}, got {k}")
        return state.stack[:, :k]

    def extra_repr(self) -> str:
        """Sizes shown in the module repr."""
        return f"cell_size={self.cell_size}, depth={self.depth}, sharpen={self.sharpen}"


class GrefenstetteStack(StrengthMemory):
    """Grefenstette-style neural stack: every value carries a strength that pops wear down.

    One step (``forward(state, push, pop, value)``) pops ``pop`` units of strength from the top,
    then pushes ``value`` with strength ``push``, then reads one unit of strength from the top.
    With push/pop in {0, 1} it behaves exactly like a Python list (``append`` / ``pop``, read
    ``lst[-1]``, zeros when empty). Memory grows by one row a step, so the state's ``capacity``
    must be at least the number of steps (older rows fall off).

    State: :class:`StrengthState` with values (batch, capacity, cell_size) and strengths
    (batch, capacity), row 0 the newest push.

    Args:
        cell_size: size of each stored vector.
        capacity: default number of rows for :meth:`init_state` (a runtime choice).
    """

    from_newest = True
