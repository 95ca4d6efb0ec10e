"""Conventions every console script keeps: ``--version``, and Ctrl-C ends with status 130 and
one line, never a KeyboardInterrupt traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from importlib.metadata import version

import pytest

SCRIPTS = {
    "viba-train": "viba-trainer",
    "predictor-train": "predictor-trainer",
    "answer-train": "predictor-trainer",
    "neural-structures-train": "neural-structures",
    "neurallambda": "neurallambda",
    "dag-exec": "dag-executor",
    "llm-backends": "llm-backends",
}
BIN = os.path.dirname(sys.executable)


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_version_names_the_program_and_its_distribution_version(script):
    done = subprocess.run(
        [os.path.join(BIN, script), "--version"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{script} {version(SCRIPTS[script])}"


# Commands that run long enough to be interrupted.
LONG_RUNS = {
    "neural-structures-train": ["--steps", "100000", "--log-every", "1"],
    "neurallambda": ["run", "((fn [x] (x x)) (fn [x] (x x)))", "--steps", "10000"],
    "predictor-train": ["tiny", "--max_iters=100000", "--out_dir={tmp}/run"],
    "answer-train": ["--steps", "100000", "--output-dir", "{tmp}/run"],
}


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(LONG_RUNS))
def test_ctrl_c_exits_130_with_one_line(script, tmp_path):
    argv = [arg.replace("{tmp}", str(tmp_path)) for arg in LONG_RUNS[script]]
    process = subprocess.Popen(
        [os.path.join(BIN, script), *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        # A terminal's Ctrl-C: a suite started in the background (`cmd &` in a script) would
        # hand its children an ignored SIGINT, and the command would never see the signal.
        preexec_fn=_default_sigint,
    )
    try:
        time.sleep(8)  # past the imports, into the work
        assert process.poll() is None, process.communicate()[1][-2000:]
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:  # never leave a 100,000-step run behind a failed test
            process.kill()
            process.communicate()
    assert process.returncode == 130, stderr[-2000:]
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert stderr.count(f"{script}: interrupted") == 1, stderr[-2000:]


def _interrupt(*args, **kwargs):
    raise KeyboardInterrupt


@pytest.mark.parametrize(
    ("module", "patched", "argv", "script"),
    [
        ("dag_executor.cli", "expression_to_dag", ["1 + 2"], "dag-exec"),
        ("llm_backends.cli", "make_backend", ["{tmp}", "-i", "do it"], "llm-backends"),
        ("neurallambda.cli", "_run", ["run", "(+ 1 2)"], "neurallambda"),
        ("neural_structures.train", "make_task", [], "neural-structures-train"),
        ("predictor_trainer.cli", "load_config", ["tiny"], "predictor-train"),
        ("predictor_trainer.answer_cli", "run", ["--output-dir", "{tmp}/run"], "answer-train"),
    ],
)
def test_an_interrupt_anywhere_in_main_exits_130(
    module, patched, argv, script, monkeypatch, capsys, tmp_path
):
    """Every console script, interrupted inside its work, says so in one line and exits 130."""
    import importlib

    cli = importlib.import_module(module)
    monkeypatch.setattr(cli, patched, _interrupt)
    assert cli.main([arg.replace("{tmp}", str(tmp_path)) for arg in argv]) == 130
    assert capsys.readouterr().err.startswith(f"{script}: interrupted")
