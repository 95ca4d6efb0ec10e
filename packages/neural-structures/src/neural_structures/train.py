"""Train a sequence model on a task with short inputs and test it on longer ones.

Usage (the benchmark recorded in the README)::

    neural-structures-train --task reverse_string --models stack_rnn lstm \\
        --train-lengths 1-40 --test-lengths 41-100 --steps 2000 --seed 0

For each model it prints the per-token accuracy on every test length and the mean.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields
from importlib.metadata import version
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from neural_structures import models, suite
from neural_structures.action_profile import action_profile
from neural_structures.arguments import (
    MAX_LENGTH,
    MAX_SEED,
    fraction,
    integer_at_least,
    length_range,
    positive_float,
)
from neural_structures.console import interruptible
from neural_structures.errors import CheckpointError, ConfigurationError
from neural_structures.tasks import IGNORE, TASKS, Task
from neural_structures.training_checkpoint import Progress, load_checkpoint, save_checkpoint
from neural_structures.transformer_models import TransformerConfig, TransformerController

MODELS = (
    "stack_rnn",
    "lstm",
    "rnn",
    "queue_rnn",
    "grefenstette_rnn",
    "tape_rnn",
    "transformer",
    "stack_transformer",
    "latch_rnn",
)
"""Model kinds: the Stack-RNN, the LSTM and plain-RNN baselines (``--lstm-hidden-size`` wide),
GRU controllers of a NeuralQueue, of a Grefenstette stack and of a tape (AddressableMemory)
(``--hidden-size``, ``--cell-size``), and a causal transformer (2 layers, 64 wide) without and
with a NeuralStack side chain, and a GRU controller of a NeuralLatch."""


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a run (one config object; the CLI overrides its fields)."""

    task: str = "reverse_string"
    steps: int = 2000
    batch_size: int = 32
    lr: float = 3e-3
    # Step after which the learning rate falls linearly towards 0 (``learning_rate``; 0: the
    # rate stays ``lr`` throughout). On solve_equation as first defined (with ``*``, CHANGELOG),
    # annealing the last 30,000 steps scored 0.04-0.05 higher on the test lengths than the
    # same steps at a constant rate.
    lr_decay_from: int = 0
    train_lengths: tuple[int, int] = (1, 40)
    # Fraction of the steps over which the longest training length grows linearly from
    # low + 2 to high (0: every length from the first step). Beware on nested brackets: short
    # expressions need no stack, and a Stack-RNN that starts on them learns to push on every
    # token (a delay line) and keeps it; trained on every length from the start it pushes on
    # "(" and pops on ")" (see --action-profile and the package README).
    curriculum: float = 0.0
    test_lengths: tuple[int, int] = (41, 100)
    test_samples: int = 64  # sequences per test length
    seed: int = 0
    hidden_size: int = 32
    cell_size: int = 8
    value_code: str = "tanh"  # how stack_rnn codes pushed values (StackRNNConfig.value_code)
    controller: str = "gru"  # stack_rnn's recurrent cell (StackRNNConfig.controller)
    lstm_hidden_size: int = 256
    hard_actions_at_test: bool = True
    log_every: int = 250

    @classmethod
    def from_options(cls, options: argparse.Namespace, **overrides: object) -> TrainConfig:
        """The config whose fields take the parsed command-line options of the same name (the
        others keep their defaults), then ``overrides``."""
        names = {field.name for field in fields(cls)}
        chosen = {name: value for name, value in vars(options).items() if name in names}
        return cls(**(chosen | overrides))


def make_task(name: str) -> Task:
    """The task called ``name`` with its default parameters."""
    if name not in TASKS:
        raise ConfigurationError(f"unknown task {name!r}; choose one of {sorted(TASKS)}")
    return TASKS[name]()


