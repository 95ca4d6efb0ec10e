"""Per-iteration training metrics: the record, ``metrics.jsonl`` and the loss-curve PNG."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from symtensor_store.atomic import atomic_write, atomic_write_text


@dataclass(frozen=True)
class IterationMetrics:
    """What one training iteration (forward, loss, backward, optimizer step) measured."""

    iteration: int
    mean_loss: float
    losses: dict[str, float]  # pair name -> edit distance ratio of its translation
    valid_viba: float  # share of outputs that are strictly valid Viba (viba.check_strict_viba)
    patches: dict[str, int]  # applied / fuzzed / rejected / skipped in the optimizer step
    llm_calls: int
    prompt_tokens: int
    completion_tokens: int
    cache_hits: int
    failed_tasks: int  # LLM tasks that ended without an answer
    seconds: float
    phase_seconds: dict[str, float] = field(default_factory=dict)
    exact_share: float | None = None  # share of outputs within EXACT_LOSS of the reference
    # The experience after this step's update, on the validation pairs (None: no validation).
    validation_loss: float | None = None
    validation_losses: dict[str, float] = field(default_factory=dict)
    validation_strict: float | None = None
    validation_exact: float | None = None
    reverted: bool = False  # --revert-on-worse put the best experience back after this step

    def to_json(self) -> str:
        """One JSON line."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict) -> IterationMetrics:
        """Inverse of ``asdict``."""
        return cls(**data)

    def summary(self) -> str:
        """One human line for the console."""
        patches = " ".join(f"{k}={v}" for k, v in self.patches.items())
        validation = ""
        if self.validation_loss is not None:
            validation = (
                f"; validation loss {self.validation_loss:.4f}, exact "
                f"{self.validation_exact:.0%}, strictly valid {self.validation_strict:.0%}"
                + (" (worse: reverted to the best experience)" if self.reverted else "")
            )
        return (
            f"iteration {self.iteration}: train loss {self.mean_loss:.4f}, "
            f"strictly valid Viba {self.valid_viba:.0%}{validation}; patches "
            f"{patches or 'none'}, LLM calls {self.llm_calls} ({self.cache_hits} cached), "
            f"tokens {self.prompt_tokens}+{self.completion_tokens}, {self.seconds:.1f}s"
        )


def write_metrics(history: list[IterationMetrics], path: Path) -> None:
    """Rewrite ``metrics.jsonl`` from the whole history (atomically)."""
    atomic_write_text(path, "".join(record.to_json() + "\n" for record in history))


def read_metrics(path: Path) -> list[IterationMetrics]:
    """Read ``metrics.jsonl`` back."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [IterationMetrics.from_dict(json.loads(line)) for line in lines if line.strip()]


def plot_loss_curve(history: list[IterationMetrics], path: Path, title: str = "") -> None:
    """Save mean loss (and the share of valid Viba) per iteration as a PNG, atomically."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    iterations = [record.iteration for record in history]
    fig, loss_axis = plt.subplots(figsize=(6, 4), dpi=100)
    loss_axis.plot(iterations, [r.mean_loss for r in history], "o-", label="train loss")
    validated = [r for r in history if r.validation_loss is not None]
    if validated:
        loss_axis.plot(
            [r.iteration for r in validated],
            [r.validation_loss for r in validated],
            "^-",
            color="tab:red",
            label="validation loss",
        )
    loss_axis.set_xlabel("iteration")
    loss_axis.set_ylabel("mean edit distance ratio")
    loss_axis.set_ylim(0, 1.05)
    valid_axis = loss_axis.twinx()
    valid_axis.plot(
        iterations,
        [r.valid_viba for r in history],
        "s--",
        color="tab:green",
        label="train: share of strictly valid Viba",
    )
    valid_axis.set_ylabel("share of strictly valid Viba", color="tab:green")
    valid_axis.set_ylim(0, 1.05)
    loss_axis.set_xticks(iterations)
    handles = loss_axis.get_legend_handles_labels()[0] + valid_axis.get_legend_handles_labels()[0]
    loss_axis.legend(handles=handles, loc="center right")
    loss_axis.set_title(title or "Python -> Viba: loss per iteration")
    fig.tight_layout()
    try:
        atomic_write(path, lambda tmp: fig.savefig(tmp, format="png"))
    finally:
        plt.close(fig)
