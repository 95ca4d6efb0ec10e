"""Every ```python block of every README runs as written, in a fresh folder and a fresh process.

LLM examples run with ``LLM_BACKEND=scripted`` (the default scripted backend answers at once);
everything else is exactly the README's text.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _examples() -> list[tuple[str, int, str]]:
    found = []
    for readme in sorted(REPO.glob("**/README.md")):
        relative = readme.relative_to(REPO)
        if relative.parts[0].startswith(".") or "node_modules" in relative.parts:
            continue
        for number, match in enumerate(BLOCK.finditer(readme.read_text(encoding="utf-8")), 1):
            found.append((str(relative), number, match.group(1)))
    return found


EXAMPLES = _examples()


def test_the_readmes_hold_examples_to_run():
    readmes = {readme for readme, _, _ in EXAMPLES}
    assert "packages/symtensor-autograd/README.md" in readmes
    assert "packages/llm-backends/README.md" in readmes
    assert len(readmes) >= 7


@pytest.mark.parametrize(
    ("readme", "number", "code"), EXAMPLES, ids=[f"{r}#{n}" for r, n, _ in EXAMPLES]
)
def test_readme_example_runs_as_written(tmp_path, readme, number, code):
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")
    env = {**os.environ, "LLM_BACKEND": "scripted", "LLM_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"{readme} example {number} failed:\n{done.stderr[-3000:]}"
