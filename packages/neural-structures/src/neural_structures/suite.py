"""``neural-structures-train suite``: the Chomsky-hierarchy table of Deletang et al. 2022, scaled
for a CPU.

Every (task, model, seed) cell trains a fresh model on lengths 1-40 and scores the mean per-token
accuracy over the test lengths 41-100 (every ``test_step``-th length), with soft actions, as
the paper scores. The cells run in ``workers`` processes (one torch thread each). Each result
is written to ``cells/<task>/<model>/seed-<s>.json`` when its cell ends (atomically), and a run
in the same folder skips the cells already there: a killed suite resumes where it stopped. At
the end, in the output folder:

    results.csv    a row per cell: level, task, model, seed, score, seconds
    results.md     best and median over seeds per task and model, grouped by level
    heatmap.png    the best scores, tasks x models (the paper's figure)
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import signal
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from multiprocessing import get_context
from pathlib import Path

from neural_structures.arguments import MAX_SEED, integer_at_least
from neural_structures.atomic_save import atomic_write

LEVELS: dict[str, tuple[str, ...]] = {
    "regular": ("parity_check", "even_pairs", "modular_arithmetic", "cycle_navigation"),
    "context-free": (
        "reverse_string",
        "stack_manipulation",
        "modular_arithmetic_brackets",
        "solve_equation",
    ),
    "context-sensitive": (
        "duplicate_string",
        "missing_duplicate",
        "odd_first",
        "binary_addition",
        "bucket_sort",
    ),
}
"""The paper's tasks by level of the Chomsky hierarchy (rows of the table, in order)."""

SUITE_MODELS = (
    "rnn",
    "lstm",
    "stack_rnn",
    "grefenstette_rnn",
    "queue_rnn",
    "tape_rnn",
    "transformer",
    "stack_transformer",
)
"""The controllers (columns of the table, in order)."""


@dataclass(frozen=True)
class SuiteConfig:
    """What the suite runs; the defaults are the full table."""

    tasks: tuple[str, ...] = tuple(task for tasks in LEVELS.values() for task in tasks)
    models: tuple[str, ...] = SUITE_MODELS
    seeds: tuple[int, ...] = (0, 1, 2)
    steps: int = 1000
    test_step: int = 10
    test_samples: int = 32
    workers: int = 2
    output_dir: str = "runs/suite"


QUICK = {"seeds": (0,), "steps": 150, "test_step": 30, "test_samples": 16}
"""What ``--quick`` changes: one seed, fewer steps, two test lengths (41 and 71)."""


@dataclass(frozen=True)
class Cell:
    """One trained and scored (task, model, seed)."""

    task: str
    model: str
    seed: int
    score: float
    seconds: float

    @property
    def level(self) -> str:
        """The task's level of the hierarchy."""
        return next(level for level, tasks in LEVELS.items() if self.task in tasks)


def cell_path(output_dir: str | Path, task: str, model: str, seed: int) -> Path:
    """Where a cell's result is kept."""
    return Path(output_dir) / "cells" / task / model / f"seed-{seed}.json"


def run_cell(task_name: str, model: str, seed: int, config: SuiteConfig) -> Cell:
    """Train and score one cell in this process (one torch thread)."""
    import torch

    from neural_structures.train import TrainConfig, evaluate, make_model, make_task, train

    torch.set_num_threads(1)
    began = time.perf_counter()
    settings = TrainConfig(
        task=task_name,
        steps=config.steps,
        test_samples=config.test_samples,
        seed=seed,
        hard_actions_at_test=False,
        log_every=max(1, config.steps),
    )
    torch.manual_seed(seed)
    task = make_task(task_name)
    network = make_model(model, task, settings)
    train(network, task, settings, log=lambda line: None)
    low, high = settings.test_lengths
    accuracy = evaluate(network, task, range(low, high + 1, config.test_step), settings)
    score = statistics.fmean(accuracy.values())
    return Cell(task_name, model, seed, score, time.perf_counter() - began)


