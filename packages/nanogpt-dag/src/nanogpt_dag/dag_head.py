"""The DAG predictor head: one token's hidden state -> scores for every DAG tensor.

For a `dag_executor.DagConfig` of depth d, M integer digits and K decimals, the head predicts

    digit_logits    (..., d+1, M+K, 10)  a digit class per place of each initial number
    sign_logits     (..., 2d+1)          > 0 means sign +1 (numbers, then step output signs)
    operand_logits  (..., d, 2d+1, 3)    coefficient class of node j in step i: -1, 0, +1
    gate_logits     (..., d)             > 0 means linear domain (+, -), < 0 log domain (x, /)
    steps_logits    (..., d+1)           how many steps the expression uses (0..d)

`DagPrediction.soft()` turns them into the executor's probability inputs (differentiable),
`DagPrediction.hard()` into a hard `DagTensors` (argmax / sign / rounding).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from dag_executor import DagConfig, DagTensors
from torch import Tensor, nn

OPERAND_COEFFICIENTS = (-1.0, 0.0, 1.0)
"""The coefficient each operand class stands for (class index = coefficient + 1)."""


def causal_operand_mask(depth: int, device: torch.device | None = None) -> Tensor:
    """(d, 2d+1) bool: step i may only use nodes j < d + 1 + i (initial nodes and earlier steps)."""
    steps = torch.arange(depth, device=device)[:, None]
    nodes = torch.arange(2 * depth + 1, device=device)[None, :]
    return nodes < depth + 1 + steps


@dataclass
class DagPrediction:
    """Raw scores of the DAG tensors; leading dims are the batch (and maybe sequence) dims."""

    digit_logits: Tensor
    sign_logits: Tensor
    operand_logits: Tensor
    gate_logits: Tensor
    steps_logits: Tensor

    def predicted_step_mask(self) -> Tensor:
        """(..., d) bool: the prefix of steps the prediction uses."""
        depth = self.gate_logits.shape[-1]
        count = self.steps_logits.argmax(-1, keepdim=True)  # (..., 1)
        return torch.arange(depth, device=count.device) < count

    def soft(self) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Executor inputs as probabilities: digits (softmax), signs and operands in [-1, 1]
        (expected value), gates in [0, 1]. Differentiable."""
        operand_probs = self.operand_logits.softmax(-1)
        return (
            self.digit_logits.softmax(-1),
            torch.tanh(self.sign_logits / 2),  # = 2 * sigmoid - 1 = E[sign]
            operand_probs[..., 2] - operand_probs[..., 0],
            torch.sigmoid(self.gate_logits),
        )

    def hard(self) -> DagTensors:
        """The most likely DAG as hard float64 tensors (one-hot, +-1, {-1, 0, 1}, {0, 1}).

        `node_mask` marks the initial nodes that a used step reads (node 0 if no step is used).
        """
        digits = nn.functional.one_hot(self.digit_logits.argmax(-1), 10).double()
        signs = torch.where(self.sign_logits >= 0, 1.0, -1.0).double()
        operands = (self.operand_logits.argmax(-1) - 1).double()
        gates = (self.gate_logits >= 0).double()
        step_mask = self.predicted_step_mask()
        depth = gates.shape[-1]
        used = operands.ne(0) & causal_operand_mask(depth, operands.device) & step_mask[..., None]
        node_mask = used.any(-2)[..., : depth + 1]
        node_mask[..., 0] |= ~step_mask.any(-1)
        return DagTensors(digits, signs, operands, gates, step_mask, node_mask)


class DagPredictorHead(nn.Module):
    """Maps hidden states (..., n_embd) to a `DagPrediction` (a small MLP, then one linear map
    per tensor)."""

    def __init__(self, n_embd: int, config: DagConfig, hidden: int = 0) -> None:
        super().__init__()
        hidden = hidden or n_embd
        self.config = config
        d, places = config.depth, config.num_places
        self.trunk = nn.Sequential(
            nn.LayerNorm(n_embd), nn.Linear(n_embd, hidden), nn.GELU(approximate="tanh")
        )
        self.digits = nn.Linear(hidden, (d + 1) * places * 10)
        self.signs = nn.Linear(hidden, 2 * d + 1)
        self.operands = nn.Linear(hidden, d * (2 * d + 1) * 3)
        self.gates = nn.Linear(hidden, d)
        self.steps = nn.Linear(hidden, d + 1)

    def forward(self, hidden_states: Tensor) -> DagPrediction:
        """Predict from `hidden_states` (..., n_embd); outputs keep the leading dims."""
        c = self.config
        lead = hidden_states.shape[:-1]
        h = self.trunk(hidden_states)  # (..., hidden)
        return DagPrediction(
            digit_logits=self.digits(h).view(*lead, c.num_initial, c.num_places, 10),
            sign_logits=self.signs(h),  # (..., 2d+1)
            operand_logits=self.operands(h).view(*lead, c.depth, c.num_nodes, 3),
            gate_logits=self.gates(h),  # (..., d)
            steps_logits=self.steps(h),  # (..., d+1)
        )
