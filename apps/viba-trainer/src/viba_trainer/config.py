"""The one object that says how a training run is set up, saved with the run for --resume."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

from viba_trainer.atomic import write_text_atomic
from viba_trainer.dataset import PAIR_NAMES
from viba_trainer.errors import ExperienceError, VibaTrainerError

BACKENDS = ("local", "openai", "claude-agent", "scripted")
KEYWORD_MODES = ("lexical", "llm")
# The seed's prompt: the model is told nothing about Viba; all it knows comes from experience.
TASK_PROMPT = "Translate Python To Viba."


def require_at_least_one(option: str, value: int) -> None:
    """Raise :class:`VibaTrainerError` naming ``option`` unless ``value`` >= 1."""
    if value < 1:
        raise VibaTrainerError(f"{option} must be at least 1, got {value}")


@dataclass(frozen=True)
class TrainConfig:
    """Settings of one run. ``experience_size`` None means twice the number of pairs.

    By default the experience is append-only (seed 000's choice): a row, once written, is never
    rewritten, and st_moe spends no LLM pass on rewriting filled rows. ``update_filled_rows``
    lets the LLM rewrite the key and value of rows that served wrong translations.
    """

    backend: str = "local"
    iterations: int = 5
    experience_size: int | None = None
    top_k: int = 1
    seed: int = 0
    output_dir: Path = Path("runs/viba")
    pairs: tuple[str, ...] = PAIR_NAMES
    learning_rate: float = 1.0
    cache: bool = True
    keywords: str = "lexical"
    noise_std: float = 0.0
    update_filled_rows: bool = False  # False: append-only experience, as in seed 000
    max_tokens: int = 192
    task_prompt: str = TASK_PROMPT

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise VibaTrainerError(f"unknown backend {self.backend!r}; choose from {BACKENDS}")
        require_at_least_one("--iterations", self.iterations)
        if self.keywords not in KEYWORD_MODES:
            raise VibaTrainerError(
                f"unknown keywords mode {self.keywords!r}; choose from {KEYWORD_MODES}"
            )
        require_at_least_one("--top-k", self.top_k)
        if not 0 <= self.seed < 2**32:
            raise VibaTrainerError(f"--seed must be in [0, 2**32 - 1], got {self.seed}")
        if not (math.isfinite(self.noise_std) and self.noise_std >= 0):
            raise VibaTrainerError(
                f"--noise-std must be a finite number >= 0, got {self.noise_std}"
            )
        if self.experience_size is not None:
            require_at_least_one("--experience-size", self.experience_size)

    @property
    def rows(self) -> int:
        """Rows of the experience table: ``experience_size`` or 2x the dataset."""
        return self.experience_size or 2 * len(self.pairs)

    def save(self, path: Path) -> None:
        """Write as JSON, atomically."""
        data = asdict(self) | {"output_dir": str(self.output_dir), "pairs": list(self.pairs)}
        write_text_atomic(path, json.dumps(data, indent=2, sort_keys=True) + "\n")

    @classmethod
    def load(cls, path: Path) -> TrainConfig:
        """Read a config written by :meth:`save`."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            data["output_dir"] = Path(data["output_dir"])
            data["pairs"] = tuple(data["pairs"])
            return cls(**data)
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ExperienceError(f"cannot read run config {path}: {error}") from error
