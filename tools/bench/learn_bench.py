"""Benchmark: learning the holes of the sketch suite by gradient descent vs random search.

Run: uv run python tools/bench/learn_bench.py [--budget 60]

For each of the 23 tasks of ``neurallambda.sketches.suite()``: ``neurallambda.learn.learn``
(Adam through the machine, restarts every 10 steps) and ``random_search`` (uniform fillings),
each with the same budget of machine evaluations. A task counts as solved when the program
found passes the training examples and then the held-out ones (reference interpreter). Prints
per task: solved, evaluations used, the program, seconds; ends with
``learn success ratio: <solved by gradient / solved by random search>``.
"""

from __future__ import annotations

import argparse
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=int, default=60, help="machine evaluations per task")
    args = parser.parse_args()
    from neurallambda.learn import learn, random_search
    from neurallambda.sketches import suite

    solved = {"gradient": 0, "random": 0}
    tasks = suite()
    for task in tasks:
        start = time.perf_counter()
        found = learn(task, steps=args.budget)
        seconds = time.perf_counter() - start
        baseline = random_search(task, args.budget)
        solved["gradient"] += found.solved
        solved["random"] += baseline.solved
        print(
            f"{task.name:18} gradient {'solved' if found.solved else 'failed':6} "
            f"{found.evaluations:3} evals {seconds:5.1f}s {found.program:50} "
            f"random {'solved' if baseline.solved else 'failed':6} {baseline.evaluations:3} evals",
            flush=True,
        )
    print(
        f"solved: gradient {solved['gradient']}/{len(tasks)}, random {solved['random']}/{len(tasks)}"
    )
    print(f"learn success ratio: {solved['gradient'] / max(solved['random'], 1):.3f}")


if __name__ == "__main__":
    main()
