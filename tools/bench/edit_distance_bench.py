"""Benchmark: the loss's Levenshtein distance against the library and the textbook program.

Run: uv run python tools/bench/edit_distance_bench.py
Texts are source-file sized (about 300-900 characters, like the Python/Viba pairs of the viba
trainer), each compared with a randomly edited copy of itself. Three implementations run on the
same pairs in the same process and their results are checked equal: the loss's
``levenshtein_distance``, the ``Levenshtein`` library called directly (what a user would pick;
the loss calls it, so this measures the loss's own overhead), and the textbook dynamic program
(``symtensor_autograd.testing``). Timed in CPU time of this process (``time.process_time``),
best of several runs: on a shared machine wall time also counts whatever else is running.
"""

from __future__ import annotations

import random
import time

import Levenshtein
from symtensor_autograd import levenshtein_distance
from symtensor_autograd.testing import textbook_levenshtein

WORDS = [
    "def",
    "return",
    "for",
    "in",
    "if",
    "else",
    "x",
    "total",
    "items",
    "(",
    ")",
    ":",
    "+",
    "\n    ",
]


FAST_REPEATS, TEXTBOOK_REPEATS = 15, 3


def make_pairs(count: int, seed: int = 0) -> list[tuple[str, str]]:
    """``count`` (code-like text, randomly edited copy) pairs."""
    rng = random.Random(seed)
    pairs = []
    for _ in range(count):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(60, 180)))
        edited = list(text)
        for _ in range(rng.randint(5, 60)):
            position = rng.randrange(len(edited))
            edited[position : position + rng.randint(0, 3)] = rng.choice(WORDS)
        pairs.append((text, "".join(edited)))
    return pairs


def timed(function, pairs) -> tuple[float, list[int]]:
    """CPU seconds taken by ``function`` over all pairs, and its results."""
    start = time.process_time()
    results = [function(a, b) for a, b in pairs]
    return time.process_time() - start, results


def best_of(repeats: int, function, pairs) -> tuple[float, list[int]]:
    """The fastest of ``repeats`` timed runs, and the results (identical every run)."""
    runs = [timed(function, pairs) for _ in range(repeats)]
    return min(seconds for seconds, _ in runs), runs[0][1]


def main() -> None:
    """Time the three implementations and print the speedup ratio last."""
    pairs = make_pairs(12)
    ours_s, ours = best_of(FAST_REPEATS, levenshtein_distance, pairs)
    library_s, library = best_of(FAST_REPEATS, Levenshtein.distance, pairs)
    base_s, base = best_of(TEXTBOOK_REPEATS, textbook_levenshtein, pairs)
    assert ours == library == base, "implementations disagree"
    chars = sum(len(a) + len(b) for a, b in pairs) // (2 * len(pairs))
    print(f"12 pairs, mean length {chars} chars")
    print(f"the loss's levenshtein_distance: {ours_s * 1000:.3f} ms (best of {FAST_REPEATS})")
    print(f"Levenshtein.distance directly:   {library_s * 1000:.3f} ms (best of {FAST_REPEATS})")
    print(f"textbook dynamic program:        {base_s * 1000:.1f} ms (best of {TEXTBOOK_REPEATS})")
    print(f"overhead over the library: {ours_s / library_s:.2f}x")
    print(f"levenshtein speedup ratio: {base_s / ours_s:.1f}")


if __name__ == "__main__":
    main()
