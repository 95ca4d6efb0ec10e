"""torch.autograd Functions over symbolic tensors with a dual numeric + text gradient, StMoe and the StSGD optimizer.

How a text gradient travels from the loss to the experience is told in one place:
:mod:`symtensor_autograd.gradient_channel`.
"""

from symtensor_autograd import functions
from symtensor_autograd.data_loader import FileBatchLoader
from symtensor_autograd.edit_distance import (
    EditDistanceRatio,
    edit_distance_ratio,
    levenshtein_distance,
    text_edit_distance_ratio,
)
from symtensor_autograd.errors import (
    CheckpointError,
    DataLoaderError,
    ExperienceShapeError,
    GradientChannelError,
    LossShapeError,
    RootMismatchError,
    SymbolicAutogradError,
)
from symtensor_autograd.experience import (
    COLUMNS,
    KEY,
    QUERY,
    VALUE,
    ExperienceEntry,
    Retrieval,
    check_experience,
    is_experience,
    jaccard_similarity,
    make_experience,
    mark_experience,
    read_experience,
    retrieve,
)
from symtensor_autograd.functions import *  # noqa: F403 (the Functions' names: functions.__all__)
from symtensor_autograd.gradient_channel import (
    GradientChannel,
    TextGradient,
    channel_of,
    resolve_channel,
    send_diffs,
    stamp,
)
from symtensor_autograd.keywords import (
    KeywordExtractor,
    LexicalKeywords,
    LlmKeywords,
    format_keywords,
    normalize_keywords,
    parse_keyword_text,
)
from symtensor_autograd.llm_runner import FileTask, LlmRunner
from symtensor_autograd.modules import StMoeModule, WithDenseView
from symtensor_autograd.optimizer import StepReport, StSGD
from symtensor_autograd.prompts import StMoePrompts
from symtensor_autograd.tensor_ops import register_tensor_ops
from symtensor_autograd.texts import TensorRef, read_texts, text_tensor, write_texts

__all__ = [
    "COLUMNS",
    "KEY",
    "QUERY",
    "VALUE",
    "CheckpointError",
    "DataLoaderError",
    "EditDistanceRatio",
    "ExperienceEntry",
    "ExperienceShapeError",
    "FileBatchLoader",
    "FileTask",
    "GradientChannel",
    "GradientChannelError",
    "KeywordExtractor",
    "LexicalKeywords",
    "LlmKeywords",
    "LlmRunner",
    "LossShapeError",
    "Retrieval",
    "RootMismatchError",
    "StMoeModule",
    "StMoePrompts",
    "StSGD",
    "StepReport",
    "SymbolicAutogradError",
    "TensorRef",
    "TextGradient",
    "WithDenseView",
    "channel_of",
    "check_experience",
    "edit_distance_ratio",
    "format_keywords",
    "is_experience",
    "jaccard_similarity",
    "levenshtein_distance",
    "make_experience",
    "mark_experience",
    "normalize_keywords",
    "parse_keyword_text",
    "read_experience",
    "read_texts",
    "register_tensor_ops",
    "resolve_channel",
    "retrieve",
    "send_diffs",
    "stamp",
    "text_edit_distance_ratio",
    "text_tensor",
    "write_texts",
]
__all__ += functions.__all__
