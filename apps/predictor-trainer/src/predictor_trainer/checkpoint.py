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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import torch
from nanogpt_dag import NanoGptDagError, atomic_directory, atomic_write, load_gpt2
from safetensors.torch import load_file, save_file
from torch import nn

from predictor_trainer.config import TrainConfig
from predictor_trainer.errors import CheckpointError, TrainConfigError

# Config keys that change the model's shape or what its outputs mean (the DAG size): a resumed
# run must keep them. Data keys (seed, batch_size, operations, ...) may change on resume, but only
# an unchanged config continues with exactly the examples an uninterrupted run would see.
ARCHITECTURE_KEYS = ("n_layer", "n_head", "n_embd", "block_size", "bias", "head_hidden",
                     "dag_depth", "max_digits", "max_decimals")  # fmt: skip


_STEP_DIR = re.compile(r"^step-(\d{4,})$")


class RunConfig(Protocol):
    """What a checkpoint stores of a run's settings: anything with `to_dict()`."""

    def to_dict(self) -> dict[str, Any]:
        """The settings as a JSON-ready dict."""
        ...


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
    out_dir: str | Path, model: nn.Module, config: RunConfig, state: TrainerState, keep: int = 2
) -> Path:
    """Write a complete checkpoint for `state.step`, point LATEST at it, keep the newest `keep`."""
    root = checkpoints_dir(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    name = f"step-{state.step:04d}"
    final = root / name
    with atomic_directory(final) as tmp:
        # clones: tied weights (an LM head sharing the token embedding) share memory, which
        # safetensors refuses; load_state_dict fills both names again
        weights = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
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


def claim_out_dir(
    out_dir: str | Path,
    init_from: str | None,
    overwrite: bool,
    resume_hint: str,
    overwrite_hint: str,
) -> None:
    """Make sure a run that does not resume starts on an `out_dir` free of checkpoints: refuse
    one that holds a run (naming `resume_hint` and `overwrite_hint`, the flags that would
    continue it or delete it), or with `overwrite` clear it first, so that neither retention nor
    a later resume can mix two runs. `init_from` (a folder of weights) must lie outside it."""
    root = checkpoints_dir(out_dir).resolve()
    if init_from is not None and root in Path(init_from).resolve().parents:
        raise TrainConfigError(
            f"init_from={init_from} lies in this run's own checkpoints; start the new run "
            "in another --output-dir"
        )
    held = checkpoint_folders(out_dir)
    if not held and not (root / "LATEST").exists():
        return
    if not overwrite:
        newest = held[-1].name if held else "a LATEST pointer"
        raise TrainConfigError(
            f"{out_dir} already holds a run ({newest}); continue it with {resume_hint}, choose "
            f"another --output-dir, or pass {overwrite_hint} to delete its checkpoints"
        )
    clear_checkpoints(out_dir)


def load_initial_weights(
    folder: Path,
    model: nn.Module,
    backbone: nn.Module,
    *,
    lm_head: bool,
    check: Callable[[Path], None],
) -> None:
    """Weights only, for a new run: a checkpoint folder of this trainer (the whole `model`,
    after `check(folder)` accepts its config) or a GPT-2 directory (`backbone`, the GPT;
    other heads start fresh)."""
    if (folder / "trainer_state.pt").is_file():
        check(folder)
        load_checkpoint(folder, model)
        return
    try:
        weights = load_gpt2(folder, lm_head=lm_head).state_dict()
        backbone.load_state_dict(weights)
    except NanoGptDagError as err:
        raise CheckpointError(f"init_from={folder}: {err}") from None
    except RuntimeError as err:  # shapes that differ from this config's backbone
        first = str(err).strip().splitlines()[-1].strip()
        raise CheckpointError(f"init_from={folder} does not fit this model: {first}") from None
