"""Packing a symbolic tensor into Python lists, and dumping/loading it to/from a folder.

A dumped tensor is an ordinary tensor folder (`shape` + `storage/...`) plus a `coefficients`
file (JSON: dtype name and flat values); `load_tensor` attaches to such a folder in place.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import torch

from symtensor_store import layout
from symtensor_store.elements import attach, require_symbolic
from symtensor_store.errors import StorageError

COEFFICIENTS_FILE = "coefficients"


def _nest(flat: list[Any], shape: tuple[int, ...]) -> Any:
    if not shape:
        return flat[0]
    if len(shape) == 1:
        return list(flat)
    step = len(flat) // shape[0] if shape[0] else 0
    return [_nest(flat[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]


def pack_tensor(t: torch.Tensor) -> Any:
    """Element texts of `t` as nested lists shaped like `t` (None for none elements; a 0-d
    tensor packs to its single value)."""
    require_symbolic(t)
    flat = [layout.read_text(layout.element_file(t.st_root, t.st_uid, i)) for i in range(t.numel())]
    return _nest(flat, tuple(t.shape))


def dump_tensor(t: torch.Tensor, directory: Path | str, *, as_symlinks: bool = False) -> Path:
    """Write `t` to `directory` (created; must not hold another tensor's files) as a
    self-contained tensor folder: shape, element files (copies, or links with `as_symlinks`),
    and coefficients. Returns the folder.
    """
    require_symbolic(t)
    directory = Path(directory)
    storage = directory / layout.STORAGE_DIR
    if storage.exists():
        shutil.rmtree(storage)
    directory.mkdir(parents=True, exist_ok=True)
    layout.atomic_write_text(directory / layout.SHAPE_FILE, json.dumps(list(t.shape)))
    for i in range(t.numel()):
        source = layout.element_file(t.st_root, t.st_uid, i)
        target = storage / layout.element_relpath(i)
        if not as_symlinks:
            layout.copy_element(source, target)
        elif source.exists():
            layout.atomic_symlink(target, source.resolve())
    coefficients = {
        "dtype": str(t.dtype).removeprefix("torch."),
        "values": t.detach().float().reshape(-1).tolist(),
    }
    layout.atomic_write_text(directory / COEFFICIENTS_FILE, json.dumps(coefficients))
    return directory


def _read_coefficients(directory: Path, shape: tuple[int, ...]) -> torch.Tensor | None:
    path = directory / COEFFICIENTS_FILE
    if not path.exists():
        return None
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        dtype = getattr(torch, payload["dtype"])
        values = torch.tensor(payload["values"], dtype=torch.float32)
    except (ValueError, KeyError, TypeError, AttributeError) as error:  # incl. JSON, UTF-8
        raise StorageError(f"{path}: corrupt coefficients file ({error})") from error
    except OSError as error:
        raise StorageError(
            f"{path}: cannot read coefficients file ({error.strerror or error})"
        ) from error
    if not isinstance(dtype, torch.dtype):
        raise StorageError(
            f"{path}: corrupt coefficients file (unknown dtype {payload['dtype']!r})"
        )
    if values.numel() != layout.numel(shape):
        raise StorageError(f"{path}: {values.numel()} coefficients do not fit shape {list(shape)}")
    return values.reshape(shape).to(dtype)


def _require_link_targets(data_paths: list[Path]) -> None:
    """Raise StorageError for an element link (among `data_paths`) whose file is gone.

    `dump_tensor` links only to existing files, so in a dumped folder a dangling link means a
    file went missing after the dump. (A live tensor folder may hold dangling links on purpose:
    views of none elements.)
    """
    for data_path in data_paths:
        if data_path.is_symlink() and not data_path.exists():
            raise StorageError(
                f"{data_path}: element file is missing (the link points to "
                f"{os.readlink(data_path)}, which no longer exists)"
            )


def load_tensor(directory: Path | str, *, dtype: torch.dtype = torch.bfloat16) -> torch.Tensor:
    """Attach to the tensor folder `directory` (root = its parent, uid = its name).

    Coefficients come from its `coefficients` file when present, else 1 where an element holds
    non-empty text (in `dtype`). Raises StorageError (naming the path) when the folder or `shape` is missing,
    `shape` or `coefficients` is corrupt, an element file lies outside the shape, or (in a
    dumped folder) an element link points to a file that no longer exists.
    """
    directory = Path(directory)
    shape = layout.read_shape(directory)
    stored = layout.validate_storage(directory, shape)
    coefficients = _read_coefficients(directory, shape)
    if coefficients is not None:
        _require_link_targets(stored)
    else:
        flat = [
            1.0
            if layout.read_text(directory / layout.STORAGE_DIR / layout.element_relpath(i))
            else 0.0
            for i in range(layout.numel(shape))
        ]
        coefficients = torch.tensor(flat, dtype=dtype).reshape(shape)
    return attach(coefficients, directory.parent, directory.name)
