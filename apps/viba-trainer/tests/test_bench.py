"""tools/bench/viba_bench.py runs end to end (scripted backend) and ends with its two ratios."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
BENCH = Path(__file__).parents[3] / "tools" / "bench" / "viba_bench.py"


def run(*args, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, str(BENCH), "--backend", "scripted", *args],
        capture_output=True, text=True, timeout=600, env=env, check=True,
    )  # fmt: skip
    return done.stdout.splitlines()


def test_bench_prints_every_baseline_and_ends_with_both_ratios(tmp_path):
    lines = [line for line in run("--iterations", "2", tmp_path=tmp_path) if line.strip()]
    methods = [line.split()[0] for line in lines if re.match(r"^\w[\w-]* +\d\.\d{4} ", line)]
    assert methods == ["zero-shot", "knn", "zero-plain", "knn-plain", "trained"]
    assert re.fullmatch(r"held-out loss ratio: \d+\.\d{3}", lines[-2])
    assert re.fullmatch(r"knn loss ratio: \d+\.\d{3}", lines[-1])
    assert float(lines[-2].split(": ")[1]) > 1  # the scripted copier is better with rows


def test_levers_ladder_scores_every_rung(tmp_path):
    lines = run("--levers", "--split", "validation", tmp_path=tmp_path)
    rungs = [line for line in lines if line.startswith(("plain", "+ "))]
    assert len(rungs) == 8 and rungs[-1].startswith("+ constrained decoding")
