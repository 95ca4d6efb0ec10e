"""A checkpointed run resumes exactly where it stopped, and refuses another run's state."""

from dataclasses import replace

import pytest
import torch
from neural_structures import StackRNN, StackRNNConfig
from neural_structures.errors import CheckpointError
from neural_structures.tasks import ReverseString
from neural_structures.train import TrainConfig, main, train

CONFIG = TrainConfig(steps=6, batch_size=4, train_lengths=(1, 6), log_every=2)


def _model(seed: int) -> StackRNN:
    torch.manual_seed(seed)
    return StackRNN(StackRNNConfig(n_inputs=4, n_outputs=2, hidden_size=8, cell_size=3))


def test_an_interrupted_run_resumes_to_the_very_weights_of_an_uninterrupted_one(tmp_path):
    whole = _model(0)
    train(whole, ReverseString(), CONFIG, log=lambda _: None)
    path = tmp_path / "run.pt"
    first_half = _model(0)
    half = replace(CONFIG, steps=3)
    train(first_half, ReverseString(), half, log=lambda _: None, checkpoint=path)
    resumed, lines = _model(7), []  # another init: everything must come from the checkpoint
    train(resumed, ReverseString(), CONFIG, log=lines.append, checkpoint=path)
    assert lines[0].startswith("  resuming from step 3")
    for a, b in zip(whole.parameters(), resumed.parameters(), strict=True):
        assert torch.equal(a, b)
    assert len(lines) == 1 + 2  # steps 4 and 6 logged: the loss sum carried over step 3
    assert torch.load(path, weights_only=True)["step"] == 6


def test_a_checkpoint_of_another_configuration_is_refused_naming_the_difference(tmp_path):
    path = tmp_path / "run.pt"
    train(_model(0), ReverseString(), CONFIG, log=lambda _: None, checkpoint=path)
    other = replace(CONFIG, lr=0.01)
    with pytest.raises(CheckpointError, match=r"another run \(lr 0.003 there, 0.01 here\)"):
        train(_model(0), ReverseString(), other, log=lambda _: None, checkpoint=path)


def test_a_checkpoint_past_the_steps_asked_for_is_refused(tmp_path):
    path = tmp_path / "run.pt"
    train(_model(0), ReverseString(), CONFIG, log=lambda _: None, checkpoint=path)
    with pytest.raises(CheckpointError, match="at step 6, past the 5 steps asked for"):
        train(_model(0), ReverseString(), replace(CONFIG, steps=5), checkpoint=path)


def test_an_unreadable_checkpoint_is_named_in_one_line(tmp_path):
    path = tmp_path / "run.pt"
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="cannot read checkpoint"):
        train(_model(0), ReverseString(), CONFIG, log=lambda _: None, checkpoint=path)


def test_training_cli_trains_further_from_its_checkpoint_and_reports_bad_ones(tmp_path, capsys):
    argv = ["--models", "stack_rnn", "--train-lengths", "2-3", "--test-lengths", "4-4"]
    argv += ["--checkpoint-dir", str(tmp_path / "ckpt"), "--log-every", "1"]
    assert main([*argv, "--steps", "2"]) == 0
    saved = tmp_path / "ckpt" / "reverse_string-stack_rnn-seed0.pt"
    assert saved.is_file()
    capsys.readouterr()
    assert main([*argv, "--steps", "4"]) == 0
    out = capsys.readouterr().out
    assert "resuming from step 2" in out and "step      3" in out and "step      1 " not in out
    saved.write_bytes(b"junk")
    assert main([*argv, "--steps", "4"]) == 2
    err = capsys.readouterr().err.strip()
    assert (
        err.startswith("neural-structures-train: error: cannot read checkpoint") and "\n" not in err
    )
