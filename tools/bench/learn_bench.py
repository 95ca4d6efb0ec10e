"""Benchmark: learning the holes of the sketch suite by gradient descent vs random search.

Run: uv run python tools/bench/learn_bench.py [--budget 20] [--seeds 5] [--plot curve.png]

For each task of ``neurallambda.sketches.suite()`` and each seed: ``neurallambda.learn.learn``
(Adam on the holes' logits, one superposed machine run per step) and ``random_search``
(uniform fillings), each given the same budget of candidate programs run. A task counts as
solved when the program found passes the training examples and then the held-out ones
(reference interpreter). Both methods stop at their first program that passes the training
examples, and a run's first B programs are the run with budget B, so one run of 60 programs
gives every budget up to 60.

Prints per task how many seeds solved it and the median cost of a solution for each method;
then, for budgets 1 to 60, the median over seeds of the tasks solved, for one-hole tasks (at
most 19 fillings, which random search tries quickly too) and for the rest; and ends with
``learn success ratio: <median solved by gradient / by random search>`` at ``--budget``.
``--plot`` also draws the tasks solved against the budget, 1 to 60 programs, as a PNG.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

CURVE = (1, 3, 10, 20, 30, 60)  # budgets reported, in candidate programs run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--budget", type=int, default=20, help="programs run per task and seed for the ratio"
    )
    parser.add_argument("--seeds", type=int, default=5, help="seeds per method (default 5)")
    parser.add_argument("--plot", type=Path, help="write the budget curve to this PNG")
    args = parser.parse_args()
    from neurallambda.learn import learn, random_search
    from neurallambda.sketches import suite

    tasks = suite()
    seeds = range(args.seeds)
    longest = max(*CURVE, args.budget)
    costs: dict[str, list[list[int | None]]] = {"gradient": [], "random": []}  # [task][seed]
    start = time.perf_counter()
    for task in tasks:
        runs = {
            "gradient": [learn(task, budget=longest, seed=seed) for seed in seeds],
            "random": [random_search(task, longest, seed=seed) for seed in seeds],
        }
        line = f"{task.name:22} {len(task.holes)} holes"
        for method, found in runs.items():
            cost = [run.evaluations if run.solved else None for run in found]
            costs[method].append(cost)
            solved = [c for c in cost if c is not None]
            median = f"{statistics.median(solved):5.1f}" if solved else "    -"
            line += f"  {method} {len(solved)}/{len(cost)} solved, median cost {median}"
        print(line, f"  {runs['gradient'][0].program}", flush=True)
    print(f"({time.perf_counter() - start:.0f} s)")

    def solved_within(method: str, budget: int, holes: range = range(1, 99)) -> float:
        """Median over seeds of the tasks (with that many holes) solved within ``budget``."""
        return statistics.median(
            sum(
                cost[seed] is not None and cost[seed] <= budget
                for task, cost in zip(tasks, costs[method], strict=True)
                if len(task.holes) in holes
            )
            for seed in seeds
        )

    one = sum(len(task.holes) == 1 for task in tasks)
    print(
        f"\ntasks solved and verified on held-out inputs (median of {args.seeds} seeds): "
        f"{one} with one hole, {len(tasks) - one} with 2-4, {len(tasks)} in all"
    )
    print(f"{'budget':>6} {'one hole':>17} {'2-4 holes':>17} {'all':>17} {'ratio':>6}")
    print(f"{'':6} {'gradient random':>17} {'gradient random':>17} {'gradient random':>17}")
    for budget in sorted({*CURVE, args.budget}):
        row = f"{budget:6}"
        for holes in (range(1, 2), range(2, 99), range(1, 99)):
            gradient, random = (solved_within(m, budget, holes) for m in ("gradient", "random"))
            row += f" {gradient:8g} {random:8g}"
        print(row, f"{gradient / max(random, 1):6.2f}")
    if args.plot:
        plot_curve(solved_within, range(1, longest + 1), len(tasks), args.plot)
        print(f"curve: {args.plot}")
    gradient, random = solved_within("gradient", args.budget), solved_within("random", args.budget)
    print(f"learn success ratio: {gradient / max(random, 1):.3f}")


def plot_curve(solved_within: Callable[..., float], budgets: range, tasks: int, path: Path) -> None:
    """Tasks solved (median of seeds) against the budget, per method, all tasks and those with
    several holes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from neural_structures.atomic_save import atomic_write

    fig, ax = plt.subplots(figsize=(6.4, 4))
    for method, color in (("gradient", "tab:blue"), ("random", "tab:orange")):
        label = "gradient descent" if method == "gradient" else "random search"
        every = [solved_within(method, b) for b in budgets]
        several = [solved_within(method, b, range(2, 99)) for b in budgets]
        ax.plot(budgets, every, color=color, label=f"{label}, all tasks")
        ax.plot(budgets, several, color=color, linestyle="--", label=f"{label}, 2-4 holes")
    ax.set_xscale("log")
    ax.set_xlabel("budget: candidate programs run per task")
    ax.set_ylabel(f"tasks solved and verified (of {tasks})")
    ax.set_title("sketch suite: median of seeds")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110))
    plt.close(fig)


if __name__ == "__main__":
    main()
