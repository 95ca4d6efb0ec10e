"""Sending gradients of index-like Functions back to the source elements they came from.

Slicing, stacking, forking, copying and sparse conversion all move elements around without
changing them. Each output element ``k`` came from one source element ``sources[k]`` (a flat
index, or -1 for none), so backward is a scatter: numeric gradients are summed per source
element, and the text gradients (diffs) landing on one element are combined in order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import torch

from symtensor_autograd.gradient_channel import GradientChannel, send_diffs
from symtensor_autograd.texts import combine_diffs, read_texts, unchanged_texts


def scatter_numeric(
    grad_out: torch.Tensor,
    sources: np.ndarray,
    source_shape: Sequence[int],
    dtype: torch.dtype,
    weights: np.ndarray | None = None,
) -> torch.Tensor:
    """Numeric gradient of the source: ``grad_out[k] * weights[k]`` summed into ``sources[k]``."""
    numel = int(np.prod(source_shape, dtype=np.int64))
    flat_sources = torch.from_numpy(np.asarray(sources, dtype=np.int64).reshape(-1))
    grad = grad_out.reshape(-1).to(torch.float64)
    if weights is not None:
        grad = grad * torch.from_numpy(np.asarray(weights, dtype=np.float64).reshape(-1))
    keep = flat_sources >= 0
    result = torch.zeros(numel, dtype=torch.float64)
    result.index_add_(0, flat_sources[keep], grad[keep])
    return result.reshape(tuple(source_shape)).to(dtype)


def send_scattered(
    channel: GradientChannel,
    source: torch.Tensor,
    sources: np.ndarray,
    out_diffs: Sequence[str | None] | None,
    base: Sequence[str | None],
) -> None:
    """Send ``source`` its share of the output text gradient (nothing when there is none).

    The diffs landing on one element are combined against ``base`` (the source's texts as
    forward saw them); conflicts are counted on the channel (see ``combine_diffs``).
    """
    if out_diffs is None or not any(out_diffs):
        return
    landing: dict[int, list[str]] = defaultdict(list)
    for target, diff in zip(np.asarray(sources).reshape(-1).tolist(), out_diffs, strict=True):
        if target >= 0 and diff:
            landing[target].append(diff)
    texts, conflicts = [""] * source.numel(), 0
    for target, diffs in landing.items():
        combined = combine_diffs(base[target] or "", diffs)
        texts[target], conflicts = combined.diff, conflicts + combined.conflicts
    send_diffs(source, texts, channel, base=base, conflicts=conflicts)


def scatter_back(
    channel: GradientChannel,
    source: torch.Tensor,
    sources: np.ndarray,
    out_diffs: Sequence[str | None] | None,
    grad_out: torch.Tensor,
    saved_texts: tuple[str | None, ...],
    what: str,
    weights: np.ndarray | None = None,
) -> torch.Tensor:
    """Backward of an index-like Function for one ``source``: both gradient channels.

    ``source`` is sent its share of the output diffs (combined against ``saved_texts``, the
    texts forward read, after checking it still holds them; ``what`` names it in that error)
    and its numeric gradient, ``grad_out`` scattered (times ``weights``), is returned.
    """
    base = unchanged_texts(source, saved_texts, what)
    send_scattered(channel, source, sources, out_diffs, base)
    return scatter_numeric(grad_out, sources, source.shape, source.dtype, weights)


def received_texts(channel: GradientChannel, value: torch.Tensor) -> list[str] | None:
    """The text gradient sent to ``value`` as a flat list of diffs, or None if none was sent."""
    diffs = channel.receive(value)
    return None if diffs is None else [text or "" for text in read_texts(diffs)]


def flat_positions(shape: Sequence[int]) -> np.ndarray:
    """``arange(numel).reshape(shape)``: indexing it tells which source element lands where."""
    return np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.int64).reshape(tuple(shape))
