"""Atomic writes: a reader, or a crash, sees the old file or the whole new one, never half.

One mechanism for symtensor-store and everything built on it (symtensor-autograd, viba-trainer):
element files, run files (configs, metrics, plots) and whole folders (checkpoints). A temporary
beside the target is written, then renamed over it with ``os.replace``.

``tempfile`` makes private temporaries (mode 0600 / 0700); they get the mode an ordinary
``open`` / ``mkdir`` would give (0666 / 0777 minus the umask) before the rename, so results are
as readable as any other file the user writes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
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
    """Give a temporary file (0o666) or directory (0o777) the mode ``open``/``mkdir`` would."""
    os.chmod(path, mode & ~_UMASK)


def atomic_write(
    path: str | os.PathLike[str], write: Callable[[Path], object], *, durable: bool = True
) -> None:
    """Let ``write(tmp)`` create the file at a temporary path beside ``path``, then rename it.

    The temporary, ``.<stem>.<random><suffix>.tmp``, ends in ``.tmp`` so that a killed run's
    leftovers are recognisable (give ``savefig`` its ``format``); with ``durable`` it
    is synced to disk before the rename (element files skip that: they are many and small). The
    temporary is removed if anything fails.

        atomic_write(out / "plot.png", lambda tmp: figure.savefig(tmp))
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(
        prefix=f".{path.stem}.", suffix=f"{path.suffix}.tmp", dir=path.parent
    )
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        if durable:
            with tmp.open("rb") as written:
                os.fsync(written.fileno())
        _publish(tmp, 0o666)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str, *, durable: bool = True) -> None:
    """Write ``text`` as UTF-8 (no newline translation) to ``path`` atomically."""
    payload = text.encode("utf-8")
    atomic_write(path, lambda tmp: tmp.write_bytes(payload), durable=durable)


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
