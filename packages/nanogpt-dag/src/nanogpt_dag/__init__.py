"""A nanoGPT-style transformer with a DAG predictor head that learns executable arithmetic DAGs."""

from nanogpt_dag.errors import (
    CheckpointFormatError,
    ModelConfigError,
    NanoGptDagError,
    SequenceTooLongError,
    TokenizerError,
)
from nanogpt_dag.gpt import GPT, GPTConfig
from nanogpt_dag.gpt2_weights import gpt2_state_dict, load_gpt2, save_gpt2
from nanogpt_dag.tokenizer import ARITHMETIC_ALPHABET, CharTokenizer

__all__ = [
    "ARITHMETIC_ALPHABET",
    "GPT",
    "CharTokenizer",
    "CheckpointFormatError",
    "GPTConfig",
    "ModelConfigError",
    "NanoGptDagError",
    "SequenceTooLongError",
    "TokenizerError",
    "gpt2_state_dict",
    "load_gpt2",
    "save_gpt2",
]
