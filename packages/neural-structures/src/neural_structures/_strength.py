"""The strength-based memory update shared by GrefenstetteStack and NeuralQueue (private).

Grefenstette et al. 2015, "Learning to Transduce with Unbounded Memory": every pushed value keeps a
scalar strength in [0, 1]; a pop of strength u removes u units of strength starting from the
element that would be read first; a read takes one unit of strength from the same end.

Layout: row 0 holds the newest value. A stack reads from row 0 downwards, a queue from the last
row upwards. A push shifts every row down by one (the oldest row falls off the end), so the
capacity must be at least the number of steps taken.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn

from neural_structures._controls import check_shape, clear_rows
from neural_structures.errors import ConfigurationError


class StrengthState(NamedTuple):
    """Batched state of a strength-based stack or queue.

    values: (batch, capacity, cell_size), row 0 is the most recent push.
    strengths: (batch, capacity), how much of each row is still present, in [0, 1].
    """

    values: Tensor
    strengths: Tensor


def _ahead(strengths: Tensor, from_newest: bool) -> Tensor:
    """Total strength read before each row: exclusive cumulative sum from the read end."""
    if from_newest:
        return strengths.cumsum(dim=1) - strengths
    return strengths.flip(1).cumsum(dim=1).flip(1) - strengths


def strength_read(state: StrengthState, from_newest: bool) -> Tensor:
    """One unit of strength worth of values from the read end: (batch, cell_size)."""
    ahead = _ahead(state.strengths, from_newest)
    weights = torch.minimum(state.strengths, (1 - ahead).clamp_min(0))  # (B, N)
    return torch.einsum("bn,bnc->bc", weights, state.values)


def strength_step(
    state: StrengthState, push: Tensor, pop: Tensor, value: Tensor, from_newest: bool
) -> StrengthState:
    """Pop ``pop`` units from the read end, then push ``value`` with strength ``push``."""
    strengths = state.strengths
    ahead = _ahead(strengths, from_newest)
    strengths = (strengths - (pop[:, None] - ahead).clamp_min(0)).clamp_min(0)
    values = torch.cat([value[:, None], state.values[:, :-1]], dim=1)
    strengths = torch.cat([push[:, None], strengths[:, :-1]], dim=1)
    return StrengthState(values, strengths)


class StrengthMemory(nn.Module):
    """Shared body of GrefenstetteStack (reads newest first) and NeuralQueue (oldest first)."""

    from_newest: bool = True

    def __init__(self, cell_size: int, capacity: int = 128) -> None:
        super().__init__()
        if cell_size < 1 or capacity < 1:
            raise ConfigurationError(
                f"cell_size and capacity must be >= 1, got {cell_size}, {capacity}"
            )
        self.cell_size = cell_size
        self.capacity = capacity

    def init_state(
        self,
        batch_size: int,
        capacity: int | None = None,
        *,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> StrengthState:
        """Empty memory: values (batch, capacity, cell_size) and strengths (batch, capacity)."""
        capacity = self.capacity if capacity is None else capacity
        if capacity < 1:
            raise ConfigurationError(f"capacity must be >= 1, got {capacity}")
        values = torch.zeros(batch_size, capacity, self.cell_size, device=device, dtype=dtype)
        return StrengthState(values, torch.zeros(batch_size, capacity, device=device, dtype=dtype))

    def reset(self, state: StrengthState, where: Tensor | None = None) -> StrengthState:
        """Zero the strengths of every row (``where=None``) or of rows weighted by ``where``."""
        return StrengthState(state.values, clear_rows(state.strengths, where))

    def forward(
        self, state: StrengthState, push: Tensor, pop: Tensor, value: Tensor
    ) -> tuple[StrengthState, Tensor]:
        """Pop, then push, then read.

        Args:
            state: the current :class:`StrengthState`.
            push: (batch,) strength in [0, 1] of the new value (0 = no push).
            pop: (batch,) units of strength in [0, 1] to remove (0 = no pop).
            value: (batch, cell_size) the value to push.

        Returns:
            The new state and the read, (batch, cell_size).
        """
        batch, _, cell = state.values.shape
        check_shape("push", push, (batch,), "(batch,)")
        check_shape("pop", pop, (batch,), "(batch,)")
        check_shape("value", value, (batch, cell), "(batch, cell_size)")
        new = strength_step(state, push, pop, value, from_newest=self.from_newest)
        return new, strength_read(new, from_newest=self.from_newest)

    def read(self, state: StrengthState) -> Tensor:
        """One unit of strength from the read end: (batch, cell_size)."""
        return strength_read(state, from_newest=self.from_newest)

    def extra_repr(self) -> str:
        """Sizes shown in the module repr."""
        return f"cell_size={self.cell_size}, capacity={self.capacity}"
