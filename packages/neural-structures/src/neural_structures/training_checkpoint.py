"""Checkpoints of a single training run (``neural-structures-train --checkpoint-dir``): an
interrupted run resumes where its last checkpoint left it, with the same batches it would
have drawn, and a finished one can be trained further by asking for more ``--steps``.

A checkpoint holds the model, the Adam state, the data generator's and torch's random states,
the step reached, the loss summed since the last log line, and the run's configuration. It is
written atomically, so a crash while saving leaves the previous one whole.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, NamedTuple

import torch
from torch import nn

from neural_structures.atomic_save import atomic_torch_save
from neural_structures.errors import CheckpointError

FORMAT = "neural-structures-train-checkpoint/1"

# Fields of TrainConfig a run may resume with other values: a log or test setting, which does
# not change training, and the schedule from the step reached on (more steps to train further,
# a learning-rate decay to anneal a finished run).
RESUMABLE_CHANGES = frozenset(
    {"steps", "lr_decay_from", "log_every", "test_lengths", "test_samples", "hard_actions_at_test"}
)


class Progress(NamedTuple):
    """Where a run stands: the last step done and the loss summed since the last log line."""

    step: int
    running_loss: float


def save_checkpoint(
    path: Path,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    generator: torch.Generator,
    progress: Progress,
    config: Any,
) -> None:
    """Write the state of a run after ``progress.step`` steps to ``path``, atomically."""
    payload = {
        "format": FORMAT,
        "config": dataclasses.asdict(config),
        "step": progress.step,
        "running_loss": progress.running_loss,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "generator": generator.get_state(),
        "torch_rng": torch.get_rng_state(),
    }
    atomic_torch_save(payload, path)


def load_checkpoint(
    path: Path,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    generator: torch.Generator,
    config: Any,
) -> Progress:
    """Restore the run saved at ``path`` into ``model``, ``optimizer`` and ``generator`` (and
    torch's random state); ``config`` must match the saved one but for
    :data:`RESUMABLE_CHANGES`. Raises :class:`CheckpointError` naming the problem."""
    try:
        payload = torch.load(path, weights_only=True)
    except Exception as error:  # a truncated or foreign file: say which, in one line
        raise CheckpointError(f"cannot read checkpoint {path}: {error}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a neural-structures-train checkpoint")
    saved = _comparable(payload["config"])
    differences = [
        f"{name} {saved.get(name)!r} there, {value!r} here"
        for name, value in _comparable(dataclasses.asdict(config)).items()
        if name not in RESUMABLE_CHANGES and saved.get(name) != value
    ]
    if differences:
        raise CheckpointError(
            f"checkpoint {path} belongs to another run ({'; '.join(differences)}): "
            "use another --checkpoint-dir or delete it"
        )
    if payload["step"] > config.steps:
        raise CheckpointError(
            f"checkpoint {path} is at step {payload['step']}, past the {config.steps} steps "
            "asked for: ask for at least as many"
        )
    try:
        model.load_state_dict(payload["model"])
        optimizer.load_state_dict(payload["optimizer"])
    except (RuntimeError, ValueError, KeyError) as error:
        first_line = str(error).strip().splitlines()[0]
        raise CheckpointError(f"checkpoint {path} does not fit this model: {first_line}") from None
    generator.set_state(payload["generator"])
    torch.set_rng_state(payload["torch_rng"])
    return Progress(int(payload["step"]), float(payload["running_loss"]))


def _comparable(fields: dict[str, Any]) -> dict[str, Any]:
    # tuples come back from torch.load as lists
    return {name: list(v) if isinstance(v, tuple) else v for name, v in fields.items()}
