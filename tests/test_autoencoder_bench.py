"""The auto-encoder stability benchmark runs end to end (scripted backend) and reports its stats."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "tools" / "bench" / "autoencoder_bench.py"


def test_the_stability_run_reports_each_run_the_spread_and_the_ratio():
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--backend", "scripted", "--runs", "2", "--train", "3"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    assert [line.split(":")[0] for line in lines[:2]] == ["run 1/2", "run 2/2"]
    assert lines[-3].startswith("baseline (empty experience): mean ")
    assert lines[-2].startswith("trained: mean ") and " std " in lines[-2]
    ratio = float(lines[-1].removeprefix("autoencoder held-out loss ratio: "))
    assert ratio > 0


def test_bad_settings_are_one_line_errors():
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--runs", "0"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2 and "must be >= 1" in done.stderr
    assert "Traceback" not in done.stderr
