"""Reference implementations for tests and benchmarks: slow, obviously right, not for use."""

from __future__ import annotations


def textbook_levenshtein(a: str, b: str) -> int:
    """The O(len(a) * len(b)) dynamic program for the Levenshtein distance, row by row."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]
