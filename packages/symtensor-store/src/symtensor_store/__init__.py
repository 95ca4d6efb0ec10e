"""Symbolic tensors: torch tensors whose elements are text files on disk.

A symbolic tensor is a plain `torch.Tensor` of coefficients (1 where an element holds text, 0
where it is empty) with `st_root` and `st_uid` attributes naming its storage folder. This package
creates, slices, assigns, diffs, patches, packs, dumps and loads them; writes are atomic and
diff/patch run in-process with GNU diff/patch semantics.
"""

from symtensor_store.assign import assign_tensor, assign_view
from symtensor_store.elements import (
    element_path,
    empty_tensor_like,
    file_paths,
    is_symbolic,
    keep_alive,
    make_none_tensor,
    make_tensor,
    none_tensor_like,
    read_element,
    reclaim_when_collected,
    require_symbolic,
    storage_dir,
    todo_tensor_like,
    write_element,
)
from symtensor_store.errors import (
    ElementIndexError,
    MalformedDiffError,
    NotSymbolicError,
    ShapeMismatchError,
    StorageError,
    SymbolicTensorError,
)
from symtensor_store.indexing import (
    gather,
    link_to_element,
    select_flat_indices,
    slice_tensor,
    slice_view,
)
from symtensor_store.patch import HunkOutcome, PatchResult, PatchStatus, apply_patch
from symtensor_store.serialization import dump_tensor, load_tensor, pack_tensor
from symtensor_store.sparse import dense_to_sparse, sparse_to_dense, transpose_coordinates
from symtensor_store.stack import stack_tensors
from symtensor_store.tensor_diff import (
    PatchReport,
    cold_start_text,
    diff_tensor,
    mark_patched,
    patch_tensor,
    patched_elements,
    st_patched,
)
from symtensor_store.tensor_ops import Slicer, register_tensor_ops, unregister_tensor_ops
from symtensor_store.unified_diff import unified_diff

# The seed's quick-start names: `tensor([...], root)` and `none(shape, root)`.
tensor = make_tensor
none = make_none_tensor

__all__ = [
    "ElementIndexError",
    "HunkOutcome",
    "MalformedDiffError",
    "NotSymbolicError",
    "PatchReport",
    "PatchResult",
    "PatchStatus",
    "ShapeMismatchError",
    "Slicer",
    "StorageError",
    "SymbolicTensorError",
    "apply_patch",
    "assign_tensor",
    "assign_view",
    "cold_start_text",
    "dense_to_sparse",
    "diff_tensor",
    "dump_tensor",
    "element_path",
    "empty_tensor_like",
    "file_paths",
    "gather",
    "is_symbolic",
    "keep_alive",
    "link_to_element",
    "load_tensor",
    "make_none_tensor",
    "make_tensor",
    "mark_patched",
    "none",
    "none_tensor_like",
    "pack_tensor",
    "patch_tensor",
    "patched_elements",
    "read_element",
    "reclaim_when_collected",
    "register_tensor_ops",
    "require_symbolic",
    "select_flat_indices",
    "slice_tensor",
    "slice_view",
    "sparse_to_dense",
    "st_patched",
    "stack_tensors",
    "storage_dir",
    "tensor",
    "todo_tensor_like",
    "transpose_coordinates",
    "unified_diff",
    "unregister_tensor_ops",
    "write_element",
]
