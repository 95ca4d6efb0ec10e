"""Argument types for the command lines of neural-structures and the packages built on it.

Each turns a bad value into argparse's one-line usage error (exit status 2), never a traceback.
"""

from __future__ import annotations

import argparse
import math

MAX_LENGTH = 10_000  # longest task sequence: longer ones take hours per test length
MAX_SEED = 2**63 - 1  # torch.Generator.manual_seed takes a signed 64-bit integer


def length_range(text: str) -> tuple[int, int]:
    """An argparse type: a range of lengths ``LO-HI`` (or one length), 1 <= LO <= HI <= 10,000."""
    try:
        low, _, high = text.partition("-")
        result = (int(low), int(high or low))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a range like 1-40, got {text!r}") from None
    if not 1 <= result[0] <= result[1] <= MAX_LENGTH:
        raise argparse.ArgumentTypeError(
            f"expected 1 <= low <= high <= {MAX_LENGTH:,}, got {text!r}"
        )
    return result


def integer_at_least(minimum: int, maximum: int | None = None):
    """An argparse type: an integer >= ``minimum`` (and <= ``maximum``), else a one-line usage
    error. The maximum keeps absurd sizes from running out of memory or time before a word."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be <= {maximum:,}, got {value:,}")
        return value

    return parse


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def positive_float(text: str) -> float:
    """An argparse type: a finite number > 0."""
    value = _number(text)
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return value


def fraction(text: str) -> float:
    """An argparse type: a number from 0 to 1."""
    value = _number(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be from 0 to 1, got {text}")
    return value
