"""Bad input to any console script: one line naming the problem, a non-zero status, no
traceback, no hang, nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def _setup(tmp: Path) -> None:
    (tmp / "a_file").write_text("x")
    (tmp / "latin1.toml").write_bytes(b"max_iters = 1 # caf\xe9\n")
    (tmp / "viba_run").mkdir()
    (tmp / "pt_run" / "checkpoints").mkdir(parents=True)
    (tmp / "pt_run" / "checkpoints" / "LATEST").write_bytes(b"step-\xff")


# (id, script, argv); {tmp} is the test's folder
CASES = [
    ("out-dir-is-a-file", "predictor-train", ["tiny", "--out_dir={tmp}/a_file"]),
    ("out-dir-under-a-file", "predictor-train", ["tiny", "--out_dir={tmp}/a_file/run"]),
    ("config-not-utf8", "predictor-train", ["{tmp}/latin1.toml"]),
    ("config-missing", "predictor-train", ["{tmp}/nothing.toml"]),
    ("huge-seed", "predictor-train", ["tiny", "--seed=100000000000000000000000000000"]),
    ("absurd-size", "predictor-train", ["tiny", "--n_embd=10000000", "--out_dir={tmp}/r"]),
    ("huge-seed", "neural-structures-train", ["--seed", "100000000000000000000000000000"]),
    ("huge-lengths", "neural-structures-train", ["--test-lengths", "1000000000-1000000000"]),
    ("huge-lengths-float", "neural-structures-train", ["--test-lengths", "1e9-1e9"]),
    ("negative-threads", "neural-structures-train", ["--threads=-1"]),
    ("infinite-lr", "neural-structures-train", ["--lr", "inf"]),
    ("nan-lr", "neural-structures-train", ["--lr", "nan"]),
    ("absurd-hidden", "neural-structures-train", ["--hidden-size", "100000000"]),
    ("deep-nesting", "neurallambda", ["run", "(+ " * 1000 + "1" + " 1)" * 1000]),
    (
        "huge-steps",
        "neurallambda",
        ["run", "((fn [x] (x x)) (fn [x] (x x)))", "--steps", "100000000"],
    ),
    ("absurd-cells", "neurallambda", ["run", "(+ 1 2)", "--cells", "100000000"]),
    (
        "nan-timeout",
        "llm-backends",
        ["{tmp}", "-i", "do it", "-b", "scripted", "--timeout", "nan"],
    ),
    (
        "infinite-timeout",
        "llm-backends",
        ["{tmp}", "-i", "do it", "-b", "scripted", "--timeout", "inf"],
    ),
    (
        "negative-concurrency",
        "llm-backends",
        ["{tmp}", "-i", "do it", "-b", "scripted", "--concurrency", "-3"],
    ),
    ("empty-output-dir", "viba-train", ["--backend", "scripted", "--output-dir", ""]),
    (
        "output-dir-is-a-file",
        "viba-train",
        ["--backend", "scripted", "--output-dir", "{tmp}/a_file"],
    ),
    (
        "evaluate-missing",
        "viba-train",
        ["evaluate", "--experience", "{tmp}/nothing", "--backend", "scripted"],
    ),
    (
        "resume-empty",
        "viba-train",
        ["--backend", "scripted", "--resume", "--output-dir", "{tmp}/viba_run"],
    ),
    ("deep-expression", "dag-exec", ["(" * 1000 + "1" + ")" * 1000]),
    ("beyond-range", "dag-exec", ["--depth", "100", "*".join(["9999"] * 27)]),
    (
        "latest-not-utf8",
        "predictor-train",
        ["tiny", "--init_from=resume", "--out_dir={tmp}/pt_run"],
    ),
    ("scratch-over-a-run", "predictor-train", ["tiny", "--out_dir={tmp}/pt_run"]),
    ("init-from-nothing", "predictor-train", ["tiny", "--init_from={tmp}/viba_run"]),
    ("out-dir-is-a-file", "answer-train", ["--output-dir", "{tmp}/a_file"]),
    ("absurd-size", "answer-train", ["--n-embd", "10000000", "--output-dir", "{tmp}/r"]),
    ("huge-seed", "answer-train", ["--seed", "100000000000000000000000000000"]),
    ("scratch-over-a-run", "answer-train", ["--output-dir", "{tmp}/pt_run"]),
    ("init-from-nothing", "answer-train", ["--init-from", "{tmp}/viba_run", "--output-dir", "r"]),
    ("resume-unreadable", "answer-train", ["--resume", "--output-dir", "{tmp}/pt_run"]),
]


@pytest.mark.parametrize(("case", "script", "argv"), CASES, ids=[f"{s}:{c}" for c, s, _ in CASES])
def test_bad_input_is_a_one_line_error(case, script, argv, tmp_path):
    _setup(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    argv = [arg.replace("{tmp}", str(tmp_path)) for arg in argv]
    done = subprocess.run(
        [str(BIN / script), *argv],
        capture_output=True,
        text=True,
        timeout=90,
        cwd=tmp_path,
        env={**os.environ, "LLM_CACHE_DIR": str(tmp_path / ".cache")},
    )
    assert done.returncode != 0, f"{script} accepted it:\n{done.stdout[-500:]}"
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines and "error" in lines[-1].lower(), done.stderr[-1000:]
    after = sorted(p.name for p in tmp_path.iterdir() if p.name != ".cache")
    assert after == before, f"{script} wrote {set(after) - set(before)}"
