"""Index-like Functions: ``slice_view``, ``slice_tensor``, ``copy`` and ``fork``.

Forward moves elements (as symbolic links or as copies); backward scatters both gradient
channels back to the source positions (see :mod:`symtensor_autograd.functions.routing`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from symtensor_store import gather, reclaim_when_collected, select_flat_indices

from symtensor_autograd.functions.routing import flat_positions, received_texts, scatter_back
from symtensor_autograd.gradient_channel import GradientChannel, resolve_channel, stamp
from symtensor_autograd.texts import TensorRef, forward_texts, require_symbolic


class _Gather(torch.autograd.Function):
    """Output element k is source element ``sources[k]``, linked (view) or copied."""

    @staticmethod
    def forward(ctx, source, sources, view, channel):
        out = gather(source, sources, view=view)
        ctx.save_for_backward(source)
        ctx.sources, ctx.channel = sources, channel
        ctx.source_texts = forward_texts(source, ctx.needs_input_grad[0])
        ctx.out = TensorRef.of(out)
        return stamp(reclaim_when_collected(out), channel)

    @staticmethod
    def backward(ctx, grad_out):
        diffs = received_texts(ctx.channel, ctx.out)
        if not ctx.needs_input_grad[0]:
            return None, None, None, None
        (source,) = ctx.saved_tensors
        grad = scatter_back(
            ctx.channel, source, ctx.sources, diffs, grad_out, ctx.source_texts, "the sliced tensor"
        )
        return grad, None, None, None


def _gather(source: torch.Tensor, index: Any, view: bool, channel: GradientChannel | None):
    require_symbolic(source, "source")
    sources = select_flat_indices(tuple(source.shape), index)
    return _Gather.apply(source, sources, view, resolve_channel(channel, source))


def slice_view(
    source: torch.Tensor, index: Any, *, channel: GradientChannel | None = None
) -> torch.Tensor:
    """Autograd-aware numpy-style slice whose elements are symbolic links into ``source``.

    Backward scatters the gradients (numeric summed, diffs combined) to the sliced positions.
    """
    return _gather(source, index, True, channel)


def slice_tensor(
    source: torch.Tensor, index: Any, *, channel: GradientChannel | None = None
) -> torch.Tensor:
    """Autograd-aware numpy-style slice into an independent copy (backward as ``slice_view``)."""
    return _gather(source, index, False, channel)


def copy(source: torch.Tensor, *, channel: GradientChannel | None = None) -> torch.Tensor:
    """Independent copy of ``source`` (same shape); both gradients pass straight through."""
    require_symbolic(source, "source")
    return _Gather.apply(
        source, flat_positions(source.shape), False, resolve_channel(channel, source)
    )


class _Fork(torch.autograd.Function):
    """``n`` views of one source; backward sums the numeric grads and combines the diffs."""

    @staticmethod
    def forward(ctx, source, n, channel):
        positions = flat_positions(source.shape)
        outs = tuple(gather(source, positions, view=True) for _ in range(n))
        ctx.save_for_backward(source)
        ctx.positions, ctx.channel = positions, channel
        ctx.source_texts = forward_texts(source, ctx.needs_input_grad[0])
        ctx.outs = [TensorRef.of(out) for out in outs]
        return tuple(stamp(reclaim_when_collected(out), channel) for out in outs)

    @staticmethod
    def backward(ctx, *grads_out):
        all_diffs: list[str] = []
        sources = []
        for out in ctx.outs:
            diffs = received_texts(ctx.channel, out)
            all_diffs.extend(diffs if diffs is not None else [""] * ctx.positions.size)
            sources.append(ctx.positions.reshape(-1))
        if not ctx.needs_input_grad[0]:
            return None, None, None
        (source,) = ctx.saved_tensors
        grad = scatter_back(
            ctx.channel,
            source,
            np.concatenate(sources),
            all_diffs,
            torch.cat([g.reshape(-1) for g in grads_out]),
            ctx.source_texts,
            "the forked tensor",
        )
        return grad, None, None


def fork(
    source: torch.Tensor, n: int, *, channel: GradientChannel | None = None
) -> tuple[torch.Tensor, ...]:
    """``n`` symlinked views of ``source``; backward merges all their gradients into ``source``."""
    require_symbolic(source, "source")
    if n < 1:
        raise ValueError(f"fork needs n >= 1 outputs, got {n}")
    return _Fork.apply(source, n, resolve_channel(channel, source))
