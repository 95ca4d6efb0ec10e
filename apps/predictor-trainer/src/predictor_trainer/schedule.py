"""Learning-rate schedule: linear warmup, then cosine decay to `min_lr` (as in nanoGPT)."""

from __future__ import annotations

import math

from predictor_trainer.config import TrainConfig


def learning_rate_at(step: int, config: TrainConfig) -> float:
    """Learning rate of optimizer step `step` (0-based)."""
    if step < config.warmup_iters:
        return config.learning_rate * (step + 1) / (config.warmup_iters + 1)
    if step >= config.lr_decay_iters:
        return config.min_lr
    progress = (step - config.warmup_iters) / max(1, config.lr_decay_iters - config.warmup_iters)
    coefficient = 0.5 * (1.0 + math.cos(math.pi * progress))  # 1 -> 0
    return config.min_lr + coefficient * (config.learning_rate - config.min_lr)
