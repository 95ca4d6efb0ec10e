"""The training loop: it learns, resumes exactly, evaluates, and writes its files."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch
from predictor_trainer import CheckpointError, TrainConfig, latest_checkpoint, load_config, train
from predictor_trainer.cli import main
from safetensors.torch import load_file

MICRO = dict(n_layer=1, n_head=2, n_embd=16, block_size=24, dag_depth=1, max_digits=1,
             max_decimals=0, batch_size=8, grad_accum_steps=2, eval_examples=16, eval_interval=2,
             log_interval=1, checkpoint_interval=2, warmup_iters=2, lr_decay_iters=8,
             learning_rate=3e-3, min_lr=3e-4, progress=False, plot=False, threads=1)  # fmt: skip


def _config(out_dir, **overrides) -> TrainConfig:
    return TrainConfig(**{**MICRO, "out_dir": str(out_dir), **overrides})


def _weights(out_dir):
    return load_file(str(latest_checkpoint(out_dir) / "model.safetensors"))


@pytest.mark.slow
def test_straight_run_equals_half_run_plus_resume(tmp_path):
    straight = train(_config(tmp_path / "a", max_iters=6))
    train(_config(tmp_path / "b", max_iters=4))
    resumed = train(_config(tmp_path / "b", max_iters=6, init_from="resume"))
    assert resumed.last_loss == straight.last_loss
    a, b = _weights(tmp_path / "a"), _weights(tmp_path / "b")
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key
    assert resumed.final_eval == straight.final_eval


def test_resumed_metrics_log_reads_as_one_run(tmp_path):
    train(_config(tmp_path, max_iters=4))
    train(_config(tmp_path, max_iters=6, init_from="resume"))
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    train_steps = [r["step"] for r in records if r["kind"] == "train"]
    assert train_steps == [1, 2, 3, 4, 5, 6]


def test_checkpoint_holds_safetensors_json_config_and_trainer_state(tmp_path):
    train(_config(tmp_path, max_iters=4, keep_checkpoints=1))
    ckpt = latest_checkpoint(tmp_path)
    assert ckpt.name == "step-0004"
    assert {p.name for p in ckpt.iterdir()} == {"model.safetensors", "config.json",
                                                "trainer_state.pt"}  # fmt: skip
    assert json.loads((ckpt / "config.json").read_text())["max_iters"] == 4
    assert torch.load(ckpt / "trainer_state.pt", weights_only=True)["step"] == 4
    assert [p.name for p in (tmp_path / "checkpoints").glob("step-*")] == ["step-0004"]


def test_training_lowers_the_loss(tmp_path):
    result = train(_config(tmp_path, max_iters=40, lr_decay_iters=40, checkpoint_interval=40,
                           eval_interval=0, learning_rate=1e-2, min_lr=1e-3))  # fmt: skip
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    losses = [r["loss"] for r in records if r["kind"] == "train"]
    assert sum(losses[-5:]) / 5 < 0.75 * sum(losses[:5]) / 5
    assert result.final_eval["examples"] == 16


def test_evaluation_reports_exact_match_relative_error_and_component_accuracies(tmp_path):
    metrics = train(_config(tmp_path, eval_only=True)).final_eval
    for key in ("exact_match", "mean_relative_error", "median_relative_error", "digits_accuracy",
                "signs_accuracy", "operands_accuracy", "gates_accuracy", "steps_accuracy"):  # fmt: skip
        assert key in metrics
    assert 0.0 <= metrics["exact_match"] <= 1.0
    assert json.loads((tmp_path / "eval_test.json").read_text())["step"] == 0


def test_resume_without_a_checkpoint_says_what_to_do(tmp_path):
    with pytest.raises(CheckpointError, match="train with init_from=scratch first"):
        train(_config(tmp_path, init_from="resume"))


def test_resume_with_a_different_architecture_is_refused(tmp_path):
    train(_config(tmp_path, max_iters=2))
    with pytest.raises(CheckpointError, match="n_embd: checkpoint 16 vs config 32"):
        train(_config(tmp_path, max_iters=4, n_embd=32, init_from="resume"))


def test_cli_reports_config_errors_without_a_traceback(capsys):
    assert main(["tiny", "--max_iter=3"]) == 2
    assert "unknown key 'max_iter'" in capsys.readouterr().err


@pytest.mark.slow
def test_cli_trains_and_writes_metrics_and_plot(tmp_path, capsys):
    args = [f"--{k}={v}" for k, v in MICRO.items()]
    assert main(["tiny", *args, "--max_iters=2", "--plot=true", f"--out_dir={tmp_path}"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["step"] == 2 and "exact_match" in summary
    assert (tmp_path / "metrics.png").read_bytes()[:4] == b"\x89PNG"


def _write_toml(config: TrainConfig, path) -> str:
    path.write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in config.to_dict().items()))
    return str(path)


@pytest.mark.slow
def test_killed_run_resumes_to_the_same_weights_as_an_uninterrupted_one(tmp_path):
    """SIGKILL a training process after its first checkpoint, resume, compare with a straight run."""
    config = _config(tmp_path / "killed", max_iters=30, checkpoint_interval=3, eval_interval=0)
    toml = _write_toml(config, tmp_path / "run.toml")
    proc = subprocess.Popen([sys.executable, "-m", "predictor_trainer.cli", toml],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    while latest_checkpoint(tmp_path / "killed") is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = int(latest_checkpoint(tmp_path / "killed").name.split("-")[1])
    assert killed_at < 30, "the run finished before it could be killed"
    train(TrainConfig(**{**config.to_dict(), "init_from": "resume"}))
    train(TrainConfig(**{**config.to_dict(), "out_dir": str(tmp_path / "straight")}))
    a, b = _weights(tmp_path / "killed"), _weights(tmp_path / "straight")
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_cli_refuses_a_block_size_shorter_than_the_longest_expression_before_training(
    tmp_path, capsys
):
    """tiny once had block_size 24: seed 1 drew a 26-character text mid-run and stopped there."""
    out_dir = tmp_path / "run"
    args = ["tiny", "--block_size=25", "--max_iters=1", "--progress=false", f"--out_dir={out_dir}"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "block_size 25 is shorter than the longest expression" in err
    assert "(26 characters, e.g. '-((-9) * (-((-9) * (-9))))')" in err
    assert err.count("\n") == 1
    assert not out_dir.exists()


@pytest.mark.parametrize(
    ("override", "message"),
    [("--dag_depth=0", "DagConfig.depth must be >= 1"), ("--device=gpu7", "not a torch device")],
)
def test_cli_reports_bad_values_in_one_line_with_status_2(tmp_path, capsys, override, message):
    assert main(["tiny", override, "--eval_only=true", f"--out_dir={tmp_path}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("predictor-train: error:") and message in err
    assert err.count("\n") == 1


def test_main_config_trains_a_step_and_evaluates(tmp_path):
    """The seed's setup (2 layers, 4 heads, 256 wide, depth 4, 4 + 4 digits) runs end to end."""
    small_run = ["--max_iters=1", "--batch_size=4", "--grad_accum_steps=1", "--eval_examples=8",
                 "--progress=false", "--plot=false", "--threads=1", f"--out_dir={tmp_path}"]  # fmt: skip
    result = train(load_config("main", small_run))
    assert result.step == 1 and result.final_eval["examples"] == 8
    assert latest_checkpoint(tmp_path).name == "step-0001"


