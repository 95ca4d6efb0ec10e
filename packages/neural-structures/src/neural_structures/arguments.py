"""Argument types for the command lines of neural-structures and the packages built on it.

Each turns a bad value into argparse's one-line usage error (exit status 2), never a traceback.
"""

from __future__ import annotations

import argparse


def length_range(text: str) -> tuple[int, int]:
    """An argparse type: a range of lengths ``LO-HI`` (or one length), 1 <= LO <= HI."""
    try:
        low, _, high = text.partition("-")
        result = (int(low), int(high or low))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a range like 1-40, got {text!r}") from None
    if not 1 <= result[0] <= result[1]:
        raise argparse.ArgumentTypeError(f"expected 1 <= low <= high, got {text!r}")
    return result


def integer_at_least(minimum: int):
    """An argparse type: an integer >= ``minimum``, else a one-line usage error."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    return parse


def positive_float(text: str) -> float:
    """An argparse type: a number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value
