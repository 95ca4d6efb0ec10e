"""Training through the `viba-train` CLI with the scripted backend: outputs, checkpoints, resume.

The scripted backend copies the best-matching experience example, so it translates a unit
correctly exactly when the experience has learned that unit: iteration 1 starts from an empty
experience (high loss), the optimizer writes the units into it, iteration 2 recalls them.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
import torch
from symtensor_autograd import read_texts, write_texts
from symtensor_store import load_tensor, pack_tensor

from viba_trainer import training
from viba_trainer.cli import main
from viba_trainer.config import TrainConfig
from viba_trainer.dataset import PATTERNS, load_pairs
from viba_trainer.evaluation import evaluate_files
from viba_trainer.metrics import IterationMetrics, read_metrics
from viba_trainer.training import best_step
from viba_trainer.translator import Translation

PAIRS = ["seq", "branch", "loop"]


def train(out, *extra):
    argv = ["train", "--backend", "scripted", "--pairs", *PAIRS, "--output-dir", str(out)]
    return main([*argv, "--quiet", "--validation-split", "none", *extra])


def distinct_units(names):
    pairs = load_pairs(names)
    translation = Translation.of(
        [p.python for p in pairs],
        canonical=True,
        statements=True,
        references=[p.viba for p in pairs],
    )
    return set(translation.inputs())


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


def test_experience_learns_the_units_and_loss_falls_to_zero(two_iteration_run):
    first, second = read_metrics(two_iteration_run / "metrics.jsonl")
    units = distinct_units(PAIRS)
    assert first.mean_loss > 0.5 and set(first.losses) == set(PAIRS)
    assert first.patches["applied"] == 2 * len(units)  # key + value of one new row per unit
    assert first.patches["rejected"] == 0
    assert second.mean_loss == 0.0 and second.valid_viba == 1.0
    assert first.llm_calls >= len(units)  # every unit asked, from an empty experience
    assert second.llm_calls == 0  # every unit recalled from the row that learned it


def test_checkpoint_experience_holds_the_canonical_units(two_iteration_run):
    experience = load_tensor(two_iteration_run / "checkpoints" / "step-0002" / "experience")
    units = distinct_units(PAIRS)
    assert list(experience.shape) == [2 * len(units), 3]
    keys = {row[1] for row in pack_tensor(experience) if row[1]}
    assert keys == units
    assert "def f1() -> str:  # statement, returns v1\n    return v1\n" in keys
    assert not any("greet" in key for key in keys)  # names are placeholders


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
    assert train(two_iteration_run, "--iterations", "2") == 2  # bad usage, refused before any work
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


def test_progress_is_one_plain_line_per_phase_when_not_on_a_terminal(tmp_path, capsys):
    argv = ["--backend", "scripted", "--pairs", "seq", "--iterations", "1"]
    assert main([*argv, "--output-dir", str(tmp_path / "run")]) == 0
    err = capsys.readouterr().err
    assert "\r" not in err  # no bar fragments in a log file
    for phase in ("iteration 1/1 forward", "iteration 1/1 backward", "iteration 1/1 step"):
        assert re.search(rf"^{phase}: \d+ LLM calls, \d+\.\d s$", err, re.MULTILINE), err


def test_a_run_leaves_nothing_behind_and_clears_a_killed_runs_leftovers(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    out = tmp_path / "run"
    (out / ".tensors" / "old").mkdir(parents=True)  # what a killed run leaves
    (out / ".loss_curve.k1ll3d.png.tmp").write_bytes(b"half a plot")
    assert train(out, "--iterations", "1") == 0
    assert not (out / ".tensors").exists()
    assert not list(out.glob(".*.tmp"))
    assert list((tmp_path / "tmp").iterdir()) == []


def test_each_iteration_prints_loss_validity_patches_llm_calls_tokens_and_cache_hits(
    tmp_path, capsys
):
    argv = ["--backend", "scripted", "--pairs", "seq", "loop", "--iterations", "2", "--quiet"]
    assert main([*argv, "--output-dir", str(tmp_path / "run")]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("iteration")]
    assert len(lines) == 2
    for number, line in enumerate(lines, 1):
        assert line.startswith(f"iteration {number}: train loss ")
        for field in ("valid Viba", "applied=", "fuzzed=", "rejected=", "skipped=", "LLM calls",
                      "cached)", "tokens "):  # fmt: skip
            assert field in line, (field, line)
    assert "train loss 0.0000, strictly valid Viba 100%" in lines[1]


@pytest.fixture(scope="module")
def validated_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("validated") / "viba"
    argv = ["--backend", "scripted", "--quiet", "--pairs", *PAIRS, "--iterations", "2"]
    assert main([*argv, "--output-dir", str(out)]) == 0
    return out


def test_each_iteration_scores_the_validation_split_and_keeps_the_best(validated_run):
    history = read_metrics(validated_run / "metrics.jsonl")
    for record in history:
        assert set(record.validation_losses) == {f"{p}_3" for p in PATTERNS}
        assert 0 < record.validation_loss < 1 and 0 <= record.validation_strict <= 1
        step = validated_run / "checkpoints" / f"step-{record.iteration:04d}"
        assert len(list((step / "validation").iterdir())) == 12
    best = min(history, key=lambda r: (r.validation_loss, r.iteration))
    assert (validated_run / "best").resolve().name == f"step-{best.iteration:04d}"
    assert (validated_run / "best" / "experience" / "shape").is_file()


def test_evaluate_uses_the_best_experience_by_default(validated_run):
    report = evaluate_files(validated_run, [], split="validation", backend="scripted")
    assert report.experience.resolve().parent == (validated_run / "best").resolve()
    best = min(read_metrics(validated_run / "metrics.jsonl"), key=lambda r: r.validation_loss)
    assert report.mean_loss == pytest.approx(best.validation_loss, abs=1e-6)


def test_best_step_ignores_reverted_steps():
    def record(iteration, loss, reverted=False):
        return IterationMetrics(
            iteration, 0.5, {}, 1.0, {}, 0, 0, 0, 0, 0, 1.0,
            validation_loss=loss, reverted=reverted,
        )  # fmt: skip

    assert best_step([record(1, 0.4), record(2, 0.3, reverted=True), record(3, 0.35)]) == (3, 0.35)
    assert best_step([record(1, None)]) is None


def test_revert_on_worse_puts_the_best_experience_back(tmp_path, monkeypatch):
    # A validation loss that rises after the first step: the second step must be reverted.
    losses = iter([0.2, 0.6])
    real = training.Scores.of

    def scripted_scores(outputs, references):
        scores = real(outputs, references)
        if len(references) == 12:  # the validation split
            value = next(losses)
            return training.Scores([value] * 12, scores.strict, scores.exact)
        return scores

    monkeypatch.setattr(training.Scores, "of", staticmethod(scripted_scores))
    out = tmp_path / "viba"
    argv = ["--backend", "scripted", "--quiet", "--pairs", "seq", "--iterations", "2"]
    assert main([*argv, "--revert-on-worse", "--output-dir", str(out)]) == 0
    first, second = read_metrics(out / "metrics.jsonl")
    assert not first.reverted and second.reverted
    assert (out / "best").resolve().name == "step-0001"


def test_load_experience_restores_texts_and_coefficients(tmp_path):
    config = TrainConfig(backend="scripted", pairs=("seq",), validation=(), cache=False)
    handler = training.make_handler("scripted", cache=False, max_tokens=64)
    session = training._Session(config, load_pairs(["seq"]), [], handler, tmp_path / "root")
    session.iteration(1, progress=False)
    saved_texts = read_texts(session.model.experience)
    saved_numbers = session.model.experience.detach().clone()
    session.dump_experience(tmp_path / "saved")
    write_texts(session.model.experience, {1: "changed", 2: "changed"})
    with torch.no_grad():
        session.model.experience.fill_(0.5)
    session.load_experience(tmp_path / "saved")
    assert read_texts(session.model.experience) == saved_texts
    assert torch.equal(session.model.experience.detach(), saved_numbers)


def test_the_storage_root_stays_flat_over_iterations(tmp_path):
    """Training and validating leave no folder per iteration under the storage root."""
    from llm_backends import TaskHandler

    from viba_trainer.scripted import scripted_backend

    config = TrainConfig(iterations=4, pairs=PAIRS, validation=["guard"])
    handler = TaskHandler(scripted_backend(), use_cache=False)
    session = training._Session(config, load_pairs(PAIRS), load_pairs(["guard"]), handler, tmp_path)
    counts = []
    for number in range(1, 5):
        session.iteration(number, progress=False)
        counts.append(sum(1 for _ in tmp_path.iterdir()))
    assert max(counts) == min(counts), counts
    assert session.optimizer.last_report.dropped == []
