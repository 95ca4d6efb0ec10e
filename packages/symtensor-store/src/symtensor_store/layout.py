"""The on-disk layout of a symbolic tensor, and the atomic file operations on it.

    {root}/{uid}/shape                         JSON list, e.g. [2, 3]
    {root}/{uid}/storage/<d>/<d>/.../data      one folder per decimal digit of the flat index
                                               (flat index 11 -> storage/1/1/data)

An element without a `data` file is *none*. Views are symbolic links to another tensor's element
path; every write goes through the link to the file it finally names, so parents see writes made
through their views. Writes are atomic: a temporary file in the same folder, then `os.replace`.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

from symtensor_store import atomic
from symtensor_store.errors import StorageError

SHAPE_FILE = "shape"
STORAGE_DIR = "storage"
DATA_FILE = "data"
PATCHED_FILE = "patched"  # JSON list of the flat indices a patch has changed


def tensor_dir(root: Path, uid: str) -> Path:
    """The folder `{root}/{uid}` that holds one tensor's shape and storage."""
    return Path(root) / uid


def element_relpath(flat_index: int) -> Path:
    """Path of an element's data file relative to the storage folder: 11 -> `1/1/data`."""
    if flat_index < 0:
        raise ValueError(f"flat index must be >= 0, got {flat_index}")
    return Path(*str(flat_index)) / DATA_FILE


def element_file(root: Path, uid: str, flat_index: int) -> Path:
    """Absolute-or-root-relative path of one element's data file."""
    return tensor_dir(root, uid) / STORAGE_DIR / element_relpath(flat_index)


def numel(shape: Sequence[int]) -> int:
    """Number of elements of a shape (1 for a 0-d tensor)."""
    return math.prod(shape)


# ---------------------------------------------------------------------------------------------
# atomic writes


def _final_target(path: Path) -> Path:
    """Follow symbolic links (even dangling ones) to the file a write must replace."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def atomic_write_text(path: Path, text: str) -> None:
    """Write `text` (UTF-8, no newline translation) to element file `path` atomically.

    If `path` is a symbolic link, the file it names is replaced and the link is kept. Raises
    StorageError (naming the path) when the text cannot be encoded or the file cannot be written.
    """
    try:
        atomic.atomic_write_text(_final_target(Path(path)), text, durable=False)
    except UnicodeEncodeError as error:
        raise StorageError(f"{path}: text cannot be stored as UTF-8 ({error.reason})") from error
    except OSError as error:
        raise StorageError(f"{path}: cannot write element ({error.strerror or error})") from error


def atomic_symlink(link: Path, points_to: str | Path) -> None:
    """Make `link` a symbolic link to `points_to`, replacing whatever was there atomically."""
    link = Path(link)
    try:
        atomic.atomic_symlink(link, points_to)
    except OSError as error:
        raise StorageError(f"{link}: cannot link element ({error.strerror or error})") from error


def remove_tensor_dir(root: Path, uid: str) -> None:
    """Delete the folder of tensor `uid` under `root` (shape and storage); nothing if it is gone."""
    shutil.rmtree(tensor_dir(root, uid), ignore_errors=True)


def remove_element(path: Path) -> None:
    """Make an element none: delete the data file it (finally) names, if any."""
    target = _final_target(Path(path))
    target.unlink(missing_ok=True)


def read_text(path: Path) -> str | None:
    """Content of an element file (following links), or None when there is no file."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError as error:
        raise StorageError(f"{path}: expected an element data file, found a directory") from error
    except OSError as error:  # e.g. a symbolic link loop, no permission
        raise StorageError(f"{path}: cannot read element ({error.strerror or error})") from error
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise StorageError(f"{path}: element data is not valid UTF-8 ({error})") from error


def copy_element(source: Path, target: Path) -> None:
    """Give the element at `target` the content of the one at `source`: its text, or none."""
    text = read_text(source)
    if text is None:
        remove_element(target)
    else:
        atomic_write_text(target, text)


# ---------------------------------------------------------------------------------------------
# shape file


def write_shape(root: Path, uid: str, shape: Sequence[int]) -> None:
    """Create the tensor folder and write its `shape` file."""
    atomic_write_text(tensor_dir(root, uid) / SHAPE_FILE, json.dumps([int(d) for d in shape]))


def read_shape(directory: Path) -> tuple[int, ...]:
    """Read and validate `{directory}/shape`; raise StorageError naming the path otherwise."""
    path = Path(directory) / SHAPE_FILE
    if not Path(directory).is_dir():
        raise StorageError(f"{directory}: no symbolic tensor here (folder does not exist)")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise StorageError(f"{path}: shape file is missing") from error
    except UnicodeDecodeError as error:
        raise StorageError(f"{path}: shape file is not UTF-8 text ({error.reason})") from error
    except OSError as error:  # a directory, no permission, ...
        raise StorageError(f"{path}: cannot read shape file ({error.strerror or error})") from error
    try:
        shape = json.loads(text)
    except json.JSONDecodeError as error:
        raise StorageError(
            f"{path}: shape file is not JSON ({error.msg}): {text[:60]!r}"
        ) from error
    valid = isinstance(shape, list) and all(
        isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape
    )
    if not valid:
        raise StorageError(
            f"{path}: shape must be a JSON list of non-negative ints, got {text[:60]!r}"
        )
    return tuple(shape)


def read_patched(root: Path, uid: str) -> set[int]:
    """Flat indices of the elements of tensor `uid` that a patch has changed (none recorded: {})."""
    path = tensor_dir(root, uid) / PATCHED_FILE
    try:
        return set(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return set()
    except (OSError, ValueError, TypeError) as error:
        raise StorageError(f"{path}: unreadable record of patched elements ({error})") from error


def add_patched(root: Path, uid: str, flat_indices: Iterator[int] | Sequence[int]) -> None:
    """Add `flat_indices` to the record of patched elements of tensor `uid` (atomic)."""
    new = set(flat_indices)
    if new:
        merged = sorted(read_patched(root, uid) | new)
        atomic_write_text(tensor_dir(root, uid) / PATCHED_FILE, json.dumps(merged))


# ---------------------------------------------------------------------------------------------
# validation


def stored_flat_indices(directory: Path) -> Iterator[tuple[int, Path]]:
    """Yield (flat index, data path) for every element file under `{directory}/storage`.

    Raises StorageError for a path that is not a valid digit path (e.g. `storage/x/data`).
    """
    storage = Path(directory) / STORAGE_DIR
    if not storage.is_dir():
        return
    for dirpath, _dirnames, filenames in os.walk(storage):
        if DATA_FILE not in filenames:
            continue
        relative = Path(dirpath).relative_to(storage).parts
        digits = "".join(relative)
        well_formed = (
            len(relative) > 0
            and all(len(part) == 1 and part.isdigit() for part in relative)
            and (digits == "0" or not digits.startswith("0"))
        )
        data_path = Path(dirpath) / DATA_FILE
        if not well_formed:
            raise StorageError(
                f"{data_path}: not a valid element path (expected storage/<digits>/data)"
            )
        yield int(digits), data_path


def validate_storage(directory: Path, shape: Sequence[int]) -> list[Path]:
    """Raise StorageError if any stored element lies outside `shape`; else return the data
    paths of the stored elements."""
    size = numel(shape)
    paths = []
    for flat_index, data_path in stored_flat_indices(directory):
        if flat_index >= size:
            raise StorageError(
                f"{data_path}: element {flat_index} lies outside shape {list(shape)} "
                f"({size} elements)"
            )
        paths.append(data_path)
    return paths
