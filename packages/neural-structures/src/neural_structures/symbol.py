"""SymbolSpace: project hashable Python symbols to random vectors and back.

Each symbol gets a fixed random unit vector that depends only on ``(seed, symbol)``, never on the
order symbols were added in, so two spaces with the same seed agree on every shared symbol. In
high dimensions independent random vectors are nearly orthogonal (cosine ~ N(0, 1/vec_size)), so
a vector is unprojected by taking the most cosine-similar symbol in the codebook.

Shapes: ``vectors`` is (n_symbols, vec_size); ``similarity`` maps (..., vec_size) to
(..., n_symbols); ``unproject`` maps (..., vec_size) to a nested list shaped like ``...``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from neural_structures.atomic_save import atomic_torch_save
from neural_structures.errors import (
    CheckpointError,
    ConfigurationError,
    StateShapeError,
    SymbolEncodingError,
    UnknownSymbolError,
    UnresolvedVectorError,
)

_FORMAT_VERSION = 1
_UNPROJECT_CHUNK = 2048  # query rows per similarity matmul, bounds memory for big batches


# ---------------------------------------------------------------------------------------------
# JSON encoding of symbols (for checkpoints and for an order-independent, process-stable hash key)


def encode_symbol(symbol: Hashable) -> Any:
    """Encode a symbol as a JSON-able, type-tagged value.

    Supported: ``str``, ``int``, ``float``, ``bool``, ``None``, ``bytes`` and (nested) ``tuple`` /
    ``frozenset`` of those. Frozenset elements are sorted by their encoding, so the result does
    not depend on Python's per-process string hashing.
    """
    if symbol is None:
        return ["none"]
    if isinstance(symbol, bool):
        return ["bool", symbol]
    if isinstance(symbol, int):
        return ["int", str(symbol)]  # str: JSON ints lose precision in some readers
    if isinstance(symbol, float):
        return ["float", repr(symbol)]  # repr round-trips, including nan/inf
    if isinstance(symbol, str):
        return ["str", symbol]
    if isinstance(symbol, bytes):
        return ["bytes", symbol.hex()]
    if isinstance(symbol, tuple):
        return ["tuple", [encode_symbol(s) for s in symbol]]
    if isinstance(symbol, frozenset):
        items = [encode_symbol(s) for s in symbol]
        return ["frozenset", sorted(items, key=lambda e: json.dumps(e))]
    raise SymbolEncodingError(
        f"symbol {symbol!r} of type {type(symbol).__name__} has no JSON encoding; "
        "use str/int/float/bool/None/bytes or tuples/frozensets of them to save a SymbolSpace"
    )


def decode_symbol(encoded: Any) -> Hashable:
    """Invert :func:`encode_symbol`."""
    try:
        tag, *rest = encoded
        if tag == "none":
            return None
        value = rest[0]
        decoders = {
            "bool": bool,
            "int": int,
            "float": float,
            "str": str,
            "bytes": bytes.fromhex,
            "tuple": lambda v: tuple(decode_symbol(e) for e in v),
            "frozenset": lambda v: frozenset(decode_symbol(e) for e in v),
        }
        return decoders[tag](value)
    except (TypeError, ValueError, KeyError, IndexError) as exc:
        raise CheckpointError(f"cannot decode saved symbol {encoded!r}: {exc}") from exc


def _symbol_key(symbol: Hashable) -> str:
    """A process-stable string identifying a symbol: its JSON encoding, else type + repr."""
    try:
        return json.dumps(encode_symbol(symbol), separators=(",", ":"))
    except SymbolEncodingError:
        cls = type(symbol)
        return f"{cls.__module__}.{cls.__qualname__}:{symbol!r}"


def symbol_vector(symbol: Hashable, vec_size: int, seed: int = 0) -> Tensor:
    """The unit float32 vector of ``symbol`` in a space with this ``seed``: shape (vec_size,).

    Deterministic: a ``torch.Generator`` is seeded from sha256 of ``(seed, symbol)``.
    """
    digest = hashlib.sha256(f"{seed}\x00{_symbol_key(symbol)}".encode()).digest()
    generator = torch.Generator().manual_seed(int.from_bytes(digest[:8], "little") >> 1)
    vector = torch.randn(vec_size, generator=generator, dtype=torch.float32)
    return vector / vector.norm()


# ---------------------------------------------------------------------------------------------


class SymbolSpace(nn.Module):
    """A growable codebook of deterministic random unit vectors, one per hashable symbol.

    Args:
        vec_size: dimension of every vector.
        seed: the vector of a symbol depends only on ``(seed, symbol)``.
        symbols: symbols to add up front, in order.
        dtype: dtype of the stored vectors.

    The codebook is a buffer, so ``.to(device)`` moves it, and ``state_dict`` holds the vectors
    plus the symbol list (JSON-encoded, see :func:`encode_symbol`).

    Example:
        >>> space = SymbolSpace(vec_size=256, symbols=["a", "b"])
        >>> space.unproject(space.project_many(["b", "a"]))
        ['b', 'a']
    """

    def __init__(
        self,
        vec_size: int = 2048,
        seed: int = 0,
        symbols: Iterable[Hashable] = (),
        dtype: torch.dtype = torch.float32,
    ) -> None:
        super().__init__()
        if vec_size < 1:
            raise ConfigurationError(f"vec_size must be >= 1, got {vec_size}")
        self.vec_size = vec_size
        self.seed = seed
        self._symbols: list[Hashable] = []
        self._index: dict[Hashable, int] = {}
        # Storage grows by doubling; only the first len(self) rows are live.
        self.register_buffer("_storage", torch.empty(0, vec_size, dtype=dtype), persistent=False)
        self.add_many(symbols)

    # --- the codebook ------------------------------------------------------------------------

    @property
    def symbols(self) -> list[Hashable]:
        """All symbols, in insertion order (a copy)."""
        return list(self._symbols)

    @property
    def vectors(self) -> Tensor:
        """The codebook: (n_symbols, vec_size), row i is the vector of ``symbols[i]``."""
        return self._storage[: len(self._symbols)]

    @property
    def dtype(self) -> torch.dtype:
        """Dtype of the stored vectors."""
        return self._storage.dtype

    @property
    def device(self) -> torch.device:
        """Device of the stored vectors."""
        return self._storage.device

    def __len__(self) -> int:
        return len(self._symbols)

    def __contains__(self, symbol: object) -> bool:
        try:
            return symbol in self._index
        except TypeError:  # unhashable
            return False

    def index(self, symbol: Hashable) -> int:
        """Row of ``symbol`` in the codebook; raises :class:`UnknownSymbolError` if absent."""
        try:
            return self._index[symbol]
        except KeyError:
            raise UnknownSymbolError(
                f"symbol {symbol!r} is not in this SymbolSpace ({len(self)} symbols); "
                "use add()/project() to add it"
            ) from None
        except TypeError:
            raise UnknownSymbolError(f"symbol {symbol!r} is unhashable") from None

    def add(self, symbol: Hashable) -> int:
        """Add ``symbol`` if new (idempotent) and return its row index."""
        return self.add_many([symbol])[0]

    def add_many(self, symbols: Iterable[Hashable]) -> list[int]:
        """Add every new symbol (idempotent) and return the row index of each, in order."""
        indices: list[int] = []
        fresh: list[Tensor] = []
        for symbol in symbols:
            try:
                hash(symbol)
            except TypeError:
                raise UnknownSymbolError(
                    f"symbols must be hashable, got {type(symbol).__name__}: {symbol!r}"
                ) from None
            if symbol not in self._index:
                self._index[symbol] = len(self._symbols)
                self._symbols.append(symbol)
                fresh.append(symbol_vector(symbol, self.vec_size, self.seed))
            indices.append(self._index[symbol])
        if fresh:
            self._append_rows(torch.stack(fresh))
        return indices

    def _append_rows(self, rows: Tensor) -> None:
        """Write ``rows`` after the live rows, growing the storage by doubling when full."""
        n_new = len(self._symbols)
        start = n_new - rows.shape[0]
        if n_new > self._storage.shape[0]:
            capacity = max(n_new, 2 * self._storage.shape[0], 16)
            grown = self._storage.new_empty(capacity, self.vec_size)
            grown[:start] = self._storage[:start]
            self._storage = grown
        self._storage[start:n_new] = rows.to(self._storage)

    # --- project / unproject -----------------------------------------------------------------

    def project(self, symbol: Hashable) -> Tensor:
        """The vector of ``symbol``, adding it if unknown: (vec_size,)."""
        index = self.add(symbol)  # before reading self.vectors: adding may grow the storage
        return self.vectors[index].clone()

    def project_many(self, symbols: Iterable[Hashable]) -> Tensor:
        """Vectors of ``symbols`` (added if unknown): (n, vec_size)."""
        indices = self.add_many(symbols)
        index = torch.tensor(indices, dtype=torch.long, device=self.device)
        return self.vectors.index_select(0, index)

    def similarity(self, vectors: Tensor) -> Tensor:
        """Cosine similarity of each vector to each symbol: (..., vec_size) -> (..., n_symbols).

        Differentiable with respect to ``vectors``.
        """
        self._check_vectors(vectors)
        codebook = self.vectors.to(device=vectors.device, dtype=vectors.dtype)
        return F.normalize(vectors, dim=-1) @ codebook.T

    def unproject(
        self,
        vectors: Tensor,
        *,
        threshold: float | None = None,
        strict: bool = False,
    ) -> Any:
        """The most cosine-similar symbol of each vector.

        Args:
            vectors: (..., vec_size).
            threshold: a vector whose best similarity is below this unprojects to ``None``.
            strict: raise :class:`UnresolvedVectorError` instead of returning ``None``.

        Returns:
            A symbol for a single (vec_size,) vector, else nested lists shaped like ``...``.
        """
        self._check_vectors(vectors)
        if len(self) == 0:
            raise UnknownSymbolError("cannot unproject: this SymbolSpace has no symbols yet")
        flat = vectors.detach().reshape(-1, self.vec_size)
        best_sim, best_idx = self._best_matches(flat)
        symbols: list[Hashable | None] = []
        for position, (sim, idx) in enumerate(
            zip(best_sim.tolist(), best_idx.tolist(), strict=True)
        ):
            if threshold is not None and not sim >= threshold:  # nan counts as a miss
                if strict:
                    raise UnresolvedVectorError(
                        f"vector at flat position {position} has best cosine similarity "
                        f"{sim:.3f} (to {self._symbols[idx]!r}), below threshold {threshold}"
                    )
                symbols.append(None)
            else:
                symbols.append(self._symbols[idx])
        return _nest(symbols, tuple(vectors.shape[:-1]))

    def _best_matches(self, flat: Tensor) -> tuple[Tensor, Tensor]:
        """Best cosine similarity and its row for each of (N, vec_size): two (N,) tensors."""
        codebook = self.vectors.to(device=flat.device, dtype=flat.dtype)
        sims, idxs = [], []
        for chunk in flat.split(_UNPROJECT_CHUNK):
            sim, idx = (F.normalize(chunk, dim=-1) @ codebook.T).max(dim=-1)
            sims.append(sim)
            idxs.append(idx)
        if not sims:
            empty = flat.new_empty(0)
            return empty, empty.long()
        return torch.cat(sims), torch.cat(idxs)

    def _check_vectors(self, vectors: Tensor) -> None:
        if not isinstance(vectors, Tensor) or vectors.dim() == 0:
            raise StateShapeError(
                f"expected a tensor of shape (..., {self.vec_size}), got {_describe(vectors)}"
            )
        if vectors.shape[-1] != self.vec_size:
            raise StateShapeError(
                f"expected vectors of shape (..., {self.vec_size}), got {tuple(vectors.shape)}"
            )

    # --- persistence -------------------------------------------------------------------------

    def get_extra_state(self) -> dict[str, Any]:
        """Non-tensor state for ``state_dict``: sizes, seed and the JSON-encoded symbol list."""
        return {
            "format": _FORMAT_VERSION,
            "vec_size": self.vec_size,
            "seed": self.seed,
            "symbols": json.dumps([encode_symbol(s) for s in self._symbols]),
        }

    def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
        vectors = self.vectors
        destination[prefix + "vectors"] = vectors if keep_vars else vectors.detach().clone()
        destination[prefix + "_extra_state"] = self.get_extra_state()

    def _load_from_state_dict(
        self,
        state_dict: dict,
        prefix: str,
        local_metadata: dict,
        strict: bool,
        missing_keys: list[str],
        unexpected_keys: list[str],
        error_msgs: list[str],
    ) -> None:
        keys = {"vectors": prefix + "vectors", "extra": prefix + "_extra_state"}
        missing = [k for k in keys.values() if k not in state_dict]
        if missing:
            missing_keys.extend(missing)
            return
        for key in state_dict:
            if (
                key.startswith(prefix)
                and key not in keys.values()
                and "." not in key[len(prefix) :]
            ):
                unexpected_keys.append(key)
        self._restore(state_dict[keys["vectors"]], state_dict[keys["extra"]])

    def _restore(self, vectors: Tensor, extra: dict[str, Any]) -> None:
        if not isinstance(extra, dict) or extra.get("format") != _FORMAT_VERSION:
            raise CheckpointError(f"unrecognised SymbolSpace state (format {extra!r:.80})")
        if extra["vec_size"] != self.vec_size:
            raise CheckpointError(
                f"checkpoint has vec_size {extra['vec_size']}, this SymbolSpace has "
                f"{self.vec_size}; construct SymbolSpace(vec_size={extra['vec_size']})"
            )
        symbols = [decode_symbol(e) for e in json.loads(extra["symbols"])]
        if tuple(vectors.shape) != (len(symbols), self.vec_size):
            raise CheckpointError(
                f"checkpoint vectors have shape {tuple(vectors.shape)}, expected "
                f"({len(symbols)}, {self.vec_size}) for its {len(symbols)} symbols"
            )
        if len(set(symbols)) != len(symbols):
            raise CheckpointError("checkpoint lists the same symbol twice")
        self.seed = int(extra["seed"])
        self._symbols = symbols
        self._index = {s: i for i, s in enumerate(symbols)}
        self._storage = vectors.detach().to(device=self.device, dtype=self.dtype).clone()

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the space to ``path`` atomically (temp file + rename)."""
        payload = {"dtype": str(self.dtype).removeprefix("torch."), "state": self.state_dict()}
        atomic_torch_save(payload, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str], map_location: Any = None) -> SymbolSpace:
        """Read a space written by :meth:`save`."""
        try:
            payload = torch.load(path, map_location=map_location, weights_only=True)
            state = payload["state"]
            extra = state["_extra_state"]
            dtype = getattr(torch, payload["dtype"])
        except FileNotFoundError:
            raise
        except Exception as exc:
            raise CheckpointError(f"{path} is not a saved SymbolSpace: {exc}") from exc
        if not isinstance(dtype, torch.dtype):
            raise CheckpointError(f"{path}: unknown dtype {payload['dtype']!r}")
        space = cls(vec_size=int(extra["vec_size"]), seed=int(extra["seed"]), dtype=dtype)
        space.load_state_dict(state)
        return space

    def extra_repr(self) -> str:
        """Sizes shown in the module repr."""
        return f"vec_size={self.vec_size}, seed={self.seed}, n_symbols={len(self)}"


def _nest(flat: Sequence[Any], shape: tuple[int, ...]) -> Any:
    """Reshape a flat list into nested lists of ``shape`` (a scalar for shape ())."""
    if not shape:
        return flat[0]
    if len(shape) == 1:
        return list(flat)
    step = math.prod(shape[1:])
    return [_nest(flat[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]


def _describe(value: object) -> str:
    if isinstance(value, Tensor):
        return f"a tensor of shape {tuple(value.shape)}"
    return f"{type(value).__name__}"