def make_model(kind: str, task: Task, config: TrainConfig) -> nn.Module:
    """A fresh model of ``kind`` (one of :data:`MODELS`) sized for ``task``."""
    if kind == "stack_rnn":
        # Enough rows for the longest training sequence; evaluate() passes a deeper stack.
        depth = 2 * config.train_lengths[1] + 2
        return models.StackRNN(
            models.StackRNNConfig(
                task.n_inputs,
                task.n_outputs,
                config.hidden_size,
                config.cell_size,
                2,
                depth,
                config.value_code,
                config.controller,
            )
        )
    if kind == "lstm":
        return models.LSTMBaseline(
            models.LSTMConfig(task.n_inputs, task.n_outputs, config.lstm_hidden_size)
        )
    if kind == "rnn":
        return models.RNNBaseline(
            models.LSTMConfig(task.n_inputs, task.n_outputs, config.lstm_hidden_size)
        )
    if kind in ("queue_rnn", "grefenstette_rnn"):
        memory = "queue" if kind == "queue_rnn" else "stack"
        return models.MemoryRNN(
            models.MemoryRNNConfig(
                task.n_inputs,
                task.n_outputs,
                memory,
                hidden_size=config.hidden_size,
                cell_size=config.cell_size,
            )
        )
    if kind == "tape_rnn":
        # a slot per step of the longest input (duplicate_string reads 3n + 1 steps)
        slots = 4 * max(config.test_lengths[1], config.train_lengths[1]) + 8
        return models.TapeRNN(
            models.TapeRNNConfig(
                task.n_inputs, task.n_outputs, config.hidden_size, config.cell_size, slots
            )
        )
    if kind == "latch_rnn":
        return models.LatchRNN(
            models.LatchRNNConfig(
                task.n_inputs, task.n_outputs, config.hidden_size, config.cell_size
            )
        )
    if kind in ("transformer", "stack_transformer"):
        return TransformerController(
            TransformerConfig(
                task.n_inputs,
                task.n_outputs,
                stack=kind == "stack_transformer",
                cell_size=config.cell_size,
            )
        )
    raise ConfigurationError(f"unknown model {kind!r}; choose one of {', '.join(MODELS)}")


def train(
    model: nn.Module,
    task: Task,
    config: TrainConfig,
    log=print,
    checkpoint: Path | None = None,
    checkpoint_every: int = 1000,
) -> None:
    """Adam on cross-entropy of the scored steps, one random length per batch.

    With ``checkpoint``, the run's state is saved there every ``checkpoint_every`` steps and at
    the end, and a run that finds one there resumes from it (see
    :mod:`neural_structures.training_checkpoint`): the same batches, the same result.
    """
    generator = torch.Generator().manual_seed(config.seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    low = config.train_lengths[0]
    done, running = 0, 0.0
    if checkpoint is not None and checkpoint.is_file():
        done, running = load_checkpoint(checkpoint, model, optimizer, generator, config)
        log(f"  resuming from step {done} ({checkpoint})")
    model.train()
    started = time.perf_counter()
    for step in range(done + 1, config.steps + 1):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, config)
        high = longest_training_length(step, config)
        length = int(torch.randint(low, high + 1, (1,), generator=generator))
        batch = task.sample(config.batch_size, length, generator)
        logits = model(batch.inputs)
        loss = F.cross_entropy(logits.flatten(0, 1), batch.targets.flatten(), ignore_index=IGNORE)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        running += loss.item()
        if step % config.log_every == 0:
            elapsed = time.perf_counter() - started
            left = elapsed / (step - done) * (config.steps - step)
            log(
                f"  step {step:6d}/{config.steps}  loss {running / config.log_every:.4f}  "
                f"{elapsed:6.1f}s  ({_time_left(left)} left)"
            )
            running = 0.0
        if checkpoint is not None and (step % checkpoint_every == 0 or step == config.steps):
            save_checkpoint(
                checkpoint, model, optimizer, generator, Progress(step, running), config
            )


