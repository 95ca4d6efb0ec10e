"""Attention over texts: ``slice_attention`` + ``merge`` = ``st_attention``.

For a sequence ``x`` of shape ``[..., T]``:

* ``slice_attention(x, mask)`` -> ``[..., T, T]``: slot ``[i, j]`` is a view of ``x[j]`` where
  ``mask[i, j]`` (causal by default: ``j <= i``) and none elsewhere. Its coefficient is
  ``x[j] * w[i, j]`` with uniform attention weights ``w[i, j] = mask[i, j] / sum_j mask[i, j]``.
* ``merge(y, dim)`` joins the texts along ``dim`` into one text per position (a
  :class:`TextMerger` marks where each part starts); its coefficient is the sum along ``dim``.
* ``st_attention(x) = merge(slice_attention(x), -1)``: element ``i`` holds ``x[0..i]`` merged,
  with coefficient 1 for an all-text input.

Backward of ``merge`` patches the merged text with its diff, splits it at the markers, and sends
each part the diff of its own text; ``slice_attention`` routes the slot diffs to ``x[j]``.
"""

from __future__ import annotations

import numpy as np
import torch
from symtensor_store import (
    element_path,
    keep_alive,
    link_to_element,
    make_none_tensor,
    reclaim_when_collected,
)

from symtensor_autograd.functions.routing import (
    flat_positions,
    received_texts,
    scatter_back,
    send_scattered,
)
from symtensor_autograd.gradient_channel import GradientChannel, resolve_channel, stamp
from symtensor_autograd.text_merger import TextMerger
from symtensor_autograd.texts import (
    TensorRef,
    apply_diff,
    forward_texts,
    read_texts,
    require_symbolic,
    text_tensor,
    unchanged_texts,
    unified_diff,
)


def _attention_mask(mask: str | torch.Tensor | None, length: int) -> np.ndarray:
    if mask is None:
        return np.ones((length, length), dtype=bool)
    if isinstance(mask, str):
        if mask != "causal":
            raise ValueError(f"mask must be 'causal', None or a [T, T] bool tensor, got {mask!r}")
        return np.tril(np.ones((length, length), dtype=bool))
    array = np.asarray(torch.as_tensor(mask).bool())
    if array.shape != (length, length):
        raise ValueError(
            f"mask must be [{length}, {length}] for a sequence of {length}, got {list(array.shape)}"
        )
    return array


class SliceAttention(torch.autograd.Function):
    """Autograd Function of :func:`slice_attention`."""

    @staticmethod
    def forward(ctx, x, mask, channel):  # noqa: D102
        length = x.shape[-1]
        positions = flat_positions(x.shape)  # [..., T]
        sources = np.where(mask, positions[..., None, :], -1)  # [..., T, T]
        rows = mask.sum(axis=1, keepdims=True)
        weights = np.where(mask, 1.0 / np.maximum(rows, 1), 0.0) * np.ones(sources.shape)
        out = make_none_tensor(sources.shape, x.st_root, dtype=x.dtype)
        for k, source in enumerate(sources.reshape(-1).tolist()):
            if source >= 0:
                link_to_element(element_path(out, k), element_path(x, source))
        coefficients = x.detach()[..., None, :].expand(*x.shape[:-1], length, length)
        with torch.no_grad():
            out.copy_(coefficients * torch.from_numpy(weights).to(x.dtype))
        ctx.save_for_backward(x)
        ctx.sources, ctx.weights, ctx.channel = sources, weights, channel
        ctx.x_texts = forward_texts(x, ctx.needs_input_grad[0])
        ctx.out = TensorRef.of(out)
        return stamp(reclaim_when_collected(keep_alive(out, x)), channel)

    @staticmethod
    def backward(ctx, grad_out):  # noqa: D102
        diffs = received_texts(ctx.channel, ctx.out)
        if not ctx.needs_input_grad[0]:
            return None, None, None
        (x,) = ctx.saved_tensors
        what = "slice_attention's input"
        grad = scatter_back(
            ctx.channel, x, ctx.sources, diffs, grad_out, ctx.x_texts, what, ctx.weights
        )
        return grad, None, None


