"""AddressableMemory: a key-value memory read and written by soft (content) address.

Each slot has a fixed key; an address is any vector, and it selects slots by attention::

    weights = softmax(sharpness * cos(address, keys))                     # (batch, n_slots)
    read    = weights @ values                                           # (batch, value_size)
    write:  values <- values * (1 - strength * w) + strength * w * value  # overwrite, NTM-style

With addresses equal to keys and a high sharpness the weights are one-hot, and the memory is a
dict from slot key to value; anything in between blends slots, so gradients reach addresses,
values and write strengths.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from neural_structures._controls import check_shape, clear_rows
from neural_structures.errors import ConfigurationError
from neural_structures.symbol import symbol_vector


class MemoryState(NamedTuple):
    """Batched state of an :class:`AddressableMemory`: values (batch, n_slots, value_size)."""

    values: Tensor


class AddressableMemory(nn.Module):
    """Key-value memory with soft, content-based addressing.

    Args:
        n_slots: number of slots.
        key_size: size of the slot keys and of addresses.
        value_size: size of stored values.
        keys: optional (n_slots, key_size) slot keys; by default the seeded random vectors of
            the symbols ``0 .. n_slots-1`` (as in a :class:`~neural_structures.SymbolSpace`
            with the same ``seed``), so ``SymbolSpace(key_size, seed).project(i)`` addresses
            slot ``i``.
        sharpness: inverse temperature of the address softmax.
        seed: seed of the default keys.
    """

    def __init__(
        self,
        n_slots: int,
        key_size: int,
        value_size: int,
        keys: Tensor | None = None,
        sharpness: float = 50.0,
        seed: int = 0,
    ) -> None:
        super().__init__()
        if min(n_slots, key_size, value_size) < 1 or not sharpness > 0:
            raise ConfigurationError(
                "n_slots, key_size and value_size must be >= 1 and sharpness > 0, got "
                f"{n_slots}, {key_size}, {value_size}, {sharpness}"
            )
        if keys is None:
            keys = torch.stack([symbol_vector(i, key_size, seed) for i in range(n_slots)])
        check_shape("keys", keys, (n_slots, key_size), "(n_slots, key_size)")
        self.n_slots, self.key_size, self.value_size = n_slots, key_size, value_size
        self.sharpness = float(sharpness)
        self.register_buffer("keys", F.normalize(keys.detach(), dim=-1))

    def init_state(
        self,
        batch_size: int,
        *,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> MemoryState:
        """Empty memory: values (batch, n_slots, value_size) of zeros."""
        shape = (batch_size, self.n_slots, self.value_size)
        return MemoryState(torch.zeros(shape, device=device, dtype=dtype))

    def reset(self, state: MemoryState, where: Tensor | None = None) -> MemoryState:
        """Clear every row (``where=None``) or rows weighted by ``where`` (batch,)."""
        return MemoryState(clear_rows(state.values, where))

    def address(self, address: Tensor) -> Tensor:
        """Slot weights of each address: (batch, key_size) -> (batch, n_slots), rows sum to 1."""
        check_shape("address", address, (address.shape[0], self.key_size), "(batch, key_size)")
        similarity = F.normalize(address, dim=-1) @ self.keys.to(address).T  # (B, N)
        return F.softmax(self.sharpness * similarity, dim=-1)

    def read(self, state: MemoryState, address: Tensor) -> Tensor:
        """The weighted sum of the values at ``address``: (batch, value_size)."""
        check_shape("address", address, (state.values.shape[0], self.key_size), "(batch, key_size)")
        return self.read_at(state, self.address(address))

    def read_at(self, state: MemoryState, weights: Tensor) -> Tensor:
        """The values weighted by slot ``weights`` (batch, n_slots): (batch, value_size). A
        controller that keeps its own slot weights (a tape head) reads through this."""
        check_shape("weights", weights, state.values.shape[:2], "(batch, n_slots)")
        return torch.einsum("bn,bnv->bv", weights, state.values)

    def write(
        self,
        state: MemoryState,
        address: Tensor,
        value: Tensor,
        strength: Tensor | None = None,
    ) -> MemoryState:
        """Overwrite the slots at ``address`` with ``value``, by ``strength`` (batch,) in [0, 1].

        Args:
            state: the current :class:`MemoryState`.
            address: (batch, key_size).
            value: (batch, value_size).
            strength: optional (batch,) write strength (default 1).
        """
        check_shape("address", address, (state.values.shape[0], self.key_size), "(batch, key_size)")
        return self.write_at(state, self.address(address), value, strength)

    def write_at(
        self,
        state: MemoryState,
        weights: Tensor,
        value: Tensor,
        strength: Tensor | None = None,
    ) -> MemoryState:
        """Overwrite the slots by ``weights`` (batch, n_slots) instead of an address; otherwise
        as :meth:`write`."""
        batch = state.values.shape[0]
        check_shape("weights", weights, state.values.shape[:2], "(batch, n_slots)")
        check_shape("value", value, (batch, self.value_size), "(batch, value_size)")
        if strength is not None:
            check_shape("strength", strength, (batch,), "(batch,)")
            weights = weights * strength[:, None]
        weights = weights[:, :, None]
        return MemoryState(state.values * (1 - weights) + weights * value[:, None])

    def forward(self, state: MemoryState, address: Tensor) -> Tensor:
        """Same as :meth:`read`."""
        return self.read(state, address)

    def extra_repr(self) -> str:
        """Sizes shown in the module repr."""
        return (
            f"n_slots={self.n_slots}, key_size={self.key_size}, value_size={self.value_size}, "
            f"sharpness={self.sharpness}"
        )
