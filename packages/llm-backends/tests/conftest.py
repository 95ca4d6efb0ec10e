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
