from pathlib import Path

import pytest


@pytest.fixture
def make_workspace(tmp_path: Path):
    """Create a workspace directory with the given files (relative path -> content)."""
    counter = iter(range(10_000))

    def make(files: dict[str, str] | None = None) -> Path:
        root = tmp_path / f"ws{next(counter)}"
        root.mkdir()
        for name, text in (files or {"main.py": "TODO", "notes.txt": "context"}).items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text)
        return root

    return make


@pytest.fixture
def jail(tmp_path: Path) -> Path:
    """A workspace ``tmp_path/ws`` holding ``ok.py`` (TODO), next to ``secret.txt``
    (TOP-SECRET-42) and a folder ``outside`` that must never change, with links out of the
    workspace to both (``link_out``, ``dir_out``)."""
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "ok.py").write_text("TODO")
    (tmp_path / "secret.txt").write_text("TOP-SECRET-42")
    (tmp_path / "outside").mkdir()
    (ws / "link_out").symlink_to(tmp_path / "secret.txt")
    (ws / "dir_out").symlink_to(tmp_path / "outside", target_is_directory=True)
    return ws
