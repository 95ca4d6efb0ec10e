"""Benchmark: element-wise diff + patch, in-process vs the GNU `diff`/`patch` CLIs.

Headline (engine): N element pairs stored as files. Ours reads both files and runs
`unified_diff` + `apply_patch` in-process; the baseline runs `diff -u a b` and then
`patch --fuzz=3 -o - a` (diff on stdin), one subprocess each per element, as the seed
implementation does. Both return the patched text to Python; both must equal the expected text.

Also reported (storage round trip): `diff_tensor` + `patch_tensor` on symbolic tensors, which
additionally write every diff and patched element atomically (temp file + rename), against the
CLIs writing the diff file and patching the element file in place.

    uv run python tools/bench/store_bench.py [--elements 2000]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import tempfile
import time
from pathlib import Path

from symtensor_store import (
    apply_patch,
    diff_tensor,
    make_tensor,
    pack_tensor,
    patch_tensor,
    unified_diff,
)

CHUNK = 100  # element pairs per interleaved timing round


def make_pairs(count: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """`count` (actual, expected) texts of ~30 code-like lines differing in a few lines."""
    rng = random.Random(seed)
    words = ["value", "index", "total", "item", "result", "count", "name", "data"]
    actual, expected = [], []
    for _ in range(count):
        lines = [
            f"{'    ' * rng.randint(0, 2)}{rng.choice(words)} = {rng.choice(words)} + {rng.randint(0, 99)}\n"
            for _ in range(30)
        ]
        changed = list(lines)
        for _ in range(rng.randint(1, 3)):
            position = rng.randrange(len(changed))
            changed[position] = f"{rng.choice(words)}_{rng.randint(0, 9)} = None\n"
        actual.append("".join(lines))
        expected.append("".join(changed))
    return actual, expected


def write_pairs(root: Path, actual: list[str], expected: list[str]) -> list[Path]:
    folders = []
    for i, (a, b) in enumerate(zip(actual, expected, strict=True)):
        folder = root / str(i)
        folder.mkdir(parents=True)
        (folder / "a").write_text(a)
        (folder / "b").write_text(b)
        folders.append(folder)
    return folders


def engine_ours(folders: list[Path]) -> tuple[float, list[str]]:
    start = time.perf_counter()
    results = []
    for folder in folders:
        a, b = (folder / "a").read_text(), (folder / "b").read_text()
        results.append(apply_patch(a, unified_diff(a, b)).text)
    return time.perf_counter() - start, results


def engine_cli(folders: list[Path]) -> tuple[float, list[str]]:
    start = time.perf_counter()
    results = []
    for folder in folders:
        diff = subprocess.run(
            ["diff", "-u", str(folder / "a"), str(folder / "b")], capture_output=True, check=False
        ).stdout
        patched = subprocess.run(
            ["patch", "--fuzz=3", "--silent", "-o", "-", str(folder / "a")],
            input=diff,
            capture_output=True,
            check=True,
        ).stdout
        results.append(patched.decode())
    return time.perf_counter() - start, results


def storage_ours(root: Path, actual: list[str], expected: list[str]) -> float:
    actual_t, expected_t = make_tensor(actual, root), make_tensor(expected, root)
    start = time.perf_counter()
    report = patch_tensor(actual_t, diff_tensor(actual_t, expected_t))
    elapsed = time.perf_counter() - start
    assert pack_tensor(actual_t) == expected, "diff_tensor+patch_tensor did not reproduce expected"
    assert report.applied == len(actual), report
    return elapsed


def storage_cli(folders: list[Path], expected: list[str]) -> float:
    start = time.perf_counter()
    for folder in folders:
        diff = subprocess.run(
            ["diff", "-u", str(folder / "a"), str(folder / "b")], capture_output=True, check=False
        )
        (folder / "d").write_bytes(diff.stdout)
        subprocess.run(
            ["patch", "--fuzz=3", "--silent", str(folder / "a"), str(folder / "d")],
            capture_output=True,
            check=True,
        )
    elapsed = time.perf_counter() - start
    assert [(folder / "a").read_text() for folder in folders] == expected, "CLI baseline differs"
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--elements", type=int, default=2000, help="element pairs (default 2000)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the generated texts")
    args = parser.parse_args()
    actual, expected = make_pairs(args.elements, args.seed)
    n = args.elements
    with tempfile.TemporaryDirectory() as folder:
        folders = write_pairs(Path(folder) / "engine", actual, expected)
        # interleave chunks so that load from other processes hits both sides alike
        ours = cli = 0.0
        for start in range(0, n, CHUNK):
            chunk = folders[start : start + CHUNK]
            ours_s, our_texts = engine_ours(chunk)
            cli_s, cli_texts = engine_cli(chunk)
            wanted = expected[start : start + CHUNK]
            assert our_texts == wanted and cli_texts == wanted, "a side did not reproduce expected"
            ours, cli = ours + ours_s, cli + cli_s
        storage_ours_s = storage_ours(Path(folder) / "tensors", actual, expected)
        storage_cli_s = storage_cli(write_pairs(Path(folder) / "cli", actual, expected), expected)
    per = lambda seconds: f"{seconds:.3f} s ({1e3 * seconds / n:.3f} ms/element)"  # noqa: E731
    print(f"elements: {n}")
    print(f"storage round trip, diff_tensor+patch_tensor: {per(storage_ours_s)}")
    print(f"storage round trip, diff/patch CLIs:          {per(storage_cli_s)}")
    print(f"storage round trip speed-up: {storage_cli_s / storage_ours_s:.1f}x")
    print(f"engine, in-process unified_diff+apply_patch:  {per(ours)}")
    print(f"engine, diff/patch CLI subprocesses:          {per(cli)}")
    print(f"diff+patch speed ratio: {cli / ours:.1f}")


if __name__ == "__main__":
    main()
