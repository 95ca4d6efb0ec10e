"""answer-train: checkpoints, exact resume, weights from elsewhere, one-line refusals."""

import json

import pytest
import torch
from nanogpt_dag import save_gpt2
from predictor_trainer.answer_cli import main
from predictor_trainer.answer_train import AnswerRunConfig, build_model, run
from predictor_trainer.checkpoint import checkpoint_folders, latest_checkpoint
from predictor_trainer.errors import CheckpointError, TrainConfigError
from safetensors.torch import load_file

MICRO = dict(steps=6, batch_size=8, n_layer=1, n_head=2, n_embd=16, block_size=112,
             eval_questions=8, checkpoint_every=2, log_every=1)  # fmt: skip


def _config(out_dir, **overrides) -> AnswerRunConfig:
    return AnswerRunConfig(**{**MICRO, "out_dir": str(out_dir), **overrides})


def _weights(out_dir):
    return load_file(str(latest_checkpoint(out_dir) / "model.safetensors"))


def test_a_run_writes_checkpoints_metrics_and_its_evaluation(tmp_path):
    result = run(_config(tmp_path), progress=False)
    assert [p.name for p in checkpoint_folders(tmp_path)] == ["step-0004", "step-0006"]
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [1, 2, 3, 4, 5, 6]
    assert {"lm", "roles", "digits", "execution", "total"} <= records[-1].keys()
    saved = json.loads((tmp_path / "evaluation.json").read_text())
    assert saved == result
    assert set(saved["test per rendering"]) == {"spaced", "compact", "parens", "words"}
    assert all(0.0 <= saved[s] <= 1.0 for s in ("test", "longer_numbers", "more_operands"))


@pytest.mark.parametrize("model", ["dag", "plain"])
def test_straight_run_equals_half_run_plus_resume(tmp_path, model):
    straight = run(_config(tmp_path / "a", model=model), progress=False)
    run(_config(tmp_path / "b", model=model, steps=4), progress=False)
    resumed = run(_config(tmp_path / "b", model=model), resume=True, progress=False)
    a, b = _weights(tmp_path / "a"), _weights(tmp_path / "b")
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert resumed == straight
    lines = (tmp_path / "b/metrics.jsonl").read_text().splitlines()
    steps = [json.loads(line)["step"] for line in lines]
    assert steps == [1, 2, 3, 4, 5, 6]


def test_a_new_run_refuses_a_folder_holding_a_run_unless_overwritten(tmp_path):
    run(_config(tmp_path, steps=2), progress=False)
    with pytest.raises(TrainConfigError, match=r"already holds a run .*--resume.*--overwrite"):
        run(_config(tmp_path, steps=2), progress=False)
    run(_config(tmp_path, steps=2, seed=1), overwrite=True, progress=False)
    assert [p.name for p in checkpoint_folders(tmp_path)] == ["step-0002"]


def test_init_from_takes_a_checkpoint_or_a_gpt2_directory(tmp_path):
    run(_config(tmp_path / "plain", model="plain", steps=2), progress=False)
    source = _weights(tmp_path / "plain")
    # a plain GPT's weights into a DAG-GPT of the same shape: refused, another model
    with pytest.raises(CheckpointError, match="another model: model: checkpoint 'plain'"):
        run(_config(tmp_path / "dag", steps=0),
            init_from=str(latest_checkpoint(tmp_path / "plain")), progress=False)  # fmt: skip
    # its GPT exported in the GPT-2 layout: the DAG-GPT's backbone starts from it
    plain = build_model(_config(tmp_path, model="plain"))
    plain.load_state_dict(source)
    save_gpt2(plain.gpt, tmp_path / "gpt2")
    seen = {}
    original = torch.nn.Module.load_state_dict

    def spy(module, state, *args, **kwargs):
        seen[type(module).__name__] = state
        return original(module, state, *args, **kwargs)

    torch.nn.Module.load_state_dict = spy
    try:
        run(_config(tmp_path / "dag", steps=0), init_from=str(tmp_path / "gpt2"), progress=False)
    finally:
        torch.nn.Module.load_state_dict = original
    assert torch.equal(seen["GPT"]["transformer.wte.weight"], source["gpt.transformer.wte.weight"])


def test_init_from_a_gpt2_directory_of_another_shape_is_one_error(tmp_path):
    small = build_model(_config(tmp_path, model="plain"))
    save_gpt2(small.gpt, tmp_path / "gpt2")
    with pytest.raises(CheckpointError, match="does not fit this model"):
        run(_config(tmp_path / "run", n_embd=32, steps=0), init_from=str(tmp_path / "gpt2"),
            progress=False)  # fmt: skip


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["--steps", "-1"], 2, "--steps must be >= 0"),
        (["--n-embd", "30", "--n-head", "4"], 2, "must be a multiple of --n-head"),
        (["--block-size", "40"], 2, "--block-size 40 is too small for the test questions"),
        (["--resume"], 1, "has no checkpoint"),
        (["--resume", "--init-from", "x"], 2, "drop --init-from"),
        (["--threads", "-1"], 2, "--threads must be >= 0"),
    ],
)
def test_bad_usage_is_one_line(tmp_path, capsys, argv, status, message):
    assert main([*argv, "--output-dir", str(tmp_path / "run"), "--quiet"]) == status
    err = capsys.readouterr().err.strip()
    assert err.startswith("answer-train: error:") and message in err and "\n" not in err
    assert not (tmp_path / "run" / "checkpoints").exists()


def test_cli_prints_the_evaluation(tmp_path, capsys):
    argv = ["--steps", "2", "--n-layer", "1", "--n-embd", "16", "--n-head", "2",
            "--eval-questions", "4", "--output-dir", str(tmp_path), "--quiet"]  # fmt: skip
    assert main(argv) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((tmp_path / "evaluation.json").read_text())
