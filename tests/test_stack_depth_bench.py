"""The Stack-RNN value-code benchmark runs end to end and ends with its ratio."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "tools" / "bench" / "stack_depth_bench.py"


def test_a_tiny_run_reports_every_code_and_seed_then_the_ratio():
    argv = ["--steps", "3", "--seeds", "0", "--workers", "1", "--test-samples", "2"]
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *argv], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    assert [line.split()[:2] for line in lines[2:4]] == [["tanh", "0"], ["softmax", "0"]]
    assert lines[-3].startswith("median tanh: ") and lines[-2].startswith("median softmax: ")
    ratio = float(lines[-1].removeprefix("softmax value code ratio: "))
    assert ratio > 0
