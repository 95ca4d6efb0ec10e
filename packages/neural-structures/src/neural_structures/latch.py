"""NeuralLatch: a resettable one-vector memory (a stack of depth one, without the pop)."""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn

from neural_structures._controls import check_shape, clear_rows
from neural_structures.errors import ConfigurationError


class LatchState(NamedTuple):
    """Batched state of a :class:`NeuralLatch`: value (batch, cell_size)."""

    value: Tensor


class NeuralLatch(nn.Module):
    """Holds a vector until it is told to store a new one or to reset.

    One step, with ``enable`` and ``reset`` in [0, 1] per batch row::

        held = enable * value + (1 - enable) * old
        new  = (1 - reset) * held              # a reset wins over a store

    Args:
        cell_size: size of the held vector.
    """

    def __init__(self, cell_size: int) -> None:
        super().__init__()
        if cell_size < 1:
            raise ConfigurationError(f"cell_size must be >= 1, got {cell_size}")
        self.cell_size = cell_size

    def init_state(
        self,
        batch_size: int,
        *,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> LatchState:
        """A cleared latch for each batch row: (batch, cell_size) zeros."""
        return LatchState(torch.zeros(batch_size, self.cell_size, device=device, dtype=dtype))

    def reset(self, state: LatchState, where: Tensor | None = None) -> LatchState:
        """Clear every row (``where=None``) or rows weighted by ``where`` (batch,)."""
        return LatchState(clear_rows(state.value, where))

    def forward(
        self,
        state: LatchState,
        enable: Tensor,
        value: Tensor,
        reset: Tensor | None = None,
    ) -> tuple[LatchState, Tensor]:
        """Store ``value`` where enabled, then clear where reset.

        Args:
            state: the current :class:`LatchState`.
            enable: (batch,) how much of ``value`` to store, in [0, 1].
            value: (batch, cell_size) the candidate value.
            reset: optional (batch,) how much to clear, in [0, 1].

        Returns:
            The new state and the held value, (batch, cell_size).
        """
        batch, cell = state.value.shape
        check_shape("enable", enable, (batch,), "(batch,)")
        check_shape("value", value, (batch, cell), "(batch, cell_size)")
        held = enable[:, None] * value + (1 - enable[:, None]) * state.value
        if reset is not None:
            check_shape("reset", reset, (batch,), "(batch,)")
            held = (1 - reset[:, None]) * held
        return LatchState(held), held

    def extra_repr(self) -> str:
        """Sizes shown in the module repr."""
        return f"cell_size={self.cell_size}"
