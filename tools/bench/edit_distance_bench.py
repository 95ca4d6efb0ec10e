"""Benchmark: the loss's bit-parallel Levenshtein against the textbook dynamic program.

Run: uv run python tools/bench/edit_distance_bench.py
Texts are source-file sized (about 300-900 characters, like the Python/Viba pairs of the viba
trainer), each compared with a randomly edited copy of itself. Both implementations run on the
same pairs in the same process; their results are checked equal. Both are timed in CPU time of
this process (``time.process_time``), best of several runs: on the shared machine wall time also
counts whatever else is running, which made a single ~10 ms run of the fast one, and so the ratio,
jump (82-279 across runs in wall time, 110-147 in CPU time, on the same loaded machine).
"""

from __future__ import annotations

import random
import time

from symtensor_autograd import levenshtein_distance

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


OURS_REPEATS, BASELINE_REPEATS = 15, 3


def textbook_levenshtein(a: str, b: str) -> int:
    """The baseline: the O(len(a) * len(b)) dynamic program, row by row."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]


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
    """Time both implementations and print the speedup ratio last."""
    pairs = make_pairs(12)
    ours_s, ours = best_of(OURS_REPEATS, levenshtein_distance, pairs)
    base_s, base = best_of(BASELINE_REPEATS, textbook_levenshtein, pairs)
    assert ours == base, "implementations disagree"
    chars = sum(len(a) + len(b) for a, b in pairs) // (2 * len(pairs))
    print(f"12 pairs, mean length {chars} chars")
    print(f"bit-parallel levenshtein: {ours_s * 1000:.1f} ms (best of {OURS_REPEATS})")
    print(f"textbook dynamic program: {base_s * 1000:.1f} ms (best of {BASELINE_REPEATS})")
    print(f"levenshtein speedup ratio: {base_s / ours_s:.1f}")


if __name__ == "__main__":
    main()
