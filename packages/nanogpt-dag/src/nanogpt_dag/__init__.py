"""A nanoGPT-style transformer with a DAG predictor head that learns executable arithmetic DAGs.

- `GPTConfig`, `GPT`: the backbone (causal self-attention via SDPA, optional tied LM head).
- `load_gpt2`, `save_gpt2`, `gpt2_state_dict`: GPT-2 weights in the Hugging Face layout.
- `DagPredictorHead`, `DagPrediction`: hidden state -> scores of the `dag_executor` tensors.
- `PredictorConfig`, `PredictorOnlyModel`: backbone + head, predicting from the last token.
- `dag_losses`, `DagLosses`, `DagLossWeights`: masked per-component losses + execution loss;
  `component_masks`: what each component is scored over.
- `CharTokenizer`: character-level tokenizer for arithmetic text (no network).
- `atomic_write` / `atomic_directory`: write a file (a folder) under a temporary name and
  rename it into place.
"""

from nanogpt_dag.atomic import atomic_directory, atomic_write, remove_temporaries
from nanogpt_dag.dag_head import (
    OPERAND_COEFFICIENTS,
    DagPrediction,
    DagPredictorHead,
    causal_operand_mask,
)
from nanogpt_dag.errors import (
    CheckpointFormatError,
    ModelConfigError,
    NanoGptDagError,
    SequenceTooLongError,
    TokenizerError,
)
from nanogpt_dag.gpt import GPT, GPTConfig
from nanogpt_dag.gpt2_weights import gpt2_state_dict, load_gpt2, save_gpt2
from nanogpt_dag.losses import (
    DagLosses,
    DagLossWeights,
    component_masks,
    dag_losses,
    execution_loss,
    masked_mean,
)
from nanogpt_dag.predictor import PredictorConfig, PredictorOnlyModel
from nanogpt_dag.tokenizer import ARITHMETIC_ALPHABET, CharTokenizer

__all__ = [
    "ARITHMETIC_ALPHABET",
    "GPT",
    "OPERAND_COEFFICIENTS",
    "CharTokenizer",
    "CheckpointFormatError",
    "DagLossWeights",
    "DagLosses",
    "DagPrediction",
    "DagPredictorHead",
    "GPTConfig",
    "ModelConfigError",
    "NanoGptDagError",
    "PredictorConfig",
    "PredictorOnlyModel",
    "SequenceTooLongError",
    "TokenizerError",
    "atomic_directory",
    "atomic_write",
    "causal_operand_mask",
    "component_masks",
    "dag_losses",
    "execution_loss",
    "gpt2_state_dict",
    "load_gpt2",
    "masked_mean",
    "remove_temporaries",
    "save_gpt2",
]
