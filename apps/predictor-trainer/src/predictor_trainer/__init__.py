"""Train nanogpt-dag to predict executable arithmetic DAGs from text.

- `TrainConfig`, `load_config`: every hyperparameter; a TOML file plus `--key=value` overrides.
- `train`: the loop (AdamW, warmup + cosine, gradient accumulation, DDP, checkpoints, metrics).
- `evaluate`: exact match, relative error and per-component accuracies on a held-out split.
- `ExampleStream`: batches from dag_executor's generator, deterministic per position.
- Command line: `predictor-train CONFIG [--key=value ...]` (`predictor_trainer.cli`).
"""

from predictor_trainer.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from predictor_trainer.config import TrainConfig, load_config, shipped_configs
from predictor_trainer.data import DagBatch, ExampleStream
from predictor_trainer.errors import CheckpointError, PredictorTrainerError, TrainConfigError
from predictor_trainer.evaluate import evaluate
from predictor_trainer.schedule import learning_rate_at
from predictor_trainer.train import RunResult, build_model, run_evaluation, train

__all__ = [
    "CheckpointError",
    "DagBatch",
    "ExampleStream",
    "PredictorTrainerError",
    "RunResult",
    "TrainConfig",
    "TrainConfigError",
    "build_model",
    "evaluate",
    "latest_checkpoint",
    "learning_rate_at",
    "load_checkpoint",
    "load_config",
    "run_evaluation",
    "save_checkpoint",
    "shipped_configs",
    "train",
]
