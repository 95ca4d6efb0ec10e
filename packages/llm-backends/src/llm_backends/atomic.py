"""Atomic writes for llm-backends: a reader, or a crash, sees the old file or the whole new one.

A temporary beside the target is written, then renamed over it with ``os.replace``; on any
failure the temporary is removed. Used for task answers written into a workspace, cache entries
and a bundled model assembled on first use.

A private copy of the mechanism in ``symtensor_store.atomic``: llm-backends is a root of its own
(symtensor-autograd depends on both), so neither may import the other.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable
from pathlib import Path

_tmp_counter = itertools.count()


def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], object]) -> None:
    """Let ``write(tmp)`` create the file at a fresh temporary path beside ``path``, then rename
    it over ``path``; the folder is created if missing.

    The temporary's name (``.<name>.<pid>.<thread>.<n>.tmp``) is unique to the writer, so
    concurrent writers of one path never share it; the last rename wins.
    """
    directory, name = os.path.split(os.fspath(path))
    if directory and not os.path.isdir(directory):  # one stat on the hot path of cache writes
        os.makedirs(directory, exist_ok=True)
    tmp = Path(directory, f".{name}.{os.getpid()}.{threading.get_ident()}.{next(_tmp_counter)}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | os.PathLike[str], content: str) -> None:
    """Write ``content`` as UTF-8 (mode 0644, no newline translation) to ``path`` atomically."""

    def write(tmp: Path) -> None:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content.encode("utf-8"))

    atomic_write(path, write)
