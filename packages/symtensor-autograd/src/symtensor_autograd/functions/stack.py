"""``st_stack``: stack symbolic tensors along a new axis, like ``torch.stack``.

Backward splits both gradient channels along that axis: input ``k`` gets slice ``k``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from symtensor_store import reclaim_when_collected, stack_tensors

from symtensor_autograd.functions.routing import flat_positions, received_texts, scatter_back
from symtensor_autograd.gradient_channel import GradientChannel, resolve_channel, stamp
from symtensor_autograd.texts import TensorRef, forward_texts, require_same_root, require_symbolic


class StStack(torch.autograd.Function):
    """Autograd Function of :func:`st_stack`."""

    @staticmethod
    def forward(ctx, dim, channel, *tensors):  # noqa: D102
        out = stack_tensors(tensors, dim=dim)
        # which (tensor, element) each output element came from, as one flat id over all inputs
        numel = tensors[0].numel()
        ids = np.stack(
            [flat_positions(t.shape) + k * numel for k, t in enumerate(tensors)], axis=dim
        )
        ctx.save_for_backward(*tensors)
        ctx.ids, ctx.numel, ctx.channel = ids.reshape(-1), numel, channel
        ctx.texts = [
            forward_texts(t, needed)
            for t, needed in zip(tensors, ctx.needs_input_grad[2:], strict=True)
        ]
        ctx.out = TensorRef.of(out)
        return stamp(reclaim_when_collected(out), channel)

    @staticmethod
    def backward(ctx, grad_out):  # noqa: D102
        diffs = received_texts(ctx.channel, ctx.out)
        grads: list[torch.Tensor | None] = []
        for k, source in enumerate(ctx.saved_tensors):
            if not ctx.needs_input_grad[2 + k]:
                grads.append(None)
                continue
            inside = (ctx.ids >= k * ctx.numel) & (ctx.ids < (k + 1) * ctx.numel)
            sources = np.where(inside, ctx.ids - k * ctx.numel, -1)
            what = f"st_stack's tensors[{k}]"
            grads.append(
                scatter_back(ctx.channel, source, sources, diffs, grad_out, ctx.texts[k], what)
            )
        return None, None, *grads


def st_stack(
    tensors: Sequence[torch.Tensor], dim: int = 0, *, channel: GradientChannel | None = None
) -> torch.Tensor:
    """Stack same-shape symbolic tensors (one root) along a new axis ``dim``, with autograd."""
    if not tensors:
        raise ValueError("st_stack needs at least one tensor")
    for k, tensor in enumerate(tensors):
        require_symbolic(tensor, f"tensors[{k}]")
    require_same_root("st_stack", **{f"tensors[{k}]": t for k, t in enumerate(tensors)})
    dim = dim % (tensors[0].dim() + 1)
    return StStack.apply(dim, resolve_channel(channel, *tensors), *tensors)