def run_suite(config: SuiteConfig, log: Callable[[str], None] = print) -> list[Cell]:
    """Run every cell not already in ``config.output_dir``, then write the tables; returns all
    cells, in table order."""
    wanted = [(t, m, s) for t in config.tasks for m in config.models for s in config.seeds]
    done: dict[tuple[str, str, int], Cell] = {}
    for key in wanted:
        path = cell_path(config.output_dir, *key)
        if path.is_file():
            done[key] = Cell(**json.loads(path.read_text()))
    todo = [key for key in wanted if key not in done]
    log(f"suite: {len(wanted)} cells, {len(done)} already done, {len(todo)} to run "
        f"({config.workers} workers)")  # fmt: skip
    began = time.perf_counter()
    for finished, cell in enumerate(_run_cells(todo, config), 1):
        path = cell_path(config.output_dir, cell.task, cell.model, cell.seed)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, lambda tmp, cell=cell: tmp.write_text(json.dumps(asdict(cell))))
        done[cell.task, cell.model, cell.seed] = cell
        log(f"[{finished}/{len(todo)}] {cell.task} {cell.model} seed {cell.seed}: "
            f"{cell.score:.4f} ({cell.seconds:.0f} s; {time.perf_counter() - began:.0f} s "
            "in all)")  # fmt: skip
    cells = [done[key] for key in wanted]
    write_tables(cells, config)
    return cells


def _run_cells(todo: list[tuple[str, str, int]], config: SuiteConfig) -> Iterator[Cell]:
    """Each cell of ``todo`` as it ends: here with one worker, else in a pool of processes that
    ignore Ctrl-C (the parent stops them at once, so an interrupted suite prints one line)."""
    jobs = [(*key, config) for key in todo]
    if config.workers == 1:
        yield from (run_cell(*job) for job in jobs)
        return
    pool = get_context("spawn").Pool(config.workers, initializer=_ignore_interrupts)
    try:
        yield from pool.imap_unordered(_run_job, jobs)
        pool.close()
    finally:
        pool.terminate()
        pool.join()


def _run_job(job: tuple[str, str, int, SuiteConfig]) -> Cell:
    return run_cell(*job)


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def summary(cells: Sequence[Cell]) -> dict[tuple[str, str], tuple[float, float]]:
    """(best, median) score over seeds per (task, model)."""
    scores: dict[tuple[str, str], list[float]] = {}
    for cell in cells:
        scores.setdefault((cell.task, cell.model), []).append(cell.score)
    return {key: (max(v), statistics.median(v)) for key, v in scores.items()}


def markdown_table(cells: Sequence[Cell], config: SuiteConfig) -> str:
    """Best (median) per task and model, a row per task grouped by level."""
    table = summary(cells)
    lines = [
        "| level | task | " + " | ".join(config.models) + " |",
        "| --- | --- |" + " --- |" * len(config.models),
    ]
    for level, tasks in LEVELS.items():
        for task in (t for t in tasks if t in config.tasks):
            row = [f"{table[task, m][0]:.2f} ({table[task, m][1]:.2f})" for m in config.models]
            lines.append(f"| {level} | {task} | " + " | ".join(row) + " |")
    seeds = len(config.seeds)
    lines.append("")
    lines.append(f"Mean per-token accuracy on test lengths 41-100 (every {config.test_step}th), "
                 f"best (median) of {seeds} seed{'s' * (seeds > 1)}, {config.steps} training "
                 "steps on lengths 1-40.")  # fmt: skip
    return "\n".join(lines) + "\n"


def write_tables(cells: Sequence[Cell], config: SuiteConfig) -> None:
    """results.csv, results.md and heatmap.png in ``config.output_dir``."""
    out = Path(config.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["level", "task", "model", "seed", "score", "seconds"])
    for c in cells:
        writer.writerow([c.level, c.task, c.model, c.seed, f"{c.score:.4f}", f"{c.seconds:.1f}"])
    atomic_write(out / "results.csv", lambda tmp: tmp.write_text(buffer.getvalue()))
    text = markdown_table(cells, config)
    atomic_write(out / "results.md", lambda tmp: tmp.write_text(text))
    atomic_write(out / "heatmap.png", lambda tmp: _plot_heatmap(cells, config, tmp))


