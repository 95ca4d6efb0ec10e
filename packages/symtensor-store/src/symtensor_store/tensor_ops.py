"""Opt-in `st_*` methods on `torch.Tensor` (seed 000's registered tensor methods).

Nothing is patched on import; call `register_tensor_ops()` once.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from symtensor_store.assign import assign_tensor, assign_view
from symtensor_store.elements import file_paths
from symtensor_store.indexing import slice_tensor, slice_view
from symtensor_store.serialization import pack_tensor
from symtensor_store.tensor_diff import PatchReport, diff_tensor, patch_tensor, st_patched


class Slicer:
    """`t.st_view_slicer[...]` / `t.st_value_slicer[...]`: `t[...]` through a slicing function.

    `slicing(tensor, index)` is `slice_view` or `slice_tensor` here; symtensor_autograd passes
    its autograd-aware versions of the same two.
    """

    def __init__(self, tensor: torch.Tensor, slicing: Callable[[torch.Tensor, Any], torch.Tensor]):
        self._tensor, self._slicing = tensor, slicing

    def __getitem__(self, index: Any) -> torch.Tensor:
        return self._slicing(self._tensor, index)


def _st_pack(self: torch.Tensor) -> Any:
    return pack_tensor(self)


def _st_assign(self: torch.Tensor, rvalue: torch.Tensor) -> torch.Tensor:
    return assign_tensor(self, rvalue)


def _st_assign_view(self: torch.Tensor, rvalue: torch.Tensor) -> torch.Tensor:
    return assign_view(self, rvalue)


def _st_get_diff(self: torch.Tensor, rvalue: torch.Tensor) -> torch.Tensor:
    return diff_tensor(self, rvalue)


def _st_patch(self: torch.Tensor, rvalue: torch.Tensor, **kwargs: Any) -> PatchReport:
    return patch_tensor(self, rvalue, **kwargs)


def _st_file_paths(self: torch.Tensor) -> list[Path]:
    return file_paths(self)


def _st_fork(self: torch.Tensor, num_outputs: int) -> list[torch.Tensor]:
    return [slice_view(self, ...) for _ in range(num_outputs)]


_METHODS: dict[str, Any] = {
    "st_pack": _st_pack,
    "st_assign": _st_assign,
    "st_assign_view": _st_assign_view,
    "st_get_diff": _st_get_diff,
    "st_patch": _st_patch,
    "st_file_paths": _st_file_paths,
    "st_fork": _st_fork,
    "st_patched": st_patched,
    "st_view_slicer": property(lambda self: Slicer(self, slice_view)),
    "st_value_slicer": property(lambda self: Slicer(self, slice_tensor)),
}


def register_tensor_ops(**replacements: Any) -> None:
    """Add st_pack, st_assign, st_assign_view, st_get_diff, st_patch, st_patched,
    st_file_paths, st_fork(n), st_view_slicer and st_value_slicer to `torch.Tensor` (idempotent).

    `replacements` (name -> method or property) stand in for some of them: this is how
    `symtensor_autograd.register_tensor_ops` installs autograd-aware slicers and fork.
    """
    unknown = set(replacements) - set(_METHODS)
    if unknown:
        raise ValueError(f"register_tensor_ops: no tensor method named {sorted(unknown)}")
    for name, method in {**_METHODS, **replacements}.items():
        setattr(torch.Tensor, name, method)


def unregister_tensor_ops() -> None:
    """Remove the methods added by `register_tensor_ops` (idempotent)."""
    for name in _METHODS:
        if name in vars(torch.Tensor):
            delattr(torch.Tensor, name)
