"""Assigning one symbolic tensor to another: by copying content or by linking (view)."""

from __future__ import annotations

import torch

from symtensor_store import layout
from symtensor_store.elements import keep_alive, require_symbolic
from symtensor_store.errors import ShapeMismatchError
from symtensor_store.indexing import link_to_element


def _check_same_shape(dst: torch.Tensor, src: torch.Tensor) -> None:
    require_symbolic(dst, "dst")
    require_symbolic(src, "src")
    if dst.shape != src.shape:
        raise ShapeMismatchError(
            f"cannot assign a tensor of shape {list(src.shape)} to one of shape {list(dst.shape)}"
        )


def assign_tensor(dst: torch.Tensor, src: torch.Tensor) -> torch.Tensor:
    """Copy every element's text and coefficient from `src` into `dst` (same shape); returns dst.

    A none element of `src` makes the `dst` element none. Writes go through `dst`'s links, so a
    view's parent sees the new content.
    """
    _check_same_shape(dst, src)
    for i in range(src.numel()):
        layout.copy_element(
            layout.element_file(src.st_root, src.st_uid, i),
            layout.element_file(dst.st_root, dst.st_uid, i),
        )
    with torch.no_grad():
        dst.data.copy_(src.detach())
    return dst


def assign_view(dst: torch.Tensor, src: torch.Tensor) -> torch.Tensor:
    """Make every element of `dst` a symbolic link to the matching element of `src`; copy the
    coefficients. Afterwards `dst` is a view of `src`. Returns dst.
    """
    _check_same_shape(dst, src)
    for i in range(src.numel()):
        link_to_element(
            layout.element_file(dst.st_root, dst.st_uid, i),
            layout.element_file(src.st_root, src.st_uid, i),
        )
    with torch.no_grad():
        dst.data.copy_(src.detach())
    return keep_alive(dst, src)
