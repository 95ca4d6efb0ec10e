"""Atomic writes: a reader, or a crash, sees the old file or the whole new one, never half.

One mechanism for symtensor-store and everything built on it (symtensor-autograd, viba-trainer):
element files, run files (configs, metrics, plots), whole folders (checkpoints) and symbolic
links (linked elements, a run's ``best``). A temporary beside the target is written, then
renamed over it with ``os.replace``.

Files get the mode an ordinary ``open`` gives (0666 minus the umask) and folders, which
``tempfile`` makes private (0700), the mode ``mkdir`` gives (0777 minus the umask), so results
are as readable as any other file the user writes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once, at import: os.umask can only be read by setting it, which would race with threads.
_UMASK = _read_umask()


def _publish(path: str | Path, mode: int) -> None:
    """Give a temporary directory (0o777) the mode ``mkdir`` would."""
    os.chmod(path, mode & ~_UMASK)


def _temporary(path: Path) -> Path:
    """A fresh name beside ``path``: ``.<name>.<random>.tmp``, recognisable as a leftover."""
    if not os.path.isdir(path.parent):
        path.parent.mkdir(parents=True, exist_ok=True)
    return path.parent / f".{path.name}.{uuid.uuid4().hex[:12]}.tmp"


def atomic_write(
    path: str | os.PathLike[str], write: Callable[[Path], object], *, durable: bool = True
) -> None:
    """Let ``write(tmp)`` create the file at a temporary path beside ``path``, then rename it.

    The temporary (``.<name>.<random>.tmp``) is created by ``write`` itself, so it gets the
    mode of any file the user writes; give ``savefig`` its ``format``, the name ends in
    ``.tmp``. With ``durable`` it is synced to disk before the rename. The temporary is removed
    if anything fails.

        atomic_write(out / "plot.png", lambda tmp: figure.savefig(tmp, format="png"))
    """
    path = Path(path)
    tmp = _temporary(path)
    try:
        write(tmp)
        if durable:
            with tmp.open("rb") as written:
                os.fsync(written.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str, *, durable: bool = True) -> None:
    """Write ``text`` as UTF-8 (no newline translation) to ``path`` atomically.

    One open of the temporary, with an ordinary file's mode (0666 minus the umask): this is
    the path every element write of a symbolic tensor takes.
    """
    payload = text.encode("utf-8")
    path = Path(path)
    tmp = _temporary(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_symlink(link: str | os.PathLike[str], points_to: str | os.PathLike[str]) -> None:
    """Make ``link`` a symbolic link to ``points_to``, replacing whatever was there atomically.

    ``points_to`` is stored as given (a relative target stays relative to ``link``'s folder).
    """
    link = Path(link)
    tmp = _temporary(link)
    os.symlink(points_to, tmp)
    try:
        os.replace(tmp, link)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_directory(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary sibling directory; on success it is renamed to ``path``.

    ``path`` must not exist yet. On an exception the temporary directory is removed and
    ``path`` is left untouched, so a directory named ``path`` is always complete.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        yield tmp
        _publish(tmp, 0o777)
        os.rename(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
