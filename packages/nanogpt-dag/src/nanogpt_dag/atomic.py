"""Atomic file writes: a reader, or a crash, sees the old file or the whole new one, never half."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], object]) -> None:
    """Let `write(tmp)` create the file at a temporary path beside `path`, then rename it there.

    The temporary file keeps `path`'s suffix (so `savefig` picks the right format), is synced to
    disk and given mode 0644 before the rename, and is removed if `write` fails.

        atomic_write(out / "LATEST", lambda tmp: tmp.write_text(name))
    """
    path = Path(path)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        with tmp.open("rb") as written:
            os.fsync(written.fileno())
        tmp.chmod(0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
