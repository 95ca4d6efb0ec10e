"""Dense <-> sparse symbolic tensors: nonzero coordinates plus a 1-D tensor of their elements."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from symtensor_store import layout
from symtensor_store.elements import make_none_tensor, require_symbolic
from symtensor_store.errors import ShapeMismatchError
from symtensor_store.indexing import gather


def dense_to_sparse(t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Coordinates (nnz, ndim) of the nonzero coefficients of `t`, in row-major order, and a
    1-D symbolic tensor holding copies of those elements (with their coefficients)."""
    require_symbolic(t)
    coefficients = t.detach()
    coordinates = torch.nonzero(coefficients)  # (nnz, ndim), row-major order
    flat = torch.nonzero(coefficients.reshape(-1)).reshape(-1)  # (nnz,), the same order
    values = gather(t, np.array(flat.tolist(), dtype=np.int64), view=False)
    return coordinates, values


def transpose_coordinates(
    coordinates: torch.Tensor, shape: Sequence[int], dims: Sequence[int] | None = None
) -> tuple[torch.Tensor, tuple[int, ...], torch.Tensor]:
    """The sparse tensor `(coordinates, values)` of `shape` with its axes permuted by `dims`.

    `dims` is a permutation of the axes (default: reversed, a matrix transpose). Returns the new
    coordinates in row-major order of the new shape, that shape, and `order`: the value of new
    row k is old value `order[k]` (`slice_view(values, order)` keeps values and coordinates
    aligned). So `sparse_to_dense(new, values[order], new_shape)` is the dense tensor permuted.
    """
    shape = tuple(int(d) for d in shape)
    dims = tuple(reversed(range(len(shape)))) if dims is None else tuple(int(d) for d in dims)
    if sorted(dims) != list(range(len(shape))):
        raise ShapeMismatchError(f"dims {list(dims)} is not a permutation of {len(shape)} axes")
    coordinates = torch.as_tensor(coordinates, dtype=torch.long).reshape(-1, len(shape))
    permuted = coordinates[:, list(dims)]
    new_shape = tuple(shape[d] for d in dims)
    if not len(permuted):
        return permuted, new_shape, torch.zeros(0, dtype=torch.long)
    flat = np.ravel_multi_index(tuple(permuted.T.numpy()), new_shape) if new_shape else [0]
    order = torch.from_numpy(np.argsort(np.asarray(flat), kind="stable"))
    return permuted[order], new_shape, order


def sparse_to_dense(
    coordinates: torch.Tensor, values: torch.Tensor, shape: Sequence[int]
) -> torch.Tensor:
    """Dense tensor of `shape` (under `values.st_root`) with element `values[k]` (text and
    coefficient) at `coordinates[k]`; all other elements none. Later duplicates win."""
    require_symbolic(values, "values")
    shape = tuple(int(d) for d in shape)
    coordinates = torch.as_tensor(coordinates, dtype=torch.long)
    if coordinates.dim() != 2 or coordinates.shape[1] != len(shape):
        raise ShapeMismatchError(
            f"coordinates must have shape (nnz, {len(shape)}) for a {len(shape)}-d result, got "
            f"{list(coordinates.shape)}"
        )
    if values.dim() != 1 or len(values) != len(coordinates):
        raise ShapeMismatchError(
            f"values must be 1-D with one element per coordinate row: got values of shape "
            f"{list(values.shape)} for {len(coordinates)} coordinates"
        )
    bounds = torch.tensor(shape, dtype=torch.long)
    if len(coordinates) and ((coordinates < 0) | (coordinates >= bounds)).any():
        raise ShapeMismatchError(f"coordinates fall outside shape {list(shape)}")
    result = make_none_tensor(shape, values.st_root, dtype=values.dtype)
    flat_result = result.data.view(-1)
    for k, coordinate in enumerate(coordinates.tolist()):
        flat = int(np.ravel_multi_index(coordinate, shape)) if shape else 0
        layout.copy_element(
            layout.element_file(values.st_root, values.st_uid, k),
            layout.element_file(result.st_root, result.st_uid, flat),
        )
        flat_result[flat] = values.detach()[k]
    return result
