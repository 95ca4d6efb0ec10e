"""Domain exceptions for neurallambda.

Every error raised on bad input derives from :class:`NeurallambdaError`, so a caller can catch the
whole family with one ``except`` clause.
"""

from __future__ import annotations


class NeurallambdaError(Exception):
    """Base class for every error raised by neurallambda."""


class ParseError(NeurallambdaError, ValueError):
    """The program text is not a valid program; ``line`` and ``column`` are 1-based."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"line {line}, column {column}: {message}")
        self.line = line
        self.column = column


class ConfigurationError(NeurallambdaError, ValueError):
    """A machine or codebook was configured with an impossible size or range."""


class ProgramTooLargeError(NeurallambdaError, ValueError):
    """A program (or one of its reducts) needs more memory cells than the machine has."""


class IntegerRangeError(NeurallambdaError, ValueError):
    """An integer literal or arithmetic result lies outside the machine's integer codebook."""


class VectorSizeError(NeurallambdaError, ValueError):
    """The vector size is too small to keep the codebook's symbols apart."""


class NoNormalFormError(NeurallambdaError):
    """A program did not reach normal form within the step budget."""


class ReadBackError(NeurallambdaError):
    """Machine memory does not decode to a well-formed term (a corrupt or unfinished state)."""