def _plot_heatmap(cells: Sequence[Cell], config: SuiteConfig, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = summary(cells)
    tasks = [t for tasks in LEVELS.values() for t in tasks if t in config.tasks]
    grid = [[table[t, m][0] for m in config.models] for t in tasks]
    fig, ax = plt.subplots(figsize=(1.1 * len(config.models) + 3, 0.45 * len(tasks) + 1.5))
    image = ax.imshow(grid, vmin=0.5, vmax=1.0, cmap="viridis", aspect="auto")
    ax.set_xticks(range(len(config.models)), config.models, rotation=30, ha="right")
    ax.set_yticks(range(len(tasks)), tasks)
    for i, row in enumerate(grid):
        for j, score in enumerate(row):
            ax.text(j, i, f"{100 * score:.0f}", ha="center", va="center",
                    color="black" if score > 0.8 else "white", fontsize=8)  # fmt: skip
    ax.set_title("best accuracy on lengths 41-100 (trained on 1-40)")
    fig.colorbar(image, ax=ax, fraction=0.03)
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=110)
    plt.close(fig)


def quick(config: SuiteConfig) -> SuiteConfig:
    """The reduced run of ``--quick``."""
    return replace(config, **QUICK)


def build_parser() -> argparse.ArgumentParser:
    """The ``suite`` subcommand's options (unset ones keep the full run's or --quick's value)."""
    full = SuiteConfig()
    parser = argparse.ArgumentParser(
        prog="neural-structures-train suite",
        description="Train every (task, model, seed) of the Chomsky-hierarchy table on lengths "
        "1-40, score lengths 41-100, and write results.csv, results.md and heatmap.png. Cells "
        "already in the output folder are kept: run the same command again to resume.",
        epilog="example:\n  neural-structures-train suite --quick --output-dir runs/suite-quick"
        "\n  neural-structures-train suite --tasks reverse_string duplicate_string --models "
        "stack_rnn queue_rnn lstm",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true",
                        help=f"reduced run: {QUICK} (explicit options still win)")  # fmt: skip
    parser.add_argument("--tasks", nargs="+", choices=full.tasks, metavar="TASK",
                        help=f"default: all: {' '.join(full.tasks)}")  # fmt: skip
    parser.add_argument("--models", nargs="+", choices=SUITE_MODELS, metavar="MODEL",
                        help=f"default: all: {' '.join(SUITE_MODELS)}")  # fmt: skip
    parser.add_argument("--seeds", nargs="+", type=integer_at_least(0, MAX_SEED),
                        help=f"default: {' '.join(map(str, full.seeds))}")  # fmt: skip
    for flag, smallest, default in (("--steps", 0, full.steps), ("--test-step", 1, full.test_step),
                                    ("--test-samples", 1, full.test_samples),
                                    ("--workers", 1, full.workers)):  # fmt: skip
        parser.add_argument(flag, type=integer_at_least(smallest, 10**9),
                            help=f"default: {default}")  # fmt: skip
    parser.add_argument("--output-dir", help=f"default: {full.output_dir}")
    return parser


def main(argv: Sequence[str]) -> int:
    """``neural-structures-train suite ...``; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    config = quick(SuiteConfig()) if args.quick else SuiteConfig()
    chosen = {name: getattr(args, name) for name in ("tasks", "models", "seeds", "steps",
              "test_step", "test_samples", "workers", "output_dir")}  # fmt: skip
    chosen = {k: tuple(v) if isinstance(v, list) else v for k, v in chosen.items() if v is not None}
    config = replace(config, **chosen)
    out = Path(config.output_dir)
    if not config.output_dir.strip():
        parser.error("--output-dir must name a folder, got an empty string")
    if any(folder.exists() and not folder.is_dir() for folder in (out, *out.parents)):
        parser.error(f"--output-dir {out} is, or is under, a file, not a folder")
    cells = run_suite(config, log=lambda line: print(line, flush=True))
    print()
    print(markdown_table(cells, config), end="")
    print(f"tables: {out / 'results.md'}, {out / 'results.csv'}, {out / 'heatmap.png'}")
    return 0
