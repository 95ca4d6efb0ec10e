"""Domain exceptions of symtensor-autograd: each names what is wrong and how to fix it."""

from __future__ import annotations


class SymbolicAutogradError(Exception):
    """Base class of every error raised by symtensor-autograd."""


class ExperienceShapeError(SymbolicAutogradError, ValueError):
    """An experience tensor is not a symbolic tensor of shape [N, 3] with N >= 1."""


class RootMismatchError(SymbolicAutogradError, ValueError):
    """Symbolic tensors that one operation combines live under different roots."""


class LossShapeError(SymbolicAutogradError, ValueError):
    """The loss was asked to compare tensors of different shapes."""


class GradientChannelError(SymbolicAutogradError, RuntimeError):
    """A text gradient cannot be sent or received (no channel, or tensors of two channels mixed)."""


class DataLoaderError(SymbolicAutogradError, ValueError):
    """The batch data loader got unusable files or settings."""


class CheckpointError(SymbolicAutogradError, ValueError):
    """A state dict does not fit the model or optimizer it is loaded into."""
