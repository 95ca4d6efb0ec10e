"""Held-out evaluation: execute the predicted (hard) DAG and compare with the exact value.

exact_match         share of examples whose executed value is within 1e-6 relative of the
                    true value (|pred - true| <= 1e-6 * |true| + 1e-12, the tiny absolute
                    term only matters when the true value is 0)
mean / median_relative_error
                    |pred - true| / |true| per example (|pred - true| when the true value
                    is 0, where no relative error exists)
*_accuracy          per component, counted only over what the expression uses: digits over
                    the places of used numbers, signs over used numbers and used steps,
                    operands over used steps x causal columns, gates over used steps,
                    steps = the number of used steps per example
"""

from __future__ import annotations

import statistics
from collections import Counter

import torch
import torch.distributed as dist
from dag_executor import DagExecutor, DagTensors
from nanogpt_dag import PredictorOnlyModel, component_masks

from predictor_trainer.config import TrainConfig
from predictor_trainer.data import ExampleStream

EXACT_RELATIVE_TOLERANCE = 1e-6


def _component_counts(predicted: DagTensors, target: DagTensors) -> Counter:
    """Correct / total counts per component, over used nodes and steps only."""
    counts: Counter = Counter()

    def add(name: str, correct: torch.Tensor, mask: torch.Tensor) -> None:
        counts[f"{name}_correct"] += int((correct & mask).sum())
        counts[f"{name}_total"] += int(mask.sum())

    masks = component_masks(target)  # the same parts the training losses score
    add("digits", predicted.digit_targets() == target.digit_targets(), masks["digits"])
    add("signs", predicted.signs == target.signs, masks["signs"])
    add("operands", predicted.operands == target.operands, masks["operands"])
    add("gates", predicted.gates == target.gates, masks["gates"])
    steps_ok = predicted.step_mask.sum(-1) == target.step_mask.sum(-1)
    add("steps", steps_ok, torch.ones_like(steps_ok))
    return counts


@torch.no_grad()
def evaluate(
    model: PredictorOnlyModel,
    stream: ExampleStream,
    config: TrainConfig,
    split: str,
    rank: int = 0,
    world_size: int = 1,
) -> dict[str, float]:
    """Score `model` on the first `config.eval_examples` examples of `split`.

    Under torch.distributed each rank scores every `world_size`-th example and the results are
    gathered, so every rank returns the same metrics.
    """
    was_training = model.training
    model.eval()
    executor = DagExecutor(stream.dag, out_of_range="inf").to(config.device)  # counts as wrong
    indices = list(range(rank, config.eval_examples, world_size))
    errors: list[float] = []
    exact = 0
    counts: Counter = Counter()
    for start in range(0, len(indices), config.batch_size):
        batch = stream.batch(split, indices[start : start + config.batch_size]).to(config.device)
        predicted = model(batch.ids, batch.lengths).hard()
        values = executor.execute(predicted, hard=True)
        diff = (values - batch.values).abs()
        exact += int((diff <= EXACT_RELATIVE_TOLERANCE * batch.values.abs() + 1e-12).sum())
        scale = torch.where(batch.values == 0, 1.0, batch.values.abs())
        errors += (diff / scale).tolist()
        counts += _component_counts(predicted, batch.targets)
    if world_size > 1:
        gathered: list = [None] * world_size
        dist.all_gather_object(gathered, (exact, errors, counts))
        exact = sum(g[0] for g in gathered)
        errors = [e for g in gathered for e in g[1]]
        counts = sum((g[2] for g in gathered), Counter())
    model.train(was_training)
    metrics = {
        "examples": float(len(errors)),
        "exact_match": exact / len(errors),
        "mean_relative_error": statistics.fmean(errors),
        "median_relative_error": statistics.median(errors),
    }
    for name in ("digits", "signs", "operands", "gates", "steps"):
        total = counts[f"{name}_total"]
        metrics[f"{name}_accuracy"] = counts[f"{name}_correct"] / total if total else float("nan")
    return metrics
