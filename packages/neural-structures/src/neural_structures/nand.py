"""NeuralNAND: a NAND gate whose inputs and output are vectors (hyperdimensional booleans).

A boolean is a vector: the ``True`` symbol's vector, the ``False`` symbol's vector, or a mix.
Its truth is read by comparing cosine similarity to both::

    truth(x) = clamp((cos(x, T) - cos(x, F) + 1) / 2, 0, 1)      # 1 at T, 0 at F

and the gate outputs ``nand * T + (1 - nand) * F`` with ``nand = 1 - prod_i truth(x_i)``. Every
step is differentiable, and since NAND is universal, gates compose into any boolean circuit.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from neural_structures.errors import ConfigurationError, StateShapeError
from neural_structures.symbol import symbol_vector


class NeuralNAND(nn.Module):
    """NAND over vector-encoded booleans.

    Args:
        vec_size: size of the boolean vectors.
        true_vector, false_vector: (vec_size,) encodings of True and False; by default the
            :class:`~neural_structures.SymbolSpace` vectors of the symbols ``True`` and
            ``False`` for ``seed``, so a SymbolSpace with the same seed unprojects the output.
        seed: seed of the default vectors.
    """

    def __init__(
        self,
        vec_size: int = 2048,
        true_vector: Tensor | None = None,
        false_vector: Tensor | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__()
        if vec_size < 1:
            raise ConfigurationError(f"vec_size must be >= 1, got {vec_size}")
        self.vec_size = vec_size
        true_vector = symbol_vector(True, vec_size, seed) if true_vector is None else true_vector
        false_vector = (
            symbol_vector(False, vec_size, seed) if false_vector is None else false_vector
        )
        for name, vector in (("true_vector", true_vector), ("false_vector", false_vector)):
            if tuple(vector.shape) != (vec_size,):
                raise StateShapeError(
                    f"{name} must have shape (vec_size,) = ({vec_size},), got {tuple(vector.shape)}"
                )
        self.register_buffer("true_vector", true_vector.detach().clone())
        self.register_buffer("false_vector", false_vector.detach().clone())

    def truth(self, vectors: Tensor) -> Tensor:
        """Truth value in [0, 1] of each vector: (..., vec_size) -> (...)."""
        if vectors.shape[-1:] != (self.vec_size,):
            raise StateShapeError(
                f"inputs must have shape (..., {self.vec_size}), got {tuple(vectors.shape)}"
            )
        unit = F.normalize(vectors, dim=-1)
        to_true = unit @ self.true_vector.to(unit) / self.true_vector.norm()
        to_false = unit @ self.false_vector.to(unit) / self.false_vector.norm()
        return ((to_true - to_false + 1) / 2).clamp(0, 1)

    def encode(self, truth: Tensor) -> Tensor:
        """The vector of truth values in [0, 1]: (...) -> (..., vec_size)."""
        truth = truth[..., None]
        return truth * self.true_vector + (1 - truth) * self.false_vector

    def forward(self, *inputs: Tensor) -> Tensor:
        """NAND of one or more (..., vec_size) vectors with equal leading shapes: (..., vec_size)."""
        if not inputs:
            raise StateShapeError("NeuralNAND needs at least one input vector")
        truths = torch.stack([self.truth(x) for x in torch.broadcast_tensors(*inputs)])
        return self.encode(1 - truths.prod(dim=0))

    def extra_repr(self) -> str:
        """Sizes shown in the module repr."""
        return f"vec_size={self.vec_size}"
