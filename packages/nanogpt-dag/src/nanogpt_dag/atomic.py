"""Atomic file writes: a reader, or a crash, sees the old file or the whole new one, never half.

The one copy for dag-executor's line (nanogpt-dag, predictor-trainer). symtensor-store and
neural-structures keep their own: none of these packages may depend on another line's.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

TMP = ".tmp"  # marks a temporary: every one is named `.<target name>.<random>.tmp[<suffix>]`


def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], object]) -> None:
    """Let `write(tmp)` create the file at a temporary path beside `path`, then rename it there.

    The temporary file (`.<name>.<random>.tmp<suffix>`) keeps `path`'s suffix (so `savefig`
    picks the right format), is synced to
    disk and given mode 0644 before the rename, and is removed if `write` fails.

        atomic_write(out / "LATEST", lambda tmp: tmp.write_text(name))
    """
    path = Path(path)
    fd, name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=f"{TMP}{path.suffix}"
    )
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


def remove_temporaries(folder: str | os.PathLike[str]) -> None:
    """Delete the temporaries that interrupted atomic writes left in ``folder`` (a killed run)."""
    for leftover in Path(folder).glob(f".*{TMP}*"):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)


@contextmanager
def atomic_directory(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary sibling folder; on success it replaces ``path`` (an older folder of
    that name is removed first). Files get mode 0644 and the folder 0755; on an exception the
    temporary folder is removed and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=TMP))
    try:
        yield tmp
        tmp.chmod(0o755)
        for file in tmp.iterdir():
            file.chmod(0o644)
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