class Merge(torch.autograd.Function):
    """Autograd Function of :func:`merge`."""

    @staticmethod
    def forward(ctx, x, dim, merger, channel):  # noqa: D102
        moved = np.moveaxis(flat_positions(x.shape), dim, -1)  # [..., parts]
        groups = moved.reshape(-1, x.shape[dim])
        texts = read_texts(x)
        parts = [[texts[k] for k in group] for group in groups.tolist()]
        merged = [merger.join(group) for group in parts]
        out_shape = moved.shape[:-1]
        out = text_tensor(merged, out_shape, x.st_root, dtype=x.dtype, temporary=True)
        with torch.no_grad():
            out.copy_(x.detach().sum(dim=dim))
        ctx.save_for_backward(x)
        ctx.dim, ctx.groups, ctx.parts, ctx.merged = dim, groups, parts, merged
        ctx.texts = tuple(texts)
        ctx.merger, ctx.channel, ctx.out = merger, channel, TensorRef.of(out)
        return stamp(out, channel)

    @staticmethod
    def backward(ctx, grad_out):  # noqa: D102
        diffs = received_texts(ctx.channel, ctx.out)
        if not ctx.needs_input_grad[0]:
            return None, None, None, None
        (x,) = ctx.saved_tensors
        grad = grad_out.unsqueeze(ctx.dim).expand(x.shape).clone()
        if diffs is not None:
            part_diffs = [""] * x.numel()
            for position, (group, parts, merged, diff) in enumerate(
                zip(ctx.groups, ctx.parts, ctx.merged, diffs, strict=True)
            ):
                if not diff.strip():
                    continue
                new_merged = apply_diff(merged, diff)
                new_parts = None if new_merged is None else ctx.merger.split(new_merged, parts)
                if new_parts is None:
                    ctx.channel.drop(
                        f"merge: the text gradient of merged element {position} "
                        + ("does not apply" if new_merged is None else "edits the part markers")
                    )
                    continue
                for k, old, new in zip(group.tolist(), parts, new_parts, strict=True):
                    if old is not None and new is not None:
                        part_diffs[k] = unified_diff(old, new)
            base = unchanged_texts(x, ctx.texts, "merge's input")
            send_scattered(ctx.channel, x, flat_positions(x.shape), part_diffs, base)
        return grad.to(x.dtype), None, None, None


def slice_attention(
    x: torch.Tensor,
    mask: str | torch.Tensor | None = "causal",
    *,
    channel: GradientChannel | None = None,
) -> torch.Tensor:
    """``[..., T] -> [..., T, T]``: slot ``[i, j]`` views ``x[j]`` where ``mask[i, j]`` (see module)."""
    require_symbolic(x, "x")
    if x.dim() < 1:
        raise ValueError("slice_attention needs a tensor with a sequence axis (last dim)")
    return SliceAttention.apply(x, _attention_mask(mask, x.shape[-1]), resolve_channel(channel, x))


def merge(
    x: torch.Tensor,
    dim: int = -1,
    *,
    merger: TextMerger | None = None,
    channel: GradientChannel | None = None,
) -> torch.Tensor:
    """Join the texts of ``x`` along ``dim`` (removed); coefficients summed along it."""
    require_symbolic(x, "x")
    if x.dim() < 1:
        raise ValueError("merge needs a tensor with at least one dimension")
    return Merge.apply(x, dim % x.dim(), merger or TextMerger(), resolve_channel(channel, x))


def st_attention(
    x: torch.Tensor,
    mask: str | torch.Tensor | None = "causal",
    *,
    channel: GradientChannel | None = None,
) -> torch.Tensor:
    """``merge(slice_attention(x, mask), -1)``: element ``i`` is the merge of what ``i`` attends to."""
    channel = resolve_channel(channel, x)
    return merge(slice_attention(x, mask, channel=channel), -1, channel=channel)
