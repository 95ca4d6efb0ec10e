"""The symbol codebook: address memory <-> tensors through a seeded, savable SymbolSpace.

A batch of address memories becomes one tensor ``(batch, cells, 3, vec_size)``: per cell the
vectors of its tag, col1 and col2 (zeros for ``None``). The codebook groups its symbols by kind
(tags, primitives, booleans, integers, de Bruijn indices, addresses, names) so the machine can
decode a column against the right group. Only names grow, as programs bring new ones.
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import torch
from neural_structures import SymbolSpace, atomic_torch_save
from torch import Tensor, nn

from neurallambda.errors import ConfigurationError, IntegerRangeError, VectorSizeError
from neurallambda.memory import TAGS, AddressMemory
from neurallambda.syntax import PRIMITIVES

BINARY_INT_OPS: tuple[str, ...] = ("+", "-", "*")
COMPARISON_OPS: tuple[str, ...] = ("=", "<", ">", "<=", ">=")


@dataclass(frozen=True)
class SymbolGroups:
    """Codebook vectors by kind, on one device and dtype; each is (n_in_group, vec_size)."""

    tags: Tensor
    prims: Tensor
    bools: Tensor  # rows: false, true
    ints: Tensor  # rows: int_range[0] .. int_range[1]
    indices: Tensor  # rows: de Bruijn index 0 .. cells-1
    addresses: Tensor  # rows: address 0 .. cells-1
    names: Tensor


class Codebook(nn.Module):
    """Every symbol the machine can hold, with one random vector each.

    Args:
        cells: number of memory cells (one address and one de Bruijn index symbol per cell).
        vec_size: dimension of the vectors.
        seed: the vectors depend only on ``(seed, symbol)``.
        int_range: ``(lo, hi)``, the integers the machine can represent.
        max_similarity: the largest cosine similarity two distinct symbols may have;
            :class:`VectorSizeError` when ``vec_size`` is too small to achieve it.
    """

    def __init__(
        self,
        cells: int,
        vec_size: int = 2048,
        seed: int = 0,
        int_range: tuple[int, int] = (-128, 128),
        max_similarity: float = 0.5,
    ) -> None:
        super().__init__()
        if cells < 1:
            raise ConfigurationError(f"cells must be >= 1, got {cells}")
        if vec_size < 1:
            raise ConfigurationError(f"vec_size must be >= 1, got {vec_size}")
        if int_range[0] > int_range[1]:
            raise ConfigurationError(
                f"int_range must be (lo, hi) with lo <= hi, got {tuple(int_range)}"
            )
        self.cells = cells
        self.int_range = (int(int_range[0]), int(int_range[1]))
        self.max_similarity = max_similarity
        self.space = SymbolSpace(vec_size=vec_size, seed=seed)
        self._fixed: dict[str, list[Hashable]] = {
            "tags": [("tag", t) for t in TAGS],
            "prims": [("prim", p) for p in PRIMITIVES],
            "bools": [("bool", False), ("bool", True)],
            "ints": [("int", v) for v in range(self.int_range[0], self.int_range[1] + 1)],
            "indices": [("idx", k) for k in range(cells)],
            "addresses": [("addr", a) for a in range(cells)],
        }
        for symbols in self._fixed.values():
            self.space.add_many(symbols)
        self._checked_size = 0
        self._cache: dict[tuple[torch.device, torch.dtype, int], SymbolGroups] = {}
        self.check_separation()

    @property
    def names(self) -> list[Hashable]:
        """The ``("name", ...)`` symbols added so far, in order."""
        return [s for s in self.space.symbols if isinstance(s, tuple) and s[0] == "name"]

    @property
    def vec_size(self) -> int:
        """Dimension of every vector."""
        return self.space.vec_size

    # --- groups --------------------------------------------------------------------------------

    def add_names(self, names: Sequence[str]) -> None:
        """Make sure every name has a vector (checks the codebook is still separable)."""
        fresh = [("name", n) for n in names if ("name", n) not in self.space]
        if fresh:
            self.space.add_many(fresh)
            self.check_separation()

    def groups(self, like: Tensor) -> SymbolGroups:
        """The grouped codebook on ``like``'s device and dtype (cached)."""
        key = (like.device, like.dtype, len(self.space))
        if key not in self._cache:
            self._cache = {}
            vectors = self.space.vectors.to(device=like.device, dtype=like.dtype)
            rows = {k: [self.space.index(s) for s in v] for k, v in self._fixed.items()}
            rows["names"] = [self.space.index(s) for s in self.names]
            picked = {
                k: vectors[torch.tensor(r, dtype=torch.long, device=like.device)]
                for k, r in rows.items()
            }
            if not self.names:  # keep a (0, D) tensor so shapes stay valid
                picked["names"] = vectors.new_zeros(0, self.vec_size)
            self._cache[key] = SymbolGroups(**picked)
        return self._cache[key]

    def check_separation(self) -> None:
        """Raise :class:`VectorSizeError` if two symbols' vectors are too similar to tell apart."""
        n = len(self.space)
        if n == self._checked_size:
            return
        vectors = self.space.vectors.float()
        gram = vectors @ vectors.T
        gram.fill_diagonal_(0.0)
        worst = gram.abs().max().item() if n > 1 else 0.0
        if worst > self.max_similarity:
            # random unit vectors: max |cos| over n^2/2 pairs is about sqrt(4 ln n / d)
            needed = int(4 * torch.log(torch.tensor(float(n))).item() / self.max_similarity**2) + 1
            raise VectorSizeError(
                f"vec_size={self.vec_size} is too small for {n} symbols: two of them have cosine "
                f"similarity {worst:.2f} > {self.max_similarity}; use vec_size >= {needed} "
                "(or fewer cells / a smaller int range)"
            )
        self._checked_size = n

    # --- memory <-> tensors ----------------------------------------------------------------------

    def encode(self, memories: Sequence[AddressMemory]) -> Tensor:
        """Project address memories to one tensor: (batch, cells, 3, vec_size)."""
        names = [
            value[1]
            for memory in memories
            for cell in memory.values()
            for value in cell[1:]
            if isinstance(value, tuple) and value[0] == "name"
        ]
        self.add_names(names)
        lo, hi = self.int_range
        rows = torch.full((len(memories), self.cells, 3), -1, dtype=torch.long)
        for b, memory in enumerate(memories):
            for address, (tag, col1, col2) in memory.items():
                for column, symbol in enumerate((("tag", tag), col1, col2)):
                    if symbol is None:
                        continue
                    if symbol[0] == "int" and not lo <= symbol[1] <= hi:
                        raise IntegerRangeError(
                            f"program {b}: integer {symbol[1]} is outside the machine's range "
                            f"[{lo}, {hi}]; widen it (MachineConfig.int_range, --int-range)"
                        )
                    rows[b, address, column] = self.space.index(symbol)
        vectors = torch.cat([self.space.vectors, self.space.vectors.new_zeros(1, self.vec_size)])
        return vectors[rows.to(vectors.device)]  # row -1 is the zero vector

    def decode(self, memory: Tensor, threshold: float = 0.5) -> list[AddressMemory]:
        """Unproject (batch, cells, 3, vec_size) to address memories.

        A column whose best cosine similarity is below ``threshold`` decodes to ``None``; a tag
        that does not decode to a tag symbol becomes ``None`` (read-back then reports it).
        """
        symbols = self.space.unproject(memory.detach(), threshold=threshold)
        result: list[AddressMemory] = []
        for batch in symbols:
            cells: AddressMemory = {}
            for address, (tag, col1, col2) in enumerate(batch):
                tag_name = tag[1] if isinstance(tag, tuple) and tag[0] == "tag" else None
                cells[address] = (tag_name, col1, col2)  # type: ignore[assignment]
            result.append(cells)
        return result

    # --- persistence ---------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the codebook (config, names and vectors) to ``path`` atomically."""
        payload = {
            "cells": self.cells,
            "vec_size": self.vec_size,
            "seed": self.space.seed,
            "int_range": list(self.int_range),
            "max_similarity": self.max_similarity,
            "names": [name for _, name in self.names],
            "vectors": self.space.vectors.detach().cpu().clone(),
        }
        atomic_torch_save(payload, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Codebook:
        """Read a codebook written by :meth:`save`; its vectors must match the saved ones."""
        payload = torch.load(path, weights_only=True)
        codebook = cls(
            cells=payload["cells"],
            vec_size=payload["vec_size"],
            seed=payload["seed"],
            int_range=tuple(payload["int_range"]),
            max_similarity=payload["max_similarity"],
        )
        codebook.add_names(payload["names"])
        if not torch.equal(
            codebook.space.vectors.cpu(), payload["vectors"].to(codebook.space.dtype)
        ):
            raise ValueError(f"{path}: saved vectors differ from the seeded ones (corrupt file?)")
        return codebook
