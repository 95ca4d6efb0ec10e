"""Domain exceptions for neural_structures.

Every error raised on bad input derives from :class:`NeuralStructuresError`, so callers can catch
the whole family with one ``except`` clause.
"""


class NeuralStructuresError(Exception):
    """Base class for every error raised by neural_structures."""


class UnknownSymbolError(NeuralStructuresError, KeyError):
    """A symbol was looked up that the :class:`SymbolSpace` has never seen."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable.
        return str(self.args[0]) if self.args else ""


class UnresolvedVectorError(NeuralStructuresError):
    """A vector is not similar enough to any symbol to be unprojected (strict mode)."""


class SymbolEncodingError(NeuralStructuresError):
    """A symbol cannot be saved because it has no JSON encoding (only literals and tuples do)."""


class StateShapeError(NeuralStructuresError, ValueError):
    """A tensor handed to a structure has the wrong shape for its state or its controls."""


class ConfigurationError(NeuralStructuresError, ValueError):
    """A structure was configured with an impossible size or option."""


class CheckpointError(NeuralStructuresError):
    """A saved state cannot be loaded into this object (wrong format, sizes or contents)."""
