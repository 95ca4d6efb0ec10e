"""Whole-tensor text access on top of symtensor_store: read every element, build from a flat list.

Every Function of this package reads its inputs' texts once into a flat row-major list, works on
lists of strings, and writes its results as a new symbolic tensor under the same root.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from symtensor_store import (
    MalformedDiffError,
    apply_patch,
    cold_start_text,
    element_path,
    file_paths,
    is_symbolic,
    make_none_tensor,
    make_tensor,
    unified_diff,
)
from symtensor_store.layout import atomic_write_text, read_text, remove_element

from symtensor_autograd.errors import RootMismatchError, SymbolicAutogradError

__all__ = [
    "TensorRef",
    "apply_diff",
    "combine_diffs",
    "read_texts",
    "require_same_root",
    "require_symbolic",
    "text_tensor",
    "unified_diff",
    "write_texts",
]


@dataclass(frozen=True)
class TensorRef:
    """Where a symbolic tensor's text lives, without holding the tensor.

    A Function keeps one of these for its outputs: holding the output tensor itself on ``ctx``
    would make a reference cycle through autograd's graph that is never freed.
    """

    st_root: Path
    st_uid: str

    @classmethod
    def of(cls, t: torch.Tensor) -> TensorRef:
        """The reference of symbolic tensor ``t``."""
        return cls(Path(t.st_root), t.st_uid)


def require_symbolic(t: object, what: str) -> None:
    """Raise a clear error unless ``t`` is a symbolic tensor (has ``st_root`` and ``st_uid``)."""
    if not is_symbolic(t):
        raise SymbolicAutogradError(
            f"{what} must be a symbolic tensor (made by symtensor_store.make_tensor & co.), "
            f"got {type(t).__name__}"
        )


def require_same_root(operation: str, **tensors: torch.Tensor) -> Path:
    """The common root of ``tensors``; RootMismatchError naming each one's root otherwise."""
    roots = {name: Path(t.st_root) for name, t in tensors.items()}
    if len({root.resolve() for root in roots.values()}) > 1:
        listed = ", ".join(f"{name} under {root}" for name, root in roots.items())
        raise RootMismatchError(
            f"{operation} needs all symbolic tensors under one root, got {listed}"
        )
    return next(iter(roots.values()))


def read_texts(t: torch.Tensor) -> list[str | None]:
    """Text of every element of ``t`` in row-major order (None for a none element)."""
    return [read_text(path) for path in file_paths(t)]


def text_tensor(
    texts: Sequence[str | None],
    shape: Sequence[int],
    root: Path | str,
    *,
    dtype: torch.dtype = torch.bfloat16,
) -> torch.Tensor:
    """New symbolic tensor of ``shape`` under ``root`` holding ``texts`` (flat, row-major).

    Coefficients follow symtensor_store: 1 where the text is non-empty, 0 elsewhere.
    """
    shape = tuple(int(d) for d in shape)
    if len(texts) != int(np.prod(shape, dtype=np.int64)):
        raise SymbolicAutogradError(
            f"{len(texts)} texts do not fill a tensor of shape {list(shape)}"
        )
    if 0 in shape:
        return make_none_tensor(shape, root, dtype=dtype)
    nested = np.empty(len(texts), dtype=object)
    nested[:] = list(texts)
    return make_tensor(nested.reshape(shape).tolist(), root, dtype=dtype)


def write_texts(t: torch.Tensor, texts: dict[int, str | None]) -> None:
    """Atomically rewrite the elements ``{flat index: text}`` of ``t`` (None removes one).

    Coefficients are left alone: they are the numeric channel's business.
    """
    for flat, text in texts.items():
        path = element_path(t, flat)
        if text is None:
            remove_element(path)
        else:
            atomic_write_text(path, text)


def apply_diff(text: str, diff: str, *, fuzz: int = 3) -> str | None:
    """``text`` patched with ``diff``; None when a hunk is rejected or the diff is malformed.

    Cold start as in symtensor_store.patch_tensor: an empty text takes the diff's ``+`` lines.
    """
    if not diff.strip():
        return text
    try:
        if not text:
            return cold_start_text(diff)
        result = apply_patch(text, diff, fuzz=fuzz)
    except MalformedDiffError:
        return None
    return None if result.rejected_hunks else result.text


def combine_diffs(base: str, diffs: Sequence[str]) -> str | None:
    """One diff equivalent to applying ``diffs`` to ``base`` one after the other.

    This is how text gradients add up (as numeric ones sum) when one value feeds several
    consumers. None when a diff cannot be applied on top of the ones before it.
    """
    present = [diff for diff in diffs if diff and diff.strip()]
    if len(present) <= 1:
        return present[0] if present else ""
    text: str | None = base
    for diff in present:
        text = apply_diff(text, diff)
        if text is None:
            return None
    return unified_diff(base, text)
