"""Stacking symbolic tensors along a new axis, like `torch.stack`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from symtensor_store.elements import keep_alive, make_none_tensor, require_symbolic
from symtensor_store.errors import ShapeMismatchError
from symtensor_store.indexing import fill_elements


def stack_tensors(
    tensors: Sequence[torch.Tensor], dim: int = 0, *, view: bool = False
) -> torch.Tensor:
    """Stack same-shape symbolic tensors along a new axis `dim` into a new tensor under the
    first one's root. Elements are copied (or linked with `view=True`); coefficients carried."""
    if not tensors:
        raise ShapeMismatchError("stack_tensors needs at least one tensor")
    for position, t in enumerate(tensors):
        require_symbolic(t, f"tensors[{position}]")
        if t.shape != tensors[0].shape:
            raise ShapeMismatchError(
                f"tensors[{position}] has shape {list(t.shape)}, tensors[0] has "
                f"{list(tensors[0].shape)}; stack needs equal shapes"
            )
    coefficients = torch.stack([t.detach() for t in tensors], dim=dim)
    dim = dim % coefficients.dim()
    # source (tensor number, flat index) of every result element, in result order
    which = np.moveaxis(
        np.broadcast_to(
            np.arange(len(tensors)).reshape(-1, *([1] * tensors[0].dim())),
            (len(tensors), *tensors[0].shape),
        ),
        0,
        dim,
    ).reshape(-1)
    inner = np.moveaxis(
        np.broadcast_to(
            np.arange(tensors[0].numel()).reshape(tensors[0].shape),
            (len(tensors), *tensors[0].shape),
        ),
        0,
        dim,
    ).reshape(-1)
    first = tensors[0]
    result = make_none_tensor(coefficients.shape, first.st_root, dtype=first.dtype)
    fill_elements(
        result,
        ((tensors[t], flat) for t, flat in zip(which.tolist(), inner.tolist(), strict=True)),
        view=view,
    )
    with torch.no_grad():
        result.copy_(coefficients.to(result.dtype))
    return keep_alive(result, *tensors) if view else result
