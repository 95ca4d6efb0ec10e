"""The predictor-only model: GPT backbone (no LM head) + DAG predictor head.

Attention is causal, so the hidden state of a text's last token is the only one that has read the
whole expression: `forward(idx, lengths)` predicts the DAG from that token. Without `lengths` it
predicts from every token (the DAG of each prefix read so far).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from dag_executor import DagConfig
from torch import Tensor, nn

from nanogpt_dag.dag_head import DagPrediction, DagPredictorHead
from nanogpt_dag.errors import ModelConfigError
from nanogpt_dag.gpt import GPT, GPTConfig


@dataclass
class PredictorConfig:
    """Hyperparameters of a `PredictorOnlyModel`: the backbone, the DAG size, the head width.

    `gpt.lm_head` must be False (the predictor reads hidden states only).
    """

    gpt: GPTConfig = field(default_factory=lambda: GPTConfig(lm_head=False))
    dag: DagConfig = field(default_factory=DagConfig)
    head_hidden: int = 0  # 0 means gpt.n_embd

    def __post_init__(self) -> None:
        """Reject a backbone with an LM head (it would hold unused parameters)."""
        if self.gpt.lm_head:
            raise ModelConfigError("PredictorConfig.gpt must have lm_head=False")
        if self.head_hidden < 0:
            raise ModelConfigError(f"head_hidden must be >= 0, got {self.head_hidden}")


class PredictorOnlyModel(nn.Module):
    """Text ids -> DAG prediction, trained to reproduce `dag_executor.expression_to_dag`."""

    def __init__(self, config: PredictorConfig) -> None:
        super().__init__()
        self.config = config
        self.backbone = GPT(config.gpt)
        self.head = DagPredictorHead(config.gpt.n_embd, config.dag, config.head_hidden)

    def forward(self, idx: Tensor, lengths: Tensor | None = None) -> DagPrediction:
        """Predict DAGs for token ids `idx` (B, T).

        With `lengths` (B,) (real tokens per row, right padding after them) the prediction has
        batch dims (B,) and comes from each row's last real token; without, it has (B, T).
        """
        hidden = self.backbone.hidden_states(idx)  # (B, T, C)
        if lengths is not None:
            if lengths.shape != idx.shape[:1] or lengths.min() < 1 or lengths.max() > idx.shape[1]:
                raise ModelConfigError(
                    f"lengths must have shape ({idx.shape[0]},) with values in 1..{idx.shape[1]}, "
                    f"got {lengths.tolist()}"
                )
            rows = torch.arange(idx.shape[0], device=idx.device)
            hidden = hidden[rows, lengths - 1]  # (B, C)
        return self.head(hidden)
