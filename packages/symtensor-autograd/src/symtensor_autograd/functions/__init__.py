"""The autograd Functions over symbolic tensors, each with its functional wrapper."""

from symtensor_autograd.functions.attention import (
    Merge,
    SliceAttention,
    TextMerger,
    merge,
    slice_attention,
    st_attention,
)
from symtensor_autograd.functions.slicing import copy, fork, slice_tensor, slice_view
from symtensor_autograd.functions.sparse import (
    DenseToSparse,
    SparseToDense,
    dense_to_sparse,
    sparse_to_dense,
    with_dense_view,
)
from symtensor_autograd.functions.st_moe import StMoe, StMoeConfig, st_moe
from symtensor_autograd.functions.stack import StStack, st_stack

__all__ = [
    "DenseToSparse",
    "Merge",
    "SliceAttention",
    "SparseToDense",
    "StMoe",
    "StMoeConfig",
    "StStack",
    "TextMerger",
    "copy",
    "dense_to_sparse",
    "fork",
    "merge",
    "slice_attention",
    "slice_tensor",
    "slice_view",
    "sparse_to_dense",
    "st_attention",
    "st_moe",
    "st_stack",
    "with_dense_view",
]
