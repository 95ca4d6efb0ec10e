"""Slicing symbolic tensors with numpy-style indices: as symlinked views or as independent copies."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from symtensor_store import layout
from symtensor_store.elements import keep_alive, make_none_tensor, require_symbolic
from symtensor_store.errors import ElementIndexError


def _normalize_index(index: Any) -> Any:
    """Turn an index into something numpy understands the way torch users mean it.

    Tensors become numpy arrays; a list that contains slices, None or Ellipsis (the seed's
    `[0, slice(None)]` style) is read as a tuple of per-dimension indices.
    """
    if isinstance(index, torch.Tensor):
        return index.detach().cpu().numpy()
    if isinstance(index, list) and any(
        isinstance(item, (slice, type(None), type(Ellipsis), tuple)) for item in index
    ):
        return tuple(_normalize_index(item) for item in index)
    if isinstance(index, tuple):
        return tuple(_normalize_index(item) for item in index)
    return index


def select_flat_indices(shape: tuple[int, ...], index: Any) -> np.ndarray:
    """Flat (row-major) source indices selected by `index`, arranged in the result's shape."""
    positions = np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.int64).reshape(shape)
    try:
        selected = positions[_normalize_index(index)]
    except (IndexError, TypeError, ValueError) as error:
        raise ElementIndexError(
            f"cannot index shape {list(shape)} with {index!r}: {error}"
        ) from error
    return np.asarray(selected, dtype=np.int64)


def gather(t: torch.Tensor, flat_indices: np.ndarray, *, view: bool) -> torch.Tensor:
    """New symbolic tensor of shape `flat_indices.shape` whose element k is element
    `flat_indices[k]` of `t`: a symbolic link to it (`view=True`) or a copy of its text.
    Coefficients of the selected elements are carried over. A view keeps `t` alive.
    """
    require_symbolic(t)
    source_coefficients = t.detach().reshape(-1)
    picked = torch.tensor(flat_indices.reshape(-1).tolist(), dtype=torch.long)
    coefficients = source_coefficients[picked].reshape(flat_indices.shape).clone()
    result = make_none_tensor(flat_indices.shape, t.st_root, dtype=t.dtype)
    fill_elements(result, ((t, source) for source in flat_indices.reshape(-1).tolist()), view=view)
    with torch.no_grad():
        result.copy_(coefficients)
    return keep_alive(result, t) if view else result


def fill_elements(
    result: torch.Tensor, sources: Iterable[tuple[torch.Tensor, int]], *, view: bool
) -> None:
    """Element k of `result` becomes element `flat` of `source`, the k-th `(source, flat)` pair:
    a symbolic link to it (`view=True`) or a copy of its text (none stays none)."""
    for k, (source, flat) in enumerate(sources):
        source_path = layout.element_file(source.st_root, source.st_uid, flat)
        target_path = layout.element_file(result.st_root, result.st_uid, k)
        if view:
            link_to_element(target_path, source_path)
        else:
            layout.copy_element(source_path, target_path)


def link_to_element(link: Path, element: Path) -> None:
    """Make `link` a relative symbolic link to `element` (which may not exist yet)."""
    relative = os.path.relpath(Path(element).absolute(), Path(link).absolute().parent)
    layout.atomic_symlink(link, relative)


def slice_view(t: torch.Tensor, index: Any) -> torch.Tensor:
    """Slice `t` with a numpy-style index into a view: each result element is a symbolic link
    to the parent's element file, so writes through either side are seen by both.

    `index` may be an int, slice, None, Ellipsis, list, bool/int array or tensor, or a tuple
    of them (a list holding slices, like `[0, slice(None)]`, counts as a tuple).
    """
    require_symbolic(t)
    return gather(t, select_flat_indices(tuple(t.shape), index), view=True)


def slice_tensor(t: torch.Tensor, index: Any) -> torch.Tensor:
    """Slice `t` with a numpy-style index into an independent copy (same rules as slice_view)."""
    require_symbolic(t)
    return gather(t, select_flat_indices(tuple(t.shape), index), view=False)
