"""Dense <-> sparse symbolic tensors: nonzero coordinates plus a 1-D tensor of their elements."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from symtensor_store import layout
from symtensor_store.errors import ShapeMismatchError
from symtensor_store.indexing import gather
from symtensor_store.tensor import make_none_tensor, require_symbolic


def dense_to_sparse(t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Coordinates (nnz, ndim) of the nonzero coefficients of `t`, in row-major order, and a
    1-D symbolic tensor holding copies of those elements (with their coefficients)."""
    require_symbolic(t)
    coefficients = t.detach()
    coordinates = torch.nonzero(coefficients)  # (nnz, ndim), row-major order
    flat = torch.nonzero(coefficients.reshape(-1)).reshape(-1)  # (nnz,), the same order
    values = gather(t, np.array(flat.tolist(), dtype=np.int64), view=False)
    return coordinates, values


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
