"""Benchmark: the seed's auto-encoder baseline-stability experiment, on held-out texts.

Run: uv run python tools/bench/autoencoder_bench.py [--runs 10] [--backend local]

An auto-encoder here is an ``StMoeModule`` asked to reproduce its input ("Repeat the input
exactly."). Each run trains a fresh model, seeded differently (cold-start rows, retrieval noise),
for ``--iterations`` on the training texts, then scores the held-out texts (never trained on)
twice in the same run: with the trained experience and with an empty one (the baseline: the
model alone). The texts are small key/value records made by a seeded generator.

Prints every run, then mean / min / max / std over the runs of both losses (the seed reports
these to establish baseline metrics and catch reproducibility problems), and ends with
``autoencoder held-out loss ratio: <median baseline loss / median trained loss>`` (a trained
loss below 0.01 counts as 0.01, so that a perfect copy gives a finite ratio).

Greedy decoding and the response cache make the model's answers repeatable, so the spread over
runs comes from training: which empty rows cold start claims and the retrieval noise.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

NAMES = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]
CITIES = ["paris", "lima", "oslo", "cairo", "quito", "perth", "accra", "hanoi"]
COLOURS = ["red", "green", "blue", "amber", "teal", "violet"]
LOSS_FLOOR = 0.01


def records(count: int, seed: int) -> list[str]:
    """``count`` distinct small records (name, age, city, colour), one field per line."""
    rng = random.Random(seed)
    made: list[str] = []
    while len(made) < count:
        record = (
            f"name: {rng.choice(NAMES)}\nage: {rng.randint(18, 90)}\n"
            f"city: {rng.choice(CITIES)}\ncolour: {rng.choice(COLOURS)}\n"
        )
        if record not in made:
            made.append(record)
    return made


def held_out_loss(model, texts: list[str], root: Path) -> float:
    """Mean edit-distance loss of ``model`` reproducing ``texts`` (no gradient)."""
    import torch
    from symtensor_autograd import edit_distance_ratio
    from symtensor_store import make_tensor

    with torch.no_grad():
        inputs = make_tensor(texts, root)
        output, _ = model(inputs)
        return edit_distance_ratio(output, make_tensor(texts, root)).mean().item()


def one_run(seed: int, args, train: list[str], test: list[str], handler) -> tuple[float, float]:
    """(baseline loss, trained loss) on ``test`` for one seeded training run."""
    from symtensor_autograd import StMoeModule, StSGD, edit_distance_ratio, make_experience
    from symtensor_store import make_tensor

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)

        def new_model(rows: int) -> StMoeModule:
            model = StMoeModule(
                handler,
                task_prompt="Repeat the input exactly.",
                keywords="lexical",
                topk=1,
                noise_std=args.noise,
                seed=seed,
            )
            model.load_experience(make_experience(rows, root))
            return model

        baseline = held_out_loss(new_model(1), test, root)
        model = new_model(2 * len(train))
        optimizer = StSGD(model.parameters(), lr=1.0)
        inputs, expected = make_tensor(train, root), make_tensor(train, root)
        for _ in range(args.iterations):
            optimizer.zero_grad()
            output, _ = model(inputs)
            edit_distance_ratio(output, expected).mean().backward()
            optimizer.step()
        return baseline, held_out_loss(model, test, root)


def summary(name: str, values: list[float]) -> str:
    """``name: mean m  min a  max b  std s`` over the runs."""
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return (
        f"{name}: mean {statistics.mean(values):.4f}  min {min(values):.4f}  "
        f"max {max(values):.4f}  std {spread:.4f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="experiments (default 10)")
    parser.add_argument("--backend", default="local", help="LLM backend (default: local)")
    parser.add_argument("--iterations", type=int, default=2, help="training iterations per run")
    parser.add_argument("--train", type=int, default=6, help="training records")
    parser.add_argument("--test", type=int, default=6, help="held-out records")
    parser.add_argument("--noise", type=float, default=0.1, help="retrieval noise std")
    args = parser.parse_args()
    if args.runs < 1 or args.iterations < 1 or args.train < 1 or args.test < 1:
        parser.error("--runs, --iterations, --train and --test must be >= 1")

    from llm_backends import TaskHandler

    texts = records(args.train + args.test, seed=0)
    train, test = texts[: args.train], texts[args.train :]
    with tempfile.TemporaryDirectory() as cache:
        handler = TaskHandler(args.backend, cache_dir=Path(cache))
        baselines, trained = [], []
        for seed in range(args.runs):
            start = time.perf_counter()
            baseline, loss = one_run(seed, args, train, test, handler)
            baselines.append(baseline)
            trained.append(loss)
            print(
                f"run {seed + 1}/{args.runs}: held-out loss {loss:.4f} "
                f"(empty experience {baseline:.4f}), {time.perf_counter() - start:.1f} s",
                flush=True,
            )
    print(f"{args.runs} runs, {args.train} training and {args.test} held-out records")
    print(summary("baseline (empty experience)", baselines))
    print(summary("trained", trained))
    ratio = statistics.median(baselines) / max(statistics.median(trained), LOSS_FLOOR)
    print(f"autoencoder held-out loss ratio: {ratio:.3f}")


if __name__ == "__main__":
    main()
