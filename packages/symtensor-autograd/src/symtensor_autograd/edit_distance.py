"""The loss: Levenshtein edit distance ratio between actual and expected texts.

``edit_distance_ratio(actual, expected)`` is an autograd Function with both gradient channels:

* numeric: the loss value of an element is its ratio (0 = identical, 1 = nothing in common); the
  gradient sent to ``actual``'s coefficient is ``grad * ratio`` (a straight-through estimator: the
  coefficient does not change the text, but how wrong the text is says how much to push).
* text: the unified diff turning the actual text into the expected text, sent to ``actual`` on
  the :class:`~symtensor_autograd.gradient_channel.GradientChannel`.
"""

from __future__ import annotations

import Levenshtein
import torch

from symtensor_autograd.errors import GradientChannelError, LossShapeError
from symtensor_autograd.gradient_channel import (
    GradientChannel,
    resolve_channel,
    send_diffs,
)
from symtensor_autograd.texts import (
    read_texts,
    require_same_root,
    require_symbolic,
    unchanged_texts,
    unified_diff,
)


def levenshtein_distance(a: str, b: str) -> int:
    """Number of single-character insertions, deletions and substitutions turning ``a`` into ``b``.

    Computed by the ``Levenshtein`` library (C++, bit-parallel): the same distances as the
    textbook dynamic program (tested against it), tens of times faster than any pure-Python one.
    """
    return Levenshtein.distance(a, b)


def text_edit_distance_ratio(a: str, b: str) -> float:
    """Levenshtein distance divided by the longer length: 0.0 for equal texts, at most 1.0."""
    longest = max(len(a), len(b))
    return levenshtein_distance(a, b) / longest if longest else 0.0


class EditDistanceRatio(torch.autograd.Function):
    """Element-wise loss between two symbolic tensors of one shape (see the module docstring)."""

    @staticmethod
    def forward(ctx, actual, expected, channel):  # noqa: D102
        actual_texts = tuple(read_texts(actual))
        expected_texts = tuple(read_texts(expected))
        ratios = [
            text_edit_distance_ratio(a or "", e or "")
            for a, e in zip(actual_texts, expected_texts, strict=True)
        ]
        ratio = torch.tensor(ratios, dtype=torch.float32).reshape(actual.shape)
        ctx.save_for_backward(ratio, actual, expected)
        ctx.texts, ctx.channel = (actual_texts, expected_texts), channel
        return ratio.clone()

    @staticmethod
    def backward(ctx, grad_loss):  # noqa: D102
        ratio, actual, expected = ctx.saved_tensors
        if ctx.needs_input_grad[0]:
            actual_texts = unchanged_texts(actual, ctx.texts[0], "the loss's actual")
            expected_texts = unchanged_texts(expected, ctx.texts[1], "the loss's expected")
            diffs = [
                unified_diff(a or "", e or "")
                for a, e in zip(actual_texts, expected_texts, strict=True)
            ]
            send_diffs(actual, diffs, ctx.channel, base=actual_texts)
        grad_actual = (grad_loss * ratio).to(actual.dtype)
        return grad_actual, None, None


def edit_distance_ratio(
    actual: torch.Tensor, expected: torch.Tensor, *, channel: GradientChannel | None = None
) -> torch.Tensor:
    """Per-element Levenshtein edit distance ratio (float32, shape of ``actual``).

    ``channel`` carries the text gradient (the diff to ``expected``) back to whoever produced
    ``actual``; by default the channel ``actual`` came out of (``actual.st_channel``). A channel
    other than that one is refused: the producer would never receive the diff.
    """
    require_symbolic(actual, "actual")
    require_symbolic(expected, "expected")
    if actual.shape != expected.shape:
        raise LossShapeError(
            f"edit_distance_ratio needs actual and expected of one shape, got "
            f"{list(actual.shape)} and {list(expected.shape)}"
        )
    require_same_root("edit_distance_ratio", actual=actual, expected=expected)
    stamped = getattr(actual, "st_channel", None)
    if channel is not None and stamped is not None and stamped is not channel:
        raise GradientChannelError(
            f"edit_distance_ratio: actual came out of {stamped!r} but channel={channel!r} was "
            "given; its producer listens on its own channel, so leave channel out"
        )
    return EditDistanceRatio.apply(actual, expected, resolve_channel(channel, actual))
