"""`metrics.jsonl` (one JSON record per line) and its plot `metrics.png`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nanogpt_dag import atomic_write


class MetricsLog:
    """Appends records to `out_dir/metrics.jsonl`.

    On resume from step S, `truncate_after(S)` drops the records a killed run wrote after its
    last checkpoint, so the log reads as one uninterrupted run.
    """

    def __init__(self, out_dir: str | Path) -> None:
        self.path = Path(out_dir) / "metrics.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def records(self) -> list[dict[str, Any]]:
        """Every record so far."""
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line.strip()]

    def truncate_after(self, step: int) -> None:
        """Keep only records with `step <= step` (rewritten atomically)."""
        text = "".join(json.dumps(r) + "\n" for r in self.records() if r["step"] <= step)
        atomic_write(self.path, lambda tmp: tmp.write_text(text))

    def reset(self) -> None:
        """Start an empty log (a run from scratch)."""
        self.path.unlink(missing_ok=True)

    def append(self, record: dict[str, Any]) -> None:
        """Add one record (must have `step` and `kind`)."""
        with self.path.open("a") as f:
            f.write(json.dumps(record) + "\n")


def plot_metrics(records: list[dict[str, Any]], path: str | Path) -> None:
    """Write a PNG: training losses (log scale) and held-out exact match / relative error."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    train = [r for r in records if r["kind"] == "train"]
    evals = [r for r in records if r["kind"] == "eval"]
    fig, (ax_loss, ax_eval) = plt.subplots(1, 2, figsize=(11, 4))
    for key in ("loss", "digits", "signs", "operands", "gates", "steps", "execution"):
        if train and key in train[0]:
            ax_loss.plot([r["step"] for r in train], [r[key] for r in train], label=key)
    ax_loss.set_yscale("log")
    ax_loss.set_xlabel("step")
    ax_loss.set_title("training loss")
    ax_loss.legend(fontsize=7)
    if evals:
        steps = [r["step"] for r in evals]
        ax_eval.plot(steps, [r["exact_match"] for r in evals], "o-", label="exact match")
        for key in ("digits_accuracy", "operands_accuracy", "steps_accuracy"):
            ax_eval.plot(steps, [r[key] for r in evals], ".--", label=key)
        ax_err = ax_eval.twinx()
        ax_err.plot(
            steps, [r["mean_relative_error"] for r in evals], "k:", label="mean relative error"
        )
        ax_err.set_yscale("symlog", linthresh=1e-6)
        ax_err.legend(loc="lower right", fontsize=7)
    ax_eval.set_ylim(0, 1.02)
    ax_eval.set_xlabel("step")
    ax_eval.set_title("held-out evaluation")
    ax_eval.legend(loc="upper left", fontsize=7)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=90))
    plt.close(fig)