def test_progress_in_a_log_file_is_plain_lines_not_bar_fragments(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    script = Path(sys.executable).parent / "predictor-train"
    argv = ["tiny", "--max_iters=5", "--eval_examples=8", "--eval_interval=0"]
    done = subprocess.run(
        [str(script), *argv, f"--out_dir={tmp_path / 'run'}"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "\r" not in done.stderr
    assert done.stderr.splitlines()[-1].startswith("train: step 5/5, loss ")


def test_a_killed_runs_temporaries_are_cleared_on_the_next_start(tmp_path):
    from predictor_trainer.config import load_config
    from predictor_trainer.train import train

    out = tmp_path / "run"
    (out / "checkpoints" / ".step-0005.k1ll3d.tmp").mkdir(parents=True)
    (out / ".metrics.png.k1ll3d.tmp.png").write_bytes(b"half a plot")
    config = load_config("tiny", {"max_iters": 2, "eval_examples": 8, "eval_interval": 0,
                                  "out_dir": str(out), "progress": False})  # fmt: skip
    train(config)
    assert not list(out.glob(".*.tmp*")) and not list((out / "checkpoints").glob(".*.tmp*"))
    assert (out / "metrics.png").is_file()


def test_a_new_run_in_a_folder_holding_a_run_is_refused_and_its_checkpoints_kept(tmp_path):
    from predictor_trainer import TrainConfigError

    train(_config(tmp_path, max_iters=6, checkpoint_interval=6))
    with pytest.raises(TrainConfigError, match=r"already holds a run .step-0006.*--overwrite=true"):
        train(_config(tmp_path, max_iters=2))
    assert latest_checkpoint(tmp_path).name == "step-0006"


def test_overwrite_starts_clean_so_retention_keeps_the_new_runs_checkpoint(tmp_path):
    """The defect: a 2-step scratch run beside a 6-step one sorted its own step 2 below the old
    steps and deleted it; and a new run killed early 'resumed' the old one."""
    train(_config(tmp_path, max_iters=6, checkpoint_interval=3))
    train(_config(tmp_path, max_iters=2, overwrite=True, keep_checkpoints=1))
    names = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
    assert names == ["LATEST", "step-0002"]
    assert latest_checkpoint(tmp_path).name == "step-0002"


def test_retention_orders_checkpoints_by_step_number_not_by_name(tmp_path):
    from predictor_trainer.checkpoint import checkpoint_folders

    for step in (9999, 10000, 200):
        (tmp_path / "checkpoints" / f"step-{step:04d}").mkdir(parents=True)
    assert [p.name for p in checkpoint_folders(tmp_path)] == ["step-0200", "step-9999",
                                                               "step-10000"]  # fmt: skip


def test_init_from_a_checkpoint_folder_takes_its_weights_and_starts_at_step_zero(tmp_path):
    from predictor_trainer.train import _restore, build_model

    train(_config(tmp_path / "a", max_iters=4))
    source = latest_checkpoint(tmp_path / "a")
    config = _config(tmp_path / "b", init_from=str(source))
    model = build_model(config)
    assert _restore(config, model, optimizer=None) is None  # weights only: step 0, new optimizer
    a = _weights(tmp_path / "a")
    for key, value in model.state_dict().items():
        assert torch.equal(a[key], value), key
    resumed = train(_config(tmp_path / "b", max_iters=2, init_from=str(source)))
    assert resumed.step == 2 and latest_checkpoint(tmp_path / "b").name == "step-0002"


def test_init_from_a_gpt2_directory_loads_the_backbone_and_rejects_other_shapes(tmp_path):
    from nanogpt_dag import GPT, GPTConfig, save_gpt2
    from predictor_trainer.train import _restore, build_model

    (tmp_path / "gpt2").mkdir()
    (tmp_path / "gpt2" / "model.safetensors").write_bytes(b"")  # written below
    config = _config(tmp_path / "run", init_from=str(tmp_path / "gpt2"))
    model = build_model(config)
    donor = GPT(GPTConfig(**{**model.backbone.config.__dict__, "lm_head": True}))
    save_gpt2(donor, tmp_path / "gpt2")
    _restore(config, model, optimizer=None)
    assert torch.equal(model.backbone.transformer.h[0].mlp.c_fc.weight,
                       donor.transformer.h[0].mlp.c_fc.weight)  # fmt: skip
    wider = _config(tmp_path / "wide", n_embd=32, init_from=str(tmp_path / "gpt2"))
    with pytest.raises(CheckpointError, match="does not fit this model"):
        _restore(wider, build_model(wider), optimizer=None)


def test_init_from_must_be_scratch_resume_or_a_weights_folder(tmp_path):
    from predictor_trainer import TrainConfigError

    with pytest.raises(TrainConfigError, match=r"a folder holding model\.safetensors"):
        _config(tmp_path, init_from=str(tmp_path))


def test_resume_without_a_checkpoint_exits_1_a_failed_run_not_bad_usage(tmp_path, capsys):
    assert main(["tiny", "--init_from=resume", f"--out_dir={tmp_path}", "--progress=false"]) == 1
    assert "has no checkpoint" in capsys.readouterr().err
