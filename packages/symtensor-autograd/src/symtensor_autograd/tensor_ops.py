"""Opt-in ``st_*`` methods on ``torch.Tensor`` whose slicing and forking carry both gradients.

``register_tensor_ops()`` installs symtensor_store's methods (``st_pack``, ``st_patch``, ...)
with ``t.st_view_slicer[...]``, ``t.st_value_slicer[...]`` and ``t.st_fork(n)`` replaced by
this package's :func:`slice_view`, :func:`slice_tensor` and :func:`fork`: the seed's "slicing
with autograd". The text gradient travels on ``t``'s channel (``stamp`` it on a leaf first).
"""

from __future__ import annotations

import torch
from symtensor_store import Slicer
from symtensor_store import register_tensor_ops as register_store_tensor_ops

from symtensor_autograd.functions.slicing import fork, slice_tensor, slice_view


def _st_fork(self: torch.Tensor, num_outputs: int) -> list[torch.Tensor]:
    return list(fork(self, num_outputs))


def register_tensor_ops() -> None:
    """symtensor_store's ``st_*`` tensor methods, with autograd-aware slicers and fork
    (idempotent; ``symtensor_store.unregister_tensor_ops`` removes them)."""
    register_store_tensor_ops(
        st_view_slicer=property(lambda self: Slicer(self, slice_view)),
        st_value_slicer=property(lambda self: Slicer(self, slice_tensor)),
        st_fork=_st_fork,
    )
