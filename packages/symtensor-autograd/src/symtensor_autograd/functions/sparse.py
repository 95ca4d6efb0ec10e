"""Dense <-> sparse conversion (each one's backward is the other) and ``with_dense_view``.

A sparse symbolic tensor is ``(coordinates, values)``: the ``(nnz, ndim)`` coordinates of the
nonzero coefficients of a dense tensor and a 1-D symbolic tensor of those elements.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from symtensor_store import dense_to_sparse as store_dense_to_sparse
from symtensor_store import reclaim_when_collected
from symtensor_store import sparse_to_dense as store_sparse_to_dense

from symtensor_autograd.functions.routing import received_texts, scatter_back
from symtensor_autograd.gradient_channel import GradientChannel, resolve_channel, stamp
from symtensor_autograd.texts import TensorRef, forward_texts, require_symbolic


def _flat(coordinates: torch.Tensor, shape: Sequence[int]) -> np.ndarray:
    """Row-major flat index of each coordinate row."""
    coords = coordinates.reshape(-1, len(shape)).numpy()
    if not len(shape):
        return np.zeros(len(coords), dtype=np.int64)
    return np.ravel_multi_index(tuple(coords.T), tuple(shape)).astype(np.int64)


class DenseToSparse(torch.autograd.Function):
    """Autograd Function of :func:`dense_to_sparse`; backward is sparse_to_dense of the grads."""

    @staticmethod
    def forward(ctx, dense, channel):  # noqa: D102
        coordinates, values = store_dense_to_sparse(dense)
        ctx.mark_non_differentiable(coordinates)
        ctx.save_for_backward(dense)
        ctx.channel = channel
        ctx.dense_texts = forward_texts(dense, ctx.needs_input_grad[0])
        ctx.sources = _flat(coordinates, dense.shape)
        ctx.values = TensorRef.of(values)
        return coordinates, stamp(reclaim_when_collected(values), channel)

    @staticmethod
    def backward(ctx, _grad_coordinates, grad_values):  # noqa: D102
        diffs = received_texts(ctx.channel, ctx.values)
        if not ctx.needs_input_grad[0]:
            return None, None
        (dense,) = ctx.saved_tensors
        what = "dense_to_sparse's input"
        grad = scatter_back(
            ctx.channel, dense, ctx.sources, diffs, grad_values, ctx.dense_texts, what
        )
        return grad, None


class SparseToDense(torch.autograd.Function):
    """Autograd Function of :func:`sparse_to_dense`; backward gathers the grads at the coordinates."""

    @staticmethod
    def forward(ctx, coordinates, values, shape, channel):  # noqa: D102
        dense = store_sparse_to_dense(coordinates, values, shape)
        ctx.save_for_backward(values)
        ctx.channel = channel
        ctx.values_texts = forward_texts(values, ctx.needs_input_grad[1])
        ctx.flat = _flat(coordinates, shape)
        ctx.dense = TensorRef.of(dense)
        return stamp(reclaim_when_collected(dense), channel)

    @staticmethod
    def backward(ctx, grad_dense):  # noqa: D102
        diffs = received_texts(ctx.channel, ctx.dense)
        if not ctx.needs_input_grad[1]:
            return None, None, None, None
        # value k came from dense element flat[k]: gather = scatter with the roles swapped
        positions = {int(flat): k for k, flat in enumerate(ctx.flat)}  # later duplicates win
        sources = np.full(
            len(diffs) if diffs is not None else grad_dense.numel(), -1, dtype=np.int64
        )
        for flat, k in positions.items():
            sources[flat] = k
        (values,) = ctx.saved_tensors
        what = "sparse_to_dense's values"
        grad = scatter_back(ctx.channel, values, sources, diffs, grad_dense, ctx.values_texts, what)
        return None, grad, None, None


def dense_to_sparse(
    dense: torch.Tensor, *, channel: GradientChannel | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(coordinates, values)`` of the nonzero elements of ``dense``, with autograd on values."""
    require_symbolic(dense, "dense")
    return DenseToSparse.apply(dense, resolve_channel(channel, dense))


def sparse_to_dense(
    coordinates: torch.Tensor,
    values: torch.Tensor,
    shape: Sequence[int],
    *,
    channel: GradientChannel | None = None,
) -> torch.Tensor:
    """Dense tensor of ``shape`` with ``values[k]`` at ``coordinates[k]`` (none elsewhere)."""
    require_symbolic(values, "values")
    coordinates = torch.as_tensor(coordinates, dtype=torch.long)
    shape = tuple(int(d) for d in shape)
    return SparseToDense.apply(coordinates, values, shape, resolve_channel(channel, values))


def with_dense_view(
    fn: Callable[[torch.Tensor], torch.Tensor],
    coordinates: torch.Tensor,
    values: torch.Tensor,
    shape: Sequence[int],
    *,
    channel: GradientChannel | None = None,
) -> torch.Tensor:
    """Run ``fn`` on the dense view of a sparse tensor; return its result at the same coordinates.

    ``fn`` must map a dense tensor to one of the same shape. Gradients flow back through the
    gather, ``fn`` and the scatter, so ``values`` gets both channels.
    """
    from symtensor_autograd.functions.slicing import slice_tensor

    channel = resolve_channel(channel, values)
    dense = sparse_to_dense(coordinates, values, shape, channel=channel)
    result = fn(dense)
    if tuple(result.shape) != tuple(shape):
        raise ValueError(
            f"with_dense_view: fn must keep the dense shape {list(shape)}, returned {list(result.shape)}"
        )
    index = tuple(torch.as_tensor(coordinates, dtype=torch.long).reshape(-1, len(shape)).T.numpy())
    return slice_tensor(result, index, channel=channel)
