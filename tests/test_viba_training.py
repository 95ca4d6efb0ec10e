"""Training through the `viba-train` CLI with the scripted backend: outputs, checkpoints, resume.

The scripted backend copies the best-matching experience example, so it translates a pair
correctly exactly when the experience has learned that pair: iteration 1 starts from an empty
experience (high loss), the optimizer writes the pairs into it, iteration 2 gets them right.
"""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from symtensor_store import load_tensor, pack_tensor
from viba_trainer.cli import main
from viba_trainer.metrics import read_metrics

PAIRS = ["seq", "branch", "loop"]


def train(out, *extra):
    argv = ["train", "--backend", "scripted", "--pairs", *PAIRS, "--output-dir", str(out)]
    return main([*argv, "--quiet", *extra])


@pytest.fixture(scope="module")
def two_iteration_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "viba"
    assert train(out, "--iterations", "2") == 0
    return out


def test_run_writes_metrics_plot_and_a_checkpoint_per_iteration(two_iteration_run):
    out = two_iteration_run
    history = read_metrics(out / "metrics.jsonl")
    assert [m.iteration for m in history] == [1, 2]
    assert (out / "loss_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["step-0001", "step-0002"]
    for step in ("step-0001", "step-0002"):
        assert sorted(p.name for p in (out / "checkpoints" / step / "outputs").iterdir()) == [
            f"{name}.viba" for name in sorted(PAIRS)
        ]


def test_experience_learns_the_pairs_and_loss_falls_to_zero(two_iteration_run):
    first, second = read_metrics(two_iteration_run / "metrics.jsonl")
    assert first.mean_loss > 0.5 and set(first.losses) == set(PAIRS)
    assert first.patches["applied"] == 2 * len(PAIRS)  # key + value of one new row per pair
    assert first.patches["rejected"] == 0
    assert second.mean_loss == 0.0 and second.valid_viba == 1.0
    assert first.llm_calls == second.llm_calls == len(PAIRS)  # one translation per pair


def test_checkpoint_experience_holds_the_python_keys(two_iteration_run):
    experience = load_tensor(two_iteration_run / "checkpoints" / "step-0002" / "experience")
    assert list(experience.shape) == [2 * len(PAIRS), 3]
    keys = [row[1] for row in pack_tensor(experience) if row[1]]
    assert len(keys) == len(PAIRS)
    assert any(key.startswith("def greet(") for key in keys)


def test_resume_continues_from_the_last_checkpoint_without_redoing_it(tmp_path, two_iteration_run):
    out = tmp_path / "viba"
    assert train(out, "--iterations", "1") == 0
    first_line = (out / "metrics.jsonl").read_text().splitlines()[0]
    assert train(out, "--resume", "--iterations", "2") == 0
    lines = (out / "metrics.jsonl").read_text().splitlines()
    assert len(lines) == 2 and lines[0] == first_line
    resumed = read_metrics(out / "metrics.jsonl")
    uninterrupted = read_metrics(two_iteration_run / "metrics.jsonl")
    assert [m.losses for m in resumed] == [m.losses for m in uninterrupted]


def test_a_finished_run_is_not_overwritten_without_resume(two_iteration_run, capsys):
    before = (two_iteration_run / "metrics.jsonl").read_text()
    assert train(two_iteration_run, "--iterations", "2") == 1
    assert "--resume" in capsys.readouterr().err
    assert (two_iteration_run / "metrics.jsonl").read_text() == before


def test_resume_without_a_run_is_an_error(tmp_path, capsys):
    assert train(tmp_path / "nothing", "--resume") == 1
    assert "nothing to resume" in capsys.readouterr().err
    assert not (tmp_path / "nothing").exists()


@pytest.mark.slow
def test_killed_subprocess_resumes_from_its_last_checkpoint(tmp_path):
    out = tmp_path / "viba"
    argv = [sys.executable, "-m", "viba_trainer", "--backend", "scripted", "--quiet"]
    argv += ["--pairs", *PAIRS, "--iterations", "40", "--output-dir", str(out)]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not (out / "checkpoints" / "step-0001").exists():
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, "no checkpoint within 120 s"
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    process.stderr.close()

    steps = sorted(p.name for p in (out / "checkpoints").iterdir() if p.name.startswith("step-"))
    last = int(steps[-1].removeprefix("step-"))
    assert last < 40, "the run finished before it could be killed"
    assert train(out, "--resume", "--iterations", str(last + 1)) == 0

    history = read_metrics(out / "metrics.jsonl")
    assert [m.iteration for m in history] == list(range(1, last + 2))
    assert history[0].mean_loss > 0.5 and all(m.mean_loss == 0.0 for m in history[1:])
    assert not [p for p in (out / "checkpoints").iterdir() if p.name.startswith(".")]
    saved = json.loads((out / "config.json").read_text())
    assert saved["iterations"] == last + 1


def test_progress_bars_name_each_phase(tmp_path, capsys):
    argv = ["--backend", "scripted", "--pairs", "seq", "--iterations", "1"]
    assert main([*argv, "--output-dir", str(tmp_path / "run")]) == 0
    err = capsys.readouterr().err
    for phase in ("iteration 1/1 forward", "iteration 1/1 backward", "iteration 1/1 step"):
        assert phase in err


def test_each_iteration_prints_loss_validity_patches_llm_calls_tokens_and_cache_hits(
    tmp_path, capsys
):
    argv = ["--backend", "scripted", "--pairs", "seq", "loop", "--iterations", "2", "--quiet"]
    assert main([*argv, "--output-dir", str(tmp_path / "run")]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("iteration")]
    assert len(lines) == 2
    for number, line in enumerate(lines, 1):
        assert line.startswith(f"iteration {number}: mean loss ")
        for field in ("valid Viba", "applied=", "fuzzed=", "rejected=", "skipped=", "LLM calls",
                      "cached)", "tokens "):  # fmt: skip
            assert field in line, (field, line)
    assert "mean loss 0.0000, valid Viba 100%" in lines[1]