def _time_left(seconds: float) -> str:
    """``seconds`` as a terminal reads it at a glance: ``45s``, ``12m 05s``, ``2h 57m``."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"


def learning_rate(step: int, config: TrainConfig) -> float:
    """The learning rate of ``step`` (1-based) under ``config.lr_decay_from``: ``lr`` up to
    that step, then a straight line down to ``lr / (steps - lr_decay_from)`` at the last."""
    start = config.lr_decay_from
    if start <= 0 or step <= start or start >= config.steps:
        return config.lr
    return config.lr * (config.steps - step + 1) / (config.steps - start)


def longest_training_length(step: int, config: TrainConfig) -> int:
    """The longest length drawn at ``step`` (1-based) under ``config.curriculum``."""
    low, high = config.train_lengths
    ramp = config.curriculum * config.steps
    if ramp <= 0 or step >= ramp:
        return high
    start = min(high, low + 2)
    return start + int((high - start) * step / ramp)


@torch.no_grad()
def evaluate(
    model: nn.Module, task: Task, lengths: Sequence[int], config: TrainConfig
) -> dict[int, float]:
    """Per-token accuracy on the scored steps, for each length."""
    generator = torch.Generator().manual_seed(config.seed + 1_000_003)
    model.eval()
    accuracy = {}
    for length in lengths:
        batch = task.sample(config.test_samples, length, generator)
        depth = batch.inputs.shape[1]  # one row per step: the stack can never overflow
        logits = model(batch.inputs, depth=depth, hard_actions=config.hard_actions_at_test)
        predictions = logits.argmax(-1)
        scored = batch.targets != IGNORE
        accuracy[length] = (predictions[scored] == batch.targets[scored]).float().mean().item()
    return accuracy


def _print_action_profile(
    model: models.StackRNN, task: Task, lengths: Sequence[int], config: TrainConfig
) -> None:
    profile = action_profile(
        model,
        task,
        lengths,
        config.test_samples,
        seed=config.seed + 2_000_003,  # inputs of their own, not the scored ones
        hard_actions=config.hard_actions_at_test,
    )
    print("  stack actions after each input token (push / pop / no-op):")
    for token, (push, pop, noop) in profile.items():
        print(f"    token {token:3d}  {push:.2f} / {pop:.2f} / {noop:.2f}")


def _print_now(line: str) -> None:
    print(line, flush=True)


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface (fields of :class:`TrainConfig` plus --models)."""
    defaults = TrainConfig()
    parser = argparse.ArgumentParser(
        prog="neural-structures-train",
        description="Train models on a task (regular, context-free or context-sensitive) with short inputs, test on longer ones, "
        "and print per-token accuracy per test length.",
        epilog="example:\n  neural-structures-train --task duplicate_string --models queue_rnn lstm"
        "\n  neural-structures-train --task solve_equation --models stack_rnn --steps 60000 \\"
        "\n      --checkpoint-dir runs/ckpt    # Ctrl-C, then the same command resumes"
        "\n  neural-structures-train --task solve_equation --models stack_rnn --steps 90000 \\"
        "\n      --lr-decay-from 60000 --checkpoint-dir runs/ckpt   # then 30,000 more, annealed"
        "\n\nThe whole Chomsky-hierarchy table (every task x model x seed, resumable, with "
        "tables and a heat map):\n  neural-structures-train suite --quick    (see suite --help)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {version('neural-structures')}"
    )
    parser.add_argument("--task", default=defaults.task, choices=sorted(TASKS), help="which task")
    parser.add_argument(
        "--models",
        nargs="+",
        default=["stack_rnn", "lstm"],
        choices=list(MODELS),
        help="models to train one after the other with the same budget",
    )
    counts = [  # flag, smallest and largest value, default, what it counts
        ("--steps", 0, 10**9, defaults.steps, "training steps"),
        ("--batch-size", 1, 4096, defaults.batch_size, "sequences per training step"),
        ("--test-step", 1, MAX_LENGTH, 1, "test every k-th length"),
        ("--test-samples", 1, 4096, defaults.test_samples, "sequences per test length"),
        (
            "--hidden-size",
            1,
            4096,
            defaults.hidden_size,
            "controller size of stack_rnn, queue_rnn, grefenstette_rnn",
        ),
        (
            "--cell-size",
            1,
            4096,
            defaults.cell_size,
            "memory cell size of stack_rnn, queue_rnn, grefenstette_rnn",
        ),
        (
            "--lstm-hidden-size",
            1,
            4096,
            defaults.lstm_hidden_size,
            "size of the lstm and rnn baselines",
        ),
        ("--log-every", 1, None, defaults.log_every, "print the loss every N steps"),
        ("--checkpoint-every", 1, None, 1000, "with --checkpoint-dir, save every N steps"),
    ]
    for flag, smallest, largest, default, what in counts:
        parser.add_argument(
            flag,
            type=integer_at_least(smallest, largest),
            default=default,
            help=f"{what} (default %(default)s)",
        )
    parser.add_argument(
        "--lr",
        type=positive_float,
        default=defaults.lr,
        help="Adam learning rate (default %(default)g)",
    )
    parser.add_argument(
        "--lr-decay-from",
        type=integer_at_least(0, 10**9),
        default=defaults.lr_decay_from,
        metavar="STEP",
        help="after STEP, lower the learning rate linearly towards 0 (lr / (steps - STEP) at the "
        "last step; default %(default)s: constant); with --checkpoint-dir, a finished run can be "
        "resumed to anneal",
    )
    for flag, default, use in (
        ("--train-lengths", defaults.train_lengths, "sampled for training"),
        ("--test-lengths", defaults.test_lengths, "to test on"),
    ):
        parser.add_argument(
            flag,
            type=length_range,
            default=default,
            help=f"range LOW-HIGH of task lengths {use} (default {default[0]}-{default[1]})",
        )
    parser.add_argument(
        "--seed",
        type=integer_at_least(0, MAX_SEED),
        default=defaults.seed,
        help="seeds data and init (default %(default)s)",
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="print only the results: no per-step loss, no per-length accuracy",
    )
    parser.add_argument(
        "--curriculum",
        type=fraction,
        default=defaults.curriculum,
        help="fraction of the steps over which the longest training length grows from LOW+2 "
        "to HIGH of --train-lengths (default %(default)g: all lengths from the start)",
    )
    stack_rnn_choices = [
        (
            "--value-code",
            models.VALUE_CODES,
            defaults.value_code,
            "how stack_rnn codes the values it pushes: tanh (Joulin-Mikolov) or softmax, a "
            "near one-hot code that survives deep stacks better",
        ),
        (
            "--controller",
            models.CONTROLLERS,
            defaults.controller,
            "the cell that drives stack_rnn's stack",
        ),
    ]
    for flag, choices, default, what in stack_rnn_choices:
        parser.add_argument(
            flag, choices=choices, default=default, help=f"{what} (default %(default)s)"
        )
    parser.add_argument(
        "--soft-test",
        action="store_true",
        help="keep soft stack actions at test time (default: argmax, an exact discrete stack)",
    )
    parser.add_argument(
        "--action-profile",
        action="store_true",
        help="after testing a stack_rnn, print its mean push / pop / no-op probability after "
        "each input token on the test lengths (other models have no stack actions)",
    )
    parser.add_argument(
        "--checkpoint-dir",
        type=Path,
        metavar="DIR",
        help="save each model's training state in DIR/<task>-<model>-seed<seed>.pt and resume "
        "from it when it is there: an interrupted run goes on where it stopped, a finished one "
        "trains further with more --steps (default: no checkpoints)",
    )
    parser.add_argument(
        "--threads",
        type=integer_at_least(0),
        default=1,
        help="torch threads (default 1: these small step-by-step models run fastest on one; "
        "0 keeps torch's default)",
    )
    return parser


