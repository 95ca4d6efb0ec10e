"""The one object that says how a training run is set up, saved with the run for --resume."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

from symtensor_store.atomic import atomic_write_text

from viba_trainer.dataset import SPLITS
from viba_trainer.errors import ExperienceError, UsageError

BACKENDS = ("local", "openai", "claude-agent", "scripted")
KEYWORD_MODES = ("structure", "lexical", "llm")
# The seed's prompt: the model is told nothing about Viba; all it knows comes from experience.
TASK_PROMPT = "Translate Python To Viba."


def require_at_least_one(option: str, value: int) -> None:
    """Raise :class:`UsageError` naming ``option`` unless ``value`` >= 1."""
    if value < 1:
        raise UsageError(f"{option} must be at least 1, got {value}")


@dataclass(frozen=True)
class TrainConfig:
    """Settings of one run. ``experience_size`` None means twice the number of pairs.

    By default the experience is append-only (seed 000's choice): a row, once written, is never
    rewritten, and st_moe spends no LLM pass on rewriting filled rows. ``update_filled_rows``
    lets the LLM rewrite the key and value of rows that served wrong translations.

    ``pairs`` are trained on, ``validation`` pairs are translated after every step (never
    trained on) to pick the best experience; ``canonical_names`` translates with placeholder
    names (:mod:`viba_trainer.canonical`), ``statement_units`` one statement at a time
    (:mod:`viba_trainer.units`), ``checked_decoding`` asks again for answers that disagree with
    their Python (:mod:`viba_trainer.checked`), ``constrained_decoding`` lets the model write
    only what a translation of the unit can hold (:mod:`viba_trainer.grammar`; backends
    ``local`` and ``openai``); with ``exact_recall`` a unit that a retrieved row
    holds verbatim as its key is answered with that row's value, no LLM call (a 135M model does
    not reliably copy even an identical example); ``revert_on_worse`` puts the best experience back
    after a step that made the validation loss worse.
    """

    backend: str = "local"
    iterations: int = 5
    experience_size: int | None = None
    top_k: int = 2
    seed: int = 0
    output_dir: Path = Path("runs/viba")
    pairs: tuple[str, ...] = SPLITS["train"]
    validation: tuple[str, ...] = SPLITS["validation"]
    learning_rate: float = 1.0
    cache: bool = True
    keywords: str = "structure"
    canonical_names: bool = True
    statement_units: bool = True
    checked_decoding: bool = True
    constrained_decoding: bool = True
    exact_recall: bool = True
    revert_on_worse: bool = False
    noise_std: float = 0.0
    update_filled_rows: bool = False  # False: append-only experience, as in seed 000
    max_tokens: int | None = None  # None: 96 per unit, 192 per whole function
    task_prompt: str = TASK_PROMPT

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise UsageError(f"unknown backend {self.backend!r}; choose from {BACKENDS}")
        require_at_least_one("--iterations", self.iterations)
        if self.keywords not in KEYWORD_MODES:
            raise UsageError(
                f"unknown keywords mode {self.keywords!r}; choose from {KEYWORD_MODES}"
            )
        require_at_least_one("--top-k", self.top_k)
        if not 0 <= self.seed < 2**32:
            raise UsageError(f"--seed must be in [0, 2**32 - 1], got {self.seed}")
        if not (math.isfinite(self.noise_std) and self.noise_std >= 0):
            raise UsageError(f"--noise-std must be a finite number >= 0, got {self.noise_std}")
        if self.experience_size is not None:
            require_at_least_one("--experience-size", self.experience_size)
        if overlap := sorted(set(self.pairs) & set(self.validation)):
            raise UsageError(
                f"pair(s) {', '.join(overlap)} are both trained on and used for validation"
            )

    @property
    def answer_tokens(self) -> int:
        """Most tokens the model may write per answer: a unit is a line or two, a function more."""
        return self.max_tokens or (96 if self.statement_units else 192)

    def rows(self, units: int) -> int:
        """Rows of the experience table: ``experience_size`` or 2x the training ``units``."""
        return self.experience_size or 2 * units

    def save(self, path: Path) -> None:
        """Write as JSON, atomically."""
        data = asdict(self) | {
            "output_dir": str(self.output_dir),
            "pairs": list(self.pairs),
            "validation": list(self.validation),
        }
        atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")

    @classmethod
    def load(cls, path: Path) -> TrainConfig:
        """Read a config written by :meth:`save`."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            data["output_dir"] = Path(data["output_dir"])
            data["pairs"] = tuple(data["pairs"])
            data["validation"] = tuple(data.get("validation", ()))
            return cls(**data)
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ExperienceError(f"cannot read run config {path}: {error}") from error
