"""Creating symbolic tensors and reading/writing their elements.

A symbolic tensor is a plain `torch.Tensor` of coefficients carrying two attributes:
`st_root` (the root folder) and `st_uid` (its storage lives at `st_root / st_uid`). The
coefficient of an element is 1 where it holds text and 0 where it is empty or none.

Torch operations (`t[0]`, `t * 1`, `t.clone()`) see only the coefficients: their results are
plain tensors without `st_root`/`st_uid`. Slice, copy and stack with this package's functions
(or symtensor_autograd's, which add gradients) to get symbolic results.

Storage lives until it is deleted, except for temporaries (`reclaim_when_collected`), whose
folder goes when the tensor object is garbage collected. A view keeps the tensors it links into
alive (`st_bases`), so a temporary's files outlive every view of them.
"""

from __future__ import annotations

import uuid
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from symtensor_store import layout
from symtensor_store.errors import (
    ElementIndexError,
    NotSymbolicError,
    ShapeMismatchError,
    StorageError,
)

TODO_TEXT = "TODO"


def new_uid() -> str:
    """A fresh unique tensor id."""
    return uuid.uuid4().hex


def attach(coefficients: torch.Tensor, root: Path | str, uid: str) -> torch.Tensor:
    """Mark `coefficients` as the symbolic tensor stored at `root / uid` and return it."""
    coefficients.st_root = Path(root)
    coefficients.st_uid = uid
    return coefficients


def reclaim_when_collected(t: torch.Tensor) -> torch.Tensor:
    """Mark `t` as a temporary: its folder is deleted when the tensor object is collected.

    Autograd Functions mark their results and text gradients this way, so that a training loop
    does not leave one folder per intermediate per iteration under the root. Returns `t`.
    """
    require_symbolic(t)
    weakref.finalize(t, layout.remove_tensor_dir, Path(t.st_root), t.st_uid)
    return t


def keep_alive(view: torch.Tensor, *bases: torch.Tensor) -> torch.Tensor:
    """Record that `view` links into the storage of `bases`, keeping them (and their files) alive."""
    view.st_bases = [*getattr(view, "st_bases", ()), *bases]
    return view


def is_symbolic(t: Any) -> bool:
    """True for a torch tensor that carries `st_root` and `st_uid`."""
    return isinstance(t, torch.Tensor) and hasattr(t, "st_root") and hasattr(t, "st_uid")


def require_symbolic(t: Any, what: str = "tensor") -> None:
    """Raise NotSymbolicError unless `t` is a symbolic tensor."""
    if not is_symbolic(t):
        kind = type(t).__name__
        raise NotSymbolicError(
            f"{what} must be a symbolic tensor (made by make_tensor & co., with st_root and "
            f"st_uid), got a plain {kind}"
            + (
                " (torch operations such as t[0], t * 1 or t.clone() keep only the coefficients: "
                "use slice_view, slice_tensor or copy for a symbolic result)"
                if isinstance(t, torch.Tensor)
                else ""
            )
        )


def storage_dir(t: torch.Tensor) -> Path:
    """The folder `{st_root}/{st_uid}/storage` holding the element files of `t`."""
    require_symbolic(t)
    return layout.tensor_dir(t.st_root, t.st_uid) / layout.STORAGE_DIR


def element_path(t: torch.Tensor, flat_index: int) -> Path:
    """Path of the data file of the element at row-major `flat_index` (it may not exist)."""
    require_symbolic(t)
    if not 0 <= flat_index < t.numel():
        raise ElementIndexError(
            f"flat index {flat_index} is outside tensor {t.st_uid} of shape {list(t.shape)}"
        )
    return layout.element_file(t.st_root, t.st_uid, flat_index)


def file_paths(t: torch.Tensor) -> list[Path]:
    """Data-file paths of all elements in flat (row-major) order; none elements included."""
    require_symbolic(t)
    return [layout.element_file(t.st_root, t.st_uid, i) for i in range(t.numel())]


def flat_index_of(t: torch.Tensor, index: Sequence[int] | int) -> int:
    """Row-major flat index of a full element index (negative entries count from the end)."""
    index = (index,) if isinstance(index, int) else tuple(index)
    if len(index) != t.dim():
        raise ElementIndexError(
            f"element index {index} has {len(index)} entries, tensor has {t.dim()} dims "
            f"(shape {list(t.shape)})"
        )
    flat = 0
    for position, size in zip(index, t.shape, strict=True):
        if not -size <= position < size:
            raise ElementIndexError(f"element index {index} is outside shape {list(t.shape)}")
        flat = flat * size + (position % size)
    return flat


def read_element(t: torch.Tensor, index: Sequence[int] | int) -> str | None:
    """Text of the element at `index` (a tuple of ints), or None where the element is none."""
    require_symbolic(t)
    return layout.read_text(element_path(t, flat_index_of(t, index)))


