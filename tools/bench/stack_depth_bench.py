"""Stack-RNN on deep bracketed expressions: the pushed value coded by tanh (Joulin-Mikolov)
against a near one-hot softmax code, same budget, same seeds, in one run.

Each (code, seed) trains a Stack-RNN with ``neural_structures.train`` (a GRU controller,
curriculum over training lengths 1-40) and is scored on the held-out lengths 41-91 (every
10th, argmax stack actions): the same training and scoring as one run of

    uv run neural-structures-train --task modular_arithmetic_brackets --models stack_rnn \\
        --hidden-size 128 --cell-size 32 --lr 1e-3 --curriculum 0.5 --steps 75000 \\
        --test-step 10 --test-samples 128 --value-code softmax --seed 0

Usage: uv run python tools/bench/stack_depth_bench.py [--steps N] [--seeds 0 1 2] [--workers 2]
(the defaults took 63 minutes on 2 cores). The last line is
``softmax value code ratio: <median test accuracy with softmax / median with tanh>``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import time

import torch
from neural_structures.train import TrainConfig, evaluate, make_model, make_task, train

CODES = ("tanh", "softmax")


def one_run(job: tuple[str, int, argparse.Namespace]) -> tuple[str, int, float, float, float]:
    """(code, seed, mean test accuracy, accuracy at length 40, minutes) of one training run."""
    code, seed, args = job
    torch.set_num_threads(1)
    config = TrainConfig.from_options(args, seed=seed, value_code=code)
    task = make_task(config.task)
    torch.manual_seed(seed)
    model = make_model("stack_rnn", task, config)
    started = time.perf_counter()
    train(model, task, config, log=lambda _: None)
    minutes = (time.perf_counter() - started) / 60
    test = evaluate(model, task, range(41, 101, 10), config)
    in_distribution = evaluate(model, task, [40], config)[40]
    return code, seed, statistics.mean(test.values()), in_distribution, minutes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="modular_arithmetic_brackets")
    parser.add_argument("--steps", type=int, default=75_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--workers", type=int, default=2, help="runs in parallel, 1 thread each")
    parser.add_argument("--hidden-size", type=int, default=128)
    parser.add_argument("--cell-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--curriculum", type=float, default=0.5)
    parser.add_argument("--test-samples", type=int, default=128)
    args = parser.parse_args()
    jobs = [(code, seed, args) for code in CODES for seed in args.seeds]
    with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
        results = pool.map(one_run, jobs, chunksize=1)
    print(
        f"Stack-RNN on {args.task}: hidden {args.hidden_size}, cell {args.cell_size}, "
        f"{args.steps} steps (curriculum {args.curriculum}), trained on lengths 1-40; "
        "mean accuracy on lengths 41-91 (every 10th), argmax actions"
    )
    print(f"{'code':8s} {'seed':>4s} {'test 41-91':>10s} {'length 40':>9s} {'minutes':>7s}")
    for code, seed, test, at_40, minutes in results:
        print(f"{code:8s} {seed:4d} {test:10.3f} {at_40:9.3f} {minutes:7.1f}")
    median = {
        code: statistics.median(test for c, _, test, _, _ in results if c == code) for code in CODES
    }
    for code in CODES:
        print(f"median {code}: {median[code]:.3f}")
    ratio = median["softmax"] / median["tanh"] if median["tanh"] else float("inf")
    print(f"softmax value code ratio: {ratio:.2f}")


if __name__ == "__main__":
    main()
