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
    make_none_tensor,
    make_tensor,
    reclaim_when_collected,
    unified_diff,
)
from symtensor_store.elements import require_symbolic as store_require_symbolic
from symtensor_store.errors import NotSymbolicError
from symtensor_store.layout import atomic_write_text, read_text, remove_element

from symtensor_autograd.errors import (
    GradientChannelError,
    RootMismatchError,
    SymbolicAutogradError,
)
from symtensor_autograd.text_merger import TextMerger

__all__ = [
    "CombinedDiff",
    "TensorRef",
    "apply_diff",
    "combine_diffs",
    "forward_texts",
    "read_texts",
    "require_same_root",
    "require_symbolic",
    "text_tensor",
    "unchanged_texts",
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
    try:
        store_require_symbolic(t, what)
    except NotSymbolicError as error:
        raise SymbolicAutogradError(str(error)) from None


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


def forward_texts(t: torch.Tensor, needed: bool) -> tuple[str | None, ...] | None:
    """The texts of ``t`` as forward sees them, kept for backward when ``needed`` (else None)."""
    return tuple(read_texts(t)) if needed else None


def unchanged_texts(
    t: torch.Tensor, saved: tuple[str | None, ...], what: str
) -> tuple[str | None, ...]:
    """``saved`` (the texts forward read from ``t``), after checking ``t`` still holds them.

    Backward computes text gradients against what forward saw, as torch refuses a backward
    through a tensor modified in place: an element edited in between is an error, not silently
    mixed in.
    """
    for k, (before, now) in enumerate(zip(saved, read_texts(t), strict=True)):
        if before != now:
            raise SymbolicAutogradError(
                f"{what} (tensor {t.st_uid}) element {k} was edited between forward and "
                "backward; run forward again after changing a tensor's texts"
            )
    return saved


def text_tensor(
    texts: Sequence[str | None],
    shape: Sequence[int],
    root: Path | str,
    *,
    dtype: torch.dtype = torch.bfloat16,
    temporary: bool = False,
) -> torch.Tensor:
    """New symbolic tensor of ``shape`` under ``root`` holding ``texts`` (flat, row-major).

    Coefficients follow symtensor_store: 1 where the text is non-empty, 0 elsewhere. A
    ``temporary`` tensor's folder is deleted when the tensor is garbage collected (Function
    results and text gradients are temporaries).
    """
    shape = tuple(int(d) for d in shape)
    if len(texts) != int(np.prod(shape, dtype=np.int64)):
        raise SymbolicAutogradError(
            f"{len(texts)} texts do not fill a tensor of shape {list(shape)}"
        )
    if 0 in shape:
        made = make_none_tensor(shape, root, dtype=dtype)
    else:
        nested = np.empty(len(texts), dtype=object)
        nested[:] = list(texts)
        made = make_tensor(nested.reshape(shape).tolist(), root, dtype=dtype)
    return reclaim_when_collected(made) if temporary else made


def write_texts(t: torch.Tensor, texts: dict[int, str | None]) -> None:
    """Atomically rewrite the elements ``{flat index: text}`` of ``t`` (None removes one).

    The coefficients of the written elements follow the store's rule: 1 where the element now
    holds text, 0 where it is empty or none.
    """
    coefficients = t.data.view(-1)
    for flat, text in texts.items():
        path = element_path(t, flat)
        if text is None:
            remove_element(path)
        else:
            atomic_write_text(path, text)
        coefficients[flat] = 1 if text else 0


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


@dataclass(frozen=True)
class CombinedDiff:
    """Several diffs of one text as one diff, and how many of them conflicted.

    A diff that cannot be applied on top of the ones before it conflicts with them: it is
    applied to the base text alone, and that version is kept next to the others, each under a
    :class:`~symtensor_autograd.text_merger.TextMerger` marker (the way ``merge`` joins texts),
    so no gradient is dropped and the conflict shows in the text the optimizer writes.
    """

    diff: str
    conflicts: int = 0


def combine_diffs(base: str, diffs: Sequence[str]) -> CombinedDiff:
    """One diff equivalent to applying ``diffs`` to ``base`` one after the other.

    This is how text gradients add up (as numeric ones sum) when one value feeds several
    consumers: changes to different lines are all made, a change asked by several consumers is
    made once, and conflicting diffs are kept side by side (see :class:`CombinedDiff`). A diff
    that does not apply even to ``base`` was not computed against it: GradientChannelError.
    """
    # the same change asked twice is made once (several consumers agreeing on one edit)
    present = list(dict.fromkeys(diff for diff in diffs if diff and diff.strip()))
    if len(present) <= 1:
        return CombinedDiff(present[0] if present else "")
    text, conflicting = base, []
    for diff in present:
        on_top = apply_diff(text, diff)
        if on_top is not None:
            text = on_top
            continue
        alone = apply_diff(base, diff)
        if alone is None:
            raise GradientChannelError(
                "a text gradient does not apply to the text it was sent for (was the element "
                f"edited between forward and backward?):\n{diff}"
            )
        if alone != text and alone not in conflicting:
            conflicting.append(alone)
    if conflicting:
        text = TextMerger().join([text, *conflicting])
    return CombinedDiff(unified_diff(base, text), len(conflicting))
