"""Domain exceptions of symtensor-store: every failure names what is wrong and where."""


class SymbolicTensorError(Exception):
    """Base class of every error raised by symtensor-store."""


class StorageError(SymbolicTensorError):
    """A tensor's on-disk storage is missing, corrupt, or inconsistent; the message names the path."""


class ShapeMismatchError(SymbolicTensorError):
    """Two tensors (or a tensor and its data) that must agree in shape do not."""


class NotSymbolicError(SymbolicTensorError, TypeError):
    """A plain tensor was passed where a symbolic tensor (with `st_root`/`st_uid`) is required."""


class ElementIndexError(SymbolicTensorError, IndexError):
    """An element index lies outside the tensor's shape."""


class MalformedDiffError(SymbolicTensorError, ValueError):
    """A unified diff cannot be parsed (bad hunk header, wrong line counts, stray lines)."""
