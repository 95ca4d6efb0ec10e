"""The loss: Levenshtein edit distance ratio between actual and expected texts.

``edit_distance_ratio(actual, expected)`` is an autograd Function with both gradient channels:

* numeric: the loss value of an element is its ratio (0 = identical, 1 = nothing in common); the
  gradient sent to ``actual``'s coefficient is ``grad * ratio`` (a straight-through estimator: the
  coefficient does not change the text, but how wrong the text is says how much to push).
* text: the unified diff turning the actual text into the expected text, sent to ``actual`` on
  the :class:`~symtensor_autograd.gradient_channel.GradientChannel`.
"""

from __future__ import annotations

import torch

from symtensor_autograd.errors import GradientChannelError, LossShapeError
from symtensor_autograd.gradient_channel import GradientChannel, channel_of, resolve_channel
from symtensor_autograd.texts import (
    read_texts,
    require_same_root,
    require_symbolic,
    text_tensor,
    unchanged_texts,
    unified_diff,
)


def levenshtein_distance(a: str, b: str) -> int:
    """Number of single-character insertions, deletions and substitutions turning ``a`` into ``b``.

    Bit-parallel (Myers 1999, in Hyyrö's formulation for global distance): one column of the
    dynamic-programming table is a pair of Python ints holding its vertical deltas, so each
    character of the longer text costs a handful of big-int operations instead of a loop over
    the shorter one.
    """
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    text, pattern = a[start:end_a], b[start:end_b]
    if len(text) < len(pattern):
        text, pattern = pattern, text
    if not pattern:
        return len(text)
    match: dict[str, int] = {}
    for position, char in enumerate(pattern):
        match[char] = match.get(char, 0) | (1 << position)
    full, top = (1 << len(pattern)) - 1, 1 << (len(pattern) - 1)
    plus, minus, distance = full, 0, len(pattern)  # vertical +1 / -1 deltas of the column
    for char in text:
        x = match.get(char, 0) | minus
        diagonal = (((x & plus) + plus) ^ plus) | x
        h_plus = minus | (~(diagonal | plus) & full)
        h_minus = plus & diagonal
        if h_plus & top:
            distance += 1
        elif h_minus & top:
            distance -= 1
        x = ((h_plus << 1) | 1) & full
        minus = x & diagonal
        plus = ((h_minus << 1) | ~(x | diagonal)) & full
    return distance


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
            diff_tensor = text_tensor(
                diffs, actual.shape, actual.st_root, dtype=actual.dtype, temporary=True
            )
            channel_of(actual, ctx.channel).send(actual, diff_tensor, base=actual_texts)
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
