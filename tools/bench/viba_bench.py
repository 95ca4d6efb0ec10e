"""Benchmark: Python -> Viba on the held-out test split, trained experience against baselines.

Run: uv run python tools/bench/viba_bench.py [--backend local] [--iterations 5]
     uv run python tools/bench/viba_bench.py --levers [--split validation]

One run, one model (the embedded SmolLM2-135M by default, greedy), the 12 test pairs of
``viba_trainer.dataset`` (never trained on, never used to choose settings), every method with the
same translation settings (``TrainConfig``'s defaults: statement units, canonical names,
structure retrieval, top-k 2, checked and constrained greedy decoding):

- zero-shot: an empty experience (the model sees no Viba at all);
- knn: the 24 training pairs written straight into the experience, no optimization: the
  nearest-neighbour few-shot baseline (DSPy KNNFewShot-style);
- zero-plain and knn-plain: the same two with the seed's plain prompt (whole functions in
  their own names, rows retrieved by words, top-1, no checks), as a plain few-shot would be;
- trained: ``viba-train`` on the train split (validation split for the best experience), then
  its ``best`` experience.

Each method reports mean edit-distance loss, the share within 0.05 of the reference, the share
of strictly valid Viba, LLM calls and seconds. The LLM response cache is a fresh temporary
directory, so every call is counted. Last lines:
``held-out loss ratio: <zero-shot loss / trained loss>`` and ``knn loss ratio: <knn / trained>``.

``--levers`` instead scores the knn experience with one translation lever added at a time
(LEVERS: structure retrieval, canonical names, top-k 2, statement units, exact recall, checked
decoding, constrained decoding), each rung with its own experience in that form.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path


def _experience_dir(root: Path, pairs, config) -> Path:
    """Dump the nearest-neighbour experience of ``pairs`` in ``config``'s form, with ``config``
    beside it (the settings ``evaluate`` then translates with)."""
    from symtensor_store import dump_tensor
    from viba_trainer.training import CONFIG_FILE
    from viba_trainer.translator import nearest_neighbour_experience

    directory = root / f"experience-{len(list(root.iterdir()))}"
    experience = nearest_neighbour_experience(pairs, config, root / "tensors")
    dump_tensor(experience, directory)
    config.save(directory / CONFIG_FILE)
    return directory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", default="local", help="LLM backend (default: local)")
    parser.add_argument("--iterations", type=int, default=5, help="training iterations")
    parser.add_argument(
        "--levers",
        action="store_true",
        help="instead: the nearest-neighbour baseline with one translation lever added at a "
        "time, from a plain few-shot prompt to the trainer's defaults (on --split)",
    )
    parser.add_argument(
        "--split",
        default="test",
        choices=("validation", "test"),
        help="the split to score (default: test; choose settings on validation)",
    )
    args = parser.parse_args()
    if args.levers:
        levers(args.backend, args.split)
        return

    work = Path(tempfile.mkdtemp(prefix="viba-bench-"))
    os.environ["LLM_CACHE_DIR"] = str(work / "llm-cache")  # fresh: every call counts

    from viba_trainer.config import TrainConfig
    from viba_trainer.dataset import load_pairs
    from viba_trainer.training import train

    train_pairs = load_pairs(split="train")
    results: dict[str, tuple[float, float, float, int, float]] = {}

    def measure(name: str, experience: Path) -> None:
        results[name] = _measure(experience, args.split, args.backend)
        print(_row(name, *results[name]), flush=True)

    print(f"{args.split} split: 12 pairs; backend {args.backend}; work directory {work}")
    print(_header())
    config = replace(TrainConfig(), backend=args.backend, iterations=args.iterations)
    for name, pairs in (("zero-shot", []), ("knn", train_pairs)):
        measure(name, _experience_dir(work, pairs, config))
    plain = replace(config, **LEVERS[0][1])  # the seed's plain few-shot prompt
    for name, pairs in (("zero-plain", []), ("knn-plain", train_pairs)):
        measure(name, _experience_dir(work, pairs, plain))

    started = time.perf_counter()
    run = work / "trained"
    result = train(replace(config, output_dir=run), progress=False)
    calls = sum(r.llm_calls for r in result.history)
    print(
        f"training: {args.iterations} iterations, {calls} LLM calls, "
        f"{time.perf_counter() - started:.0f}s; train loss "
        + " -> ".join(f"{r.mean_loss:.3f}" for r in result.history)
        + "; validation loss "
        + " -> ".join(f"{r.validation_loss:.3f}" for r in result.history)
    )
    measure("trained", run)

    trained = results["trained"][0]
    print(f"held-out loss ratio: {results['zero-shot'][0] / max(trained, 1e-9):.3f}")
    print(f"knn loss ratio: {results['knn'][0] / max(trained, 1e-9):.3f}")


# Each rung adds one lever to the one before: from a plain few-shot prompt to the defaults.
LEVERS = (
    (
        "plain few-shot",
        dict(
            keywords="lexical",
            canonical_names=False,
            top_k=1,
            statement_units=False,
            exact_recall=False,
            checked_decoding=False,
            constrained_decoding=False,
        ),
    ),
    ("+ structure retrieval", dict(keywords="structure")),
    ("+ canonical names", dict(canonical_names=True)),
    ("+ top-k 2", dict(top_k=2)),
    ("+ statement units", dict(statement_units=True)),
    ("+ exact recall", dict(exact_recall=True)),
    ("+ checked decoding", dict(checked_decoding=True)),
    ("+ constrained decoding", dict(constrained_decoding=True)),
)


def levers(backend: str, split: str) -> None:
    """The nearest-neighbour experience (all training pairs) under each rung of LEVERS."""
    from viba_trainer.config import TrainConfig
    from viba_trainer.dataset import load_pairs

    work = Path(tempfile.mkdtemp(prefix="viba-levers-"))
    os.environ["LLM_CACHE_DIR"] = str(work / "llm-cache")
    print(f"{split} split: 12 pairs; backend {backend}; nearest-neighbour rows, no optimization")
    print(f"{'setting':<24} {'loss':>7} {'exact':>6} {'strict':>6} {'calls':>5} {'seconds':>7}")
    config = replace(TrainConfig(), backend=backend)
    for name, change in LEVERS:
        config = replace(config, **change)
        experience = _experience_dir(work, load_pairs(split="train"), config)
        loss, exact, strict, calls, seconds = _measure(experience, split, backend)
        print(f"{name:<24} {loss:7.4f} {exact:6.0%} {strict:6.0%} {calls:5d} {seconds:7.1f}")


def _measure(experience: Path, split: str, backend: str) -> tuple[float, float, float, int, float]:
    """Mean loss, exact share, strictly valid share, LLM calls and seconds on ``split``."""
    from viba_trainer.evaluation import evaluate_files

    started = time.perf_counter()
    report = evaluate_files(experience, [], split=split, backend=backend)
    seconds = time.perf_counter() - started
    return report.mean_loss, report.exact_share, report.valid_share, report.llm_calls, seconds


def _header() -> str:
    return f"{'method':<10} {'loss':>7} {'exact':>6} {'strict':>6} {'calls':>5} {'seconds':>7}"


def _row(name: str, loss: float, exact: float, strict: float, calls: int, seconds: float) -> str:
    return f"{name:<10} {loss:7.4f} {exact:6.0%} {strict:6.0%} {calls:5d} {seconds:7.1f}"


if __name__ == "__main__":
    main()
