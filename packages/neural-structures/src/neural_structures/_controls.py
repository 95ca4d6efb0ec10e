"""Checks and transforms shared by the structures' control inputs (private)."""

from __future__ import annotations

import torch
from torch import Tensor

from neural_structures.errors import ConfigurationError, StateShapeError


def check_shape(name: str, tensor: object, expected: tuple[int, ...], meaning: str) -> None:
    """Raise :class:`StateShapeError` unless ``tensor`` is a tensor of shape ``expected``.

    ``meaning`` spells the dimensions for the message, e.g. ``"(batch, 3)"``.
    """
    if not isinstance(tensor, Tensor):
        raise StateShapeError(f"{name} must be a tensor {meaning}, got {type(tensor).__name__}")
    if tuple(tensor.shape) != tuple(expected):
        raise StateShapeError(
            f"{name} must have shape {meaning} = {tuple(expected)}, got {tuple(tensor.shape)}"
        )


def clear_rows(tensor: Tensor, where: Tensor | None) -> Tensor:
    """Zero every batch row of ``tensor`` (batch, ...), or scale row i by ``1 - where[i]``.

    The body of every structure's ``reset``; ``where`` must have shape (batch,).
    """
    if where is None:
        return torch.zeros_like(tensor)
    check_shape("where", where, tensor.shape[:1], "(batch,)")
    keep = 1 - where.to(tensor)
    return tensor * keep.view(-1, *(1,) * (tensor.dim() - 1))


def check_sharpen(sharpen: float) -> float:
    """Validate a sharpening exponent (1 = off, larger = closer to one-hot)."""
    if not sharpen > 0:
        raise ConfigurationError(f"sharpen must be > 0 (1 means no sharpening), got {sharpen}")
    return float(sharpen)


def sharpen_distribution(probs: Tensor, sharpen: float, dim: int = -1) -> Tensor:
    """Raise probabilities to the power ``sharpen`` and renormalise along ``dim``.

    ``sharpen == 1`` returns ``probs`` unchanged; larger values move it towards its argmax.
    """
    if sharpen == 1.0:
        return probs
    powered = probs.clamp_min(0).pow(sharpen)
    return powered / powered.sum(dim=dim, keepdim=True).clamp_min(torch.finfo(probs.dtype).tiny)
