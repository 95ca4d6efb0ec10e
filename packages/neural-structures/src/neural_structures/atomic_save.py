"""Saving tensors to disk so that a crash never leaves a half-written file behind.

The one copy for neural-structures' line (neurallambda builds on it). symtensor-store and
nanogpt-dag keep their own atomic writes: the three lines do not depend on each other.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch


def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], None]) -> None:
    """``write(tmp)`` writes the file at a temporary path in the same folder, which is then
    renamed to ``path``: readers see either the old file or the whole new one; the temporary
    file is removed if writing fails."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_torch_save(payload: Any, path: str | os.PathLike[str]) -> None:
    """``torch.save(payload, path)`` through :func:`atomic_write`."""
    atomic_write(path, lambda tmp: torch.save(payload, tmp))
