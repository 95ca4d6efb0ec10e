"""Checkpoints: `model.safetensors` + `config.json` + `trainer_state.pt`, written atomically.

Layout under `out_dir/checkpoints/`:

    step-0500/model.safetensors     model weights (safetensors)
    step-0500/config.json           the TrainConfig the run used
    step-0500/trainer_state.pt      step, optimizer state, RNG state (tensors only; loaded with
                                    torch.load(weights_only=True))
    LATEST                          name of the newest complete checkpoint

Folders are named `step-NNNN` (at least four digits) like viba-train's, and ordered by their
number, not their name.

A checkpoint directory is first written under a temporary name and renamed into place when all
three files are on disk; only then is LATEST replaced (also by rename). A run killed at any
moment leaves LATEST pointing at a complete checkpoint.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from nanogpt_dag import atomic_directory, atomic_write
from safetensors.torch import load_file, save_file
from torch import nn

from predictor_trainer.config import TrainConfig
from predictor_trainer.errors import CheckpointError

# Config keys that change the model's shape or what its outputs mean (the DAG size): a resumed
# run must keep them. Data keys (seed, batch_size, operations, ...) may change on resume, but only
# an unchanged config continues with exactly the examples an uninterrupted run would see.
ARCHITECTURE_KEYS = ("n_layer", "n_head", "n_embd", "block_size", "bias", "head_hidden",
                     "dag_depth", "max_digits", "max_decimals")  # fmt: skip


_STEP_DIR = re.compile(r"^step-(\d{4,})$")


@dataclass
class TrainerState:
    """Everything besides the weights that a resumed run needs."""

    step: int
    optimizer: dict[str, Any]
    rng_state: torch.Tensor
    elapsed_s: float


def checkpoints_dir(out_dir: str | Path) -> Path:
    """Where the checkpoints of a run live."""
    return Path(out_dir) / "checkpoints"


def save_checkpoint(
    out_dir: str | Path, model: nn.Module, config: TrainConfig, state: TrainerState, keep: int = 2
) -> Path:
    """Write a complete checkpoint for `state.step`, point LATEST at it, keep the newest `keep`."""
    root = checkpoints_dir(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    name = f"step-{state.step:04d}"
    final = root / name
    with atomic_directory(final) as tmp:
        weights = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
        save_file(weights, str(tmp / "model.safetensors"))
        (tmp / "config.json").write_text(json.dumps(config.to_dict(), indent=2))
        torch.save(
            {
                "step": state.step,
                "optimizer": state.optimizer,
                "rng_state": state.rng_state,
                "elapsed_s": state.elapsed_s,
            },
            tmp / "trainer_state.pt",
        )
    atomic_write(root / "LATEST", lambda tmp: tmp.write_text(name))
    for old in checkpoint_folders(out_dir)[:-keep]:
        if old != final:  # an older run's higher steps never push out the one just written
            shutil.rmtree(old, ignore_errors=True)
    return final


def checkpoint_folders(out_dir: str | Path) -> list[Path]:
    """The complete `step-NNNN` checkpoints of `out_dir`, oldest step first."""
    root = checkpoints_dir(out_dir)
    if not root.is_dir():
        return []
    found = [(int(m[1]), p) for p in root.iterdir() if (m := _STEP_DIR.match(p.name))]
    return [path for _, path in sorted(found)]


def clear_checkpoints(out_dir: str | Path) -> None:
    """Delete every checkpoint of `out_dir` and its LATEST pointer (a fresh run's `overwrite`):
    LATEST goes first, so a run killed halfway never resumes a half-deleted checkpoint."""
    root = checkpoints_dir(out_dir)
    (root / "LATEST").unlink(missing_ok=True)
    for folder in checkpoint_folders(out_dir):
        shutil.rmtree(folder)


def latest_checkpoint(out_dir: str | Path) -> Path | None:
    """The newest complete checkpoint of `out_dir`, or None if there is none."""
    root = checkpoints_dir(out_dir)
    pointer = root / "LATEST"
    if not pointer.exists():
        return None
    try:
        path = root / pointer.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as err:
        raise CheckpointError(
            f"cannot read {pointer}: {getattr(err, 'strerror', None) or err}"
        ) from None
    if not (path / "trainer_state.pt").exists():
        raise CheckpointError(f"{pointer} names {path}, which is missing or incomplete")
    return path


def load_saved_config(path: Path) -> dict[str, Any]:
    """The config dict stored with a checkpoint."""
    return json.loads((path / "config.json").read_text())


def check_compatible(path: Path, config: TrainConfig) -> None:
    """Raise CheckpointError if `config` changes the model shape the checkpoint was made with."""
    saved = load_saved_config(path)
    changed = {k: (saved.get(k), getattr(config, k)) for k in ARCHITECTURE_KEYS
               if saved.get(k) != getattr(config, k)}  # fmt: skip
    if changed:
        details = ", ".join(
            f"{k}: checkpoint {a!r} vs config {b!r}" for k, (a, b) in changed.items()
        )
        raise CheckpointError(f"cannot resume from {path}: {details}")


def load_checkpoint(path: Path, model: nn.Module) -> TrainerState:
    """Load the weights into `model` and return the trainer state of checkpoint `path`."""
    try:
        weights = load_file(str(path / "model.safetensors"))
        model.load_state_dict(weights)
        raw = torch.load(path / "trainer_state.pt", weights_only=True)
    except (OSError, RuntimeError) as err:
        raise CheckpointError(f"cannot load checkpoint {path}: {err}") from err
    return TrainerState(raw["step"], raw["optimizer"], raw["rng_state"], raw["elapsed_s"])
