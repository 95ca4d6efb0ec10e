"""Streaming examples from `dag_executor.ExpressionGenerator`, deterministic per position.

Example `i` of a split is `ExpressionGenerator(..., split, seed).sample(i)`, a pure function of
(seed, split, i), and the generator keeps train / val / test expressions disjoint. Micro-batch
`m` of optimizer step `s` on rank `r` of `W` processes takes the indices

    ((s * grad_accum_steps + m) * W + r) * batch_size + [0, batch_size)

so every micro-batch and every rank sees different examples, and a resumed run continues with
exactly the examples an uninterrupted run would have seen.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from dag_executor import DagTensors
from nanogpt_dag import CharTokenizer

from predictor_trainer.config import TrainConfig


@dataclass
class DagBatch:
    """Token ids (B, T), lengths (B,), target DAG tensors (B, ...), exact values (B,) float64."""

    texts: list[str]
    ids: torch.Tensor
    lengths: torch.Tensor
    targets: DagTensors
    values: torch.Tensor

    def to(self, device: str | torch.device) -> DagBatch:
        """The same batch on `device`."""
        return DagBatch(
            self.texts,
            self.ids.to(device),
            self.lengths.to(device),
            self.targets.to(device),
            self.values.to(device),
        )


class ExampleStream:
    """Batches of (text, DAG tensors, value) for each split, addressed by position."""

    def __init__(self, config: TrainConfig) -> None:
        self.config = config
        self.dag = config.dag()
        self.tokenizer = CharTokenizer()
        self.generators = {
            split: config.expression_generator(split) for split in ("train", "val", "test")
        }

    def batch(self, split: str, indices: range | list[int]) -> DagBatch:
        """The examples at `indices` of `split`."""
        texts, targets, values = [], [], []
        for index in indices:
            text, expr, target = self.generators[split].sample_with_dag(index)
            texts.append(text)
            targets.append(target)
            values.append(float(expr.value()))
        ids, lengths = self.tokenizer.encode_batch(texts, self.config.block_size)
        return DagBatch(
            texts,
            ids,
            lengths,
            DagTensors.stack(targets),
            torch.tensor(values, dtype=torch.float64),
        )

    def train_batch(self, step: int, micro: int, rank: int = 0, world_size: int = 1) -> DagBatch:
        """Micro-batch `micro` of optimizer step `step` for process `rank` of `world_size`."""
        b = self.config.batch_size
        start = ((step * self.config.grad_accum_steps + micro) * world_size + rank) * b
        return self.batch("train", range(start, start + b))