@interruptible("neural-structures-train")
def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``neural-structures-train`` (``neural-structures-train suite ...`` runs
    :mod:`neural_structures.suite`)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["suite"]:
        return suite.main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.checkpoint_dir is not None:
        try:
            args.checkpoint_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            parser.error(f"--checkpoint-dir {args.checkpoint_dir}: {error.strerror}")
    if args.lr_decay_from >= args.steps > 0:
        parser.error(f"--lr-decay-from {args.lr_decay_from} must be below --steps {args.steps}")
    if args.threads:
        torch.set_num_threads(args.threads)
    config = TrainConfig.from_options(args, hard_actions_at_test=not args.soft_test)
    task = make_task(config.task)
    lengths = list(range(config.test_lengths[0], config.test_lengths[1] + 1, args.test_step))
    summary = {}
    for kind in args.models:
        torch.manual_seed(config.seed)
        model = make_model(kind, task, config)
        n_params = sum(p.numel() for p in model.parameters())
        print(f"== {kind} on {task.name}: {n_params} parameters, {config}", flush=True)
        started = time.perf_counter()
        checkpoint = (
            None
            if args.checkpoint_dir is None
            else args.checkpoint_dir / f"{task.name}-{kind}-seed{config.seed}.pt"
        )
        try:
            train(
                model,
                task,
                config,
                log=(lambda line: None) if args.quiet else _print_now,
                checkpoint=checkpoint,
                checkpoint_every=args.checkpoint_every,
            )
        except CheckpointError as error:
            print(f"neural-structures-train: error: {error}", file=sys.stderr)
            return 2
        accuracy = evaluate(model, task, lengths, config)
        for length, acc in accuracy.items() if not args.quiet else ():
            print(f"  test length {length:4d}  accuracy {acc:.4f}")
        if args.action_profile and isinstance(model, models.StackRNN):
            _print_action_profile(model, task, lengths, config)
        mean = sum(accuracy.values()) / len(accuracy)
        summary[kind] = mean
        print(
            f"  {kind}: mean accuracy {mean:.4f} over lengths {lengths[0]}-{lengths[-1]} "
            f"({time.perf_counter() - started:.0f}s)",
            flush=True,
        )
    print("== summary (mean per-token accuracy on test lengths)")
    for kind, mean in summary.items():
        print(f"  {kind:10s} {mean:.4f}")
    return 0 if all(math.isfinite(m) for m in summary.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
