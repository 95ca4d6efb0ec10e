"""Saving tensors to disk so that a crash never leaves a half-written file behind.

The one copy for neural-structures' line (neurallambda builds on it). symtensor-store and
nanogpt-dag keep their own atomic writes: the three lines do not depend on each other.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import torch


def atomic_torch_save(payload: Any, path: str | os.PathLike[str]) -> None:
    """``torch.save(payload, path)`` through a temporary file in the same folder and a rename.

    Readers see either the old file or the whole new one; the temporary file is removed if
    saving fails.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            torch.save(payload, handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
