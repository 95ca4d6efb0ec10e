"""Checkpoints: everything needed to continue a run after iteration N, written atomically.

``checkpoints/step-NNNN/`` holds the experience table (a dumped symbolic tensor, readable by
``viba-train evaluate``), the model and optimizer state dicts (``state.pt``), the random number
generators and the metrics history (``state.json``), and the translations of that step. It is first written to a hidden
temporary directory and renamed into place, so a directory named ``step-NNNN`` is complete: a run
killed at any moment resumes from the last such directory and loses no finished step.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from symtensor_store.atomic import atomic_directory

from viba_trainer.errors import ExperienceError
from viba_trainer.metrics import IterationMetrics

_STEP_DIR = re.compile(r"^step-(\d{4,})$")
STATE_FILE = "state.json"
TORCH_STATE_FILE = "state.pt"
EXPERIENCE_DIR = "experience"


@dataclass(frozen=True)
class Checkpoint:
    """A complete checkpoint on disk: after ``step`` iterations, with the history so far."""

    step: int
    directory: Path
    history: list[IterationMetrics]

    @property
    def experience_dir(self) -> Path:
        """The dumped experience tensor of this checkpoint."""
        return self.directory / EXPERIENCE_DIR

    def load_state(self) -> dict[str, Any]:
        """The model and optimizer state dicts saved with this checkpoint."""
        path = self.directory / TORCH_STATE_FILE
        try:
            return torch.load(path, weights_only=True)
        except Exception as error:
            raise ExperienceError(f"cannot read training state {path}: {error}") from error

    def restore_random_state(self) -> None:
        """Put Python's, NumPy's and torch's generators back where they were at this step."""
        state = json.loads((self.directory / STATE_FILE).read_text(encoding="utf-8"))["random"]
        version, internal, gauss = state["python"]
        random.setstate((version, tuple(internal), gauss))
        kind, keys, pos, has_gauss, cached = state["numpy"]
        np.random.set_state((kind, np.array(keys, dtype=np.uint32), pos, has_gauss, cached))
        torch.set_rng_state(torch.tensor(state["torch"], dtype=torch.uint8))


def _random_state() -> dict[str, Any]:
    version, internal, gauss = random.getstate()
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    return {
        "python": [version, list(internal), gauss],
        "numpy": [kind, keys.tolist(), int(pos), int(has_gauss), float(cached)],
        "torch": torch.get_rng_state().tolist(),
    }


class CheckpointStore:
    """The ``checkpoints/`` directory of a run."""

    def __init__(self, run_dir: Path) -> None:
        self.directory = Path(run_dir) / "checkpoints"

    def step_dir(self, step: int) -> Path:
        """Where the checkpoint after ``step`` iterations lives."""
        return self.directory / f"step-{step:04d}"

    def steps(self) -> list[int]:
        """Steps with a complete checkpoint, ascending (temporary directories are ignored)."""
        if not self.directory.is_dir():
            return []
        found = (_STEP_DIR.match(p.name) for p in self.directory.iterdir() if p.is_dir())
        return sorted(int(m.group(1)) for m in found if m)

    def remove_incomplete(self) -> list[Path]:
        """Delete the temporary directories a killed run left behind; returns what was removed."""
        if not self.directory.is_dir():
            return []
        stale = [p for p in self.directory.iterdir() if p.name.startswith(".step-")]
        for path in stale:
            shutil.rmtree(path, ignore_errors=True)
        return stale

    def latest(self) -> Checkpoint | None:
        """The checkpoint with the highest step, or None when there is none yet."""
        steps = self.steps()
        return self.load(steps[-1]) if steps else None

    def load(self, step: int) -> Checkpoint:
        """Read the checkpoint of ``step``; raises :class:`ExperienceError` when malformed."""
        directory = self.step_dir(step)
        try:
            state = json.loads((directory / STATE_FILE).read_text(encoding="utf-8"))
            history = [IterationMetrics.from_dict(record) for record in state["history"]]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ExperienceError(f"checkpoint {directory} is unreadable: {error}") from error
        complete = (directory / EXPERIENCE_DIR).is_dir() and (
            directory / TORCH_STATE_FILE
        ).is_file()
        if state.get("step") != step or not complete:
            raise ExperienceError(f"checkpoint {directory} is incomplete or mislabelled")
        return Checkpoint(step, directory, history)

    def save(
        self,
        step: int,
        *,
        dump_experience,
        state: dict[str, Any],
        history: list[IterationMetrics],
        extra_files: dict[str, str] | None = None,
    ) -> Checkpoint:
        """Write the checkpoint of ``step`` atomically.

        ``dump_experience(directory)`` writes the experience tensor into ``directory``; ``state``
        (the model and optimizer state dicts) is saved with ``torch.save``;
        ``extra_files`` (relative path -> text) are stored alongside, e.g. the step's outputs.
        A checkpoint is never overwritten: saving a step that exists is an error.
        """
        final = self.step_dir(step)
        if final.exists():
            raise ExperienceError(f"checkpoint {final} already exists")
        with atomic_directory(final) as tmp:
            dump_experience(tmp / EXPERIENCE_DIR)
            torch.save(state, tmp / TORCH_STATE_FILE)
            for relative, text in (extra_files or {}).items():
                path = tmp / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
            progress = {
                "step": step,
                "history": [json.loads(r.to_json()) for r in history],
                "random": _random_state(),
            }
            (tmp / STATE_FILE).write_text(json.dumps(progress), encoding="utf-8")
        return self.load(step)
