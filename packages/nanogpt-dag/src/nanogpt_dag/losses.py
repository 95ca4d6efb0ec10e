"""Training losses of the DAG predictor: one per tensor, masked to what the expression uses,
plus the execution loss on the value the differentiable executor computes.

    digits    cross-entropy per digit place, over used initial nodes (`node_mask`)
    signs     binary cross-entropy, numbers over `node_mask`, step output signs over `step_mask`
    operands  cross-entropy over the classes (-1, 0, +1), used steps x causal columns only
    gates     binary cross-entropy over used steps
    steps     cross-entropy on the number of used steps (always defined)
    execution smooth-L1 between asinh(predicted value) and asinh(true value): log-like for large
              magnitudes, linear near 0, sign-aware; the executor runs on the soft prediction and
              reads the result at the target's last used step
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import torch
import torch.nn.functional as F
from dag_executor import DagExecutor, DagTensors
from torch import Tensor

from nanogpt_dag.dag_head import DagPrediction, causal_operand_mask


@dataclass
class DagLossWeights:
    """How much each component counts in the total loss."""

    digits: float = 1.0
    signs: float = 1.0
    operands: float = 1.0
    gates: float = 1.0
    steps: float = 1.0
    execution: float = 0.1


@dataclass
class DagLosses:
    """Each component (a scalar tensor) and their weighted sum `total`."""

    digits: Tensor
    signs: Tensor
    operands: Tensor
    gates: Tensor
    steps: Tensor
    execution: Tensor
    total: Tensor

    def as_floats(self) -> dict[str, float]:
        """Every component as a Python float (for logging)."""
        return {f.name: float(getattr(self, f.name).detach()) for f in fields(self)}


def masked_mean(values: Tensor, mask: Tensor) -> Tensor:
    """Mean of `values` where `mask` is true (0 when nothing is masked in)."""
    mask = mask.to(values.dtype)
    return (values * mask).sum() / mask.sum().clamp(min=1.0)


def component_masks(target: DagTensors) -> dict[str, Tensor]:
    """What the digits, signs, operands and gates are scored over: the parts the expression uses.

    digits (..., d+1, M+K): the places of used numbers; signs (..., 2d+1): used numbers and used
    steps; operands (..., d, 2d+1): used steps x causal columns; gates (..., d): used steps.
    """
    node_mask, step_mask = target.node_mask, target.step_mask
    causal = causal_operand_mask(step_mask.shape[-1], step_mask.device)  # (d, 2d+1)
    return {
        "digits": node_mask[..., None].expand(target.digits.shape[:-1]),
        "signs": torch.cat([node_mask, step_mask], -1),
        "operands": step_mask[..., None] & causal,
        "gates": step_mask,
    }


def execution_loss(values: Tensor, targets: Tensor) -> Tensor:
    """Smooth-L1 between asinh of predicted and true values (float64 in, float32 out)."""
    return F.smooth_l1_loss(torch.asinh(values), torch.asinh(targets)).float()


def dag_losses(
    prediction: DagPrediction,
    target: DagTensors,
    executor: DagExecutor | None = None,
    weights: DagLossWeights | None = None,
    target_values: Tensor | None = None,
) -> DagLosses:
    """Masked per-component losses of `prediction` against `target` (same batch dims).

    The execution loss needs `executor` (soft path); `target_values` default to executing the
    target tensors. Without an executor the execution loss is 0.
    """
    weights = weights or DagLossWeights()
    p, t = prediction, target
    step_mask, masks = t.step_mask, component_masks(t)

    digit_ce = F.cross_entropy(
        p.digit_logits.flatten(0, -2), t.digit_targets().flatten(), reduction="none"
    ).view(t.digits.shape[:-1])  # (..., d+1, places)
    digits = masked_mean(digit_ce, masks["digits"])

    sign_bce = F.binary_cross_entropy_with_logits(
        p.sign_logits, (t.signs > 0).to(p.sign_logits.dtype), reduction="none"
    )  # (..., 2d+1)
    signs = masked_mean(sign_bce, masks["signs"])

    operand_ce = F.cross_entropy(
        p.operand_logits.flatten(0, -2), t.operand_targets().flatten(), reduction="none"
    ).view(t.operands.shape)  # (..., d, 2d+1)
    operands = masked_mean(operand_ce, masks["operands"])

    gate_bce = F.binary_cross_entropy_with_logits(
        p.gate_logits, t.gates.to(p.gate_logits.dtype), reduction="none"
    )
    gates = masked_mean(gate_bce, masks["gates"])

    steps = F.cross_entropy(
        p.steps_logits.flatten(0, -2), step_mask.sum(-1).flatten().long()
    )  # (number of used steps is a class 0..d)

    execution = digits.new_zeros(())
    if executor is not None:
        predicted = executor(*p.soft(), step_mask, hard=False)
        if target_values is None:
            target_values = executor.execute(t, hard=True)
        execution = execution_loss(predicted, target_values.to(predicted.dtype))

    total = (
        weights.digits * digits
        + weights.signs * signs
        + weights.operands * operands
        + weights.gates * gates
        + weights.steps * steps
        + weights.execution * execution
    )
    return DagLosses(digits, signs, operands, gates, steps, execution, total)
