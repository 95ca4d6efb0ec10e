"""Domain exceptions of nanogpt-dag: each message says what was wrong and how to fix it."""


class NanoGptDagError(Exception):
    """Base class of every error nanogpt-dag raises on purpose."""


class ModelConfigError(NanoGptDagError, ValueError):
    """A model configuration is inconsistent (e.g. n_embd not divisible by n_head)."""


class SequenceTooLongError(NanoGptDagError, ValueError):
    """An input sequence is longer than the model's block_size."""


class TokenizerError(NanoGptDagError, ValueError):
    """Text contains a character the tokenizer does not know, or ids are out of range."""


class CheckpointFormatError(NanoGptDagError, ValueError):
    """A weight file does not have the layout or shapes the model expects."""