def read_flat(t: torch.Tensor, flat_index: int) -> str | None:
    """Text of the element at row-major `flat_index`, or None."""
    return layout.read_text(element_path(t, flat_index))


def write_element(t: torch.Tensor, index: Sequence[int] | int, text: str) -> None:
    """Atomically write `text` to the element at `index`; its coefficient becomes 1 (0 for "").

    Writing through a view element (a symbolic link) replaces the parent's file.
    """
    require_symbolic(t)
    flat = flat_index_of(t, index)
    layout.atomic_write_text(element_path(t, flat), text)
    with torch.no_grad():
        t.data.view(-1)[flat] = 1 if text else 0


# ---------------------------------------------------------------------------------------------
# constructors


def _infer_shape(data: Any, where: str = "data") -> tuple[int, ...]:
    if isinstance(data, (str, Path)) or data is None:
        return ()
    if not isinstance(data, (list, tuple)):
        raise ShapeMismatchError(
            f"{where}: elements must be str, pathlib.Path or None (or nested lists of them), "
            f"got {type(data).__name__}"
        )
    if not data:
        return (0,)
    shapes = [_infer_shape(item, f"{where}[{i}]") for i, item in enumerate(data)]
    for i, shape in enumerate(shapes):
        if shape != shapes[0]:
            raise ShapeMismatchError(
                f"ragged nested list: {where}[0] has shape {list(shapes[0])} but "
                f"{where}[{i}] has shape {list(shape)}"
            )
    return (len(data), *shapes[0])


def _flatten(data: Any) -> list[str | Path | None]:
    if isinstance(data, (list, tuple)):
        return [leaf for item in data for leaf in _flatten(item)]
    return [data]


def _store_leaf(path: Path, leaf: str | Path | None, symlink: bool) -> float:
    """Write one element from its source; return its coefficient."""
    if leaf is None:
        return 0.0
    if isinstance(leaf, str):
        layout.atomic_write_text(path, leaf)
        return 1.0 if leaf else 0.0
    source = Path(leaf)
    if not source.is_file():
        raise StorageError(f"{source}: source file for a tensor element does not exist")
    if symlink:
        layout.atomic_symlink(path, source.resolve())
        return 1.0 if source.stat().st_size else 0.0
    text = layout.read_text(source) or ""
    layout.atomic_write_text(path, text)
    return 1.0 if text else 0.0


def make_tensor(
    data: Any, root: Path | str, *, symlink: bool = False, dtype: torch.dtype = torch.bfloat16
) -> torch.Tensor:
    """Create a symbolic tensor under `root` from nested lists of str / Path / None.

    A str becomes the element's text; a Path contributes its file's content (or, with
    `symlink=True`, the element becomes a symbolic link to that file); None leaves the element
    none. Coefficients are 1 where an element holds non-empty text, 0 otherwise.
    """
    shape = _infer_shape(data)
    uid = new_uid()
    layout.write_shape(root, uid, shape)
    leaves = _flatten(data)
    coefficients = [
        _store_leaf(layout.element_file(root, uid, i), leaf, symlink)
        for i, leaf in enumerate(leaves)
    ]
    values = torch.tensor(coefficients, dtype=dtype).reshape(shape)
    return attach(values, root, uid)


def make_none_tensor(
    shape: Sequence[int], root: Path | str, *, dtype: torch.dtype = torch.bfloat16
) -> torch.Tensor:
    """An all-none symbolic tensor of `shape` under `root`: zero coefficients, no element files."""
    shape = tuple(int(d) for d in shape)
    if any(d < 0 for d in shape):
        raise ShapeMismatchError(f"shape must have non-negative sizes, got {list(shape)}")
    uid = new_uid()
    layout.write_shape(root, uid, shape)
    return attach(torch.zeros(shape, dtype=dtype), root, uid)


def _filled_like(t: torch.Tensor, text: str, coefficient: float) -> torch.Tensor:
    result = make_none_tensor(t.shape, t.st_root, dtype=t.dtype)
    for i in range(result.numel()):
        layout.atomic_write_text(layout.element_file(result.st_root, result.st_uid, i), text)
    result.fill_(coefficient)
    return result


def none_tensor_like(t: torch.Tensor) -> torch.Tensor:
    """New tensor with the root, shape and dtype of `t`, all elements none (coefficient 0)."""
    require_symbolic(t)
    return make_none_tensor(t.shape, t.st_root, dtype=t.dtype)


def empty_tensor_like(t: torch.Tensor) -> torch.Tensor:
    """New tensor like `t` whose elements are all the empty text "" (coefficient 0)."""
    require_symbolic(t)
    return _filled_like(t, "", 0.0)


def todo_tensor_like(t: torch.Tensor) -> torch.Tensor:
    """New tensor like `t` whose elements all hold the placeholder "TODO" (coefficient 1)."""
    require_symbolic(t)
    return _filled_like(t, TODO_TEXT, 1.0)
