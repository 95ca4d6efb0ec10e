"""--lr-decay-from: a constant rate, then a straight line down, also on a resumed run."""

from dataclasses import replace

import pytest
import torch
from neural_structures import StackRNN, StackRNNConfig
from neural_structures.tasks import ReverseString
from neural_structures.train import TrainConfig, learning_rate, main, train


def test_the_rate_is_constant_until_the_decay_step_then_falls_in_a_straight_line():
    config = TrainConfig(steps=10, lr=0.5, lr_decay_from=6)
    rates = [learning_rate(step, config) for step in range(1, 11)]
    assert rates[:7] == [0.5] * 7  # up to and including step 7, the first decayed one
    assert rates[6:] == pytest.approx([0.5, 0.375, 0.25, 0.125])  # lr / 4 at the last step
    assert {learning_rate(s, TrainConfig(steps=10, lr=0.5)) for s in range(1, 11)} == {0.5}


def test_training_applies_the_schedule_to_adams_steps():
    """Decaying from step 6 of 8, step 7 runs at the full rate and step 8 at half of it: from
    the same state after step 7, the annealed run's last update is half the constant run's."""
    config = TrainConfig(steps=8, batch_size=4, train_lengths=(1, 5), lr=0.01, log_every=8)

    def weights_after(steps: int, lr_decay_from: int) -> torch.Tensor:
        torch.manual_seed(0)
        model = StackRNN(StackRNNConfig(n_inputs=4, n_outputs=2, hidden_size=8, cell_size=3))
        run = replace(config, steps=steps, lr_decay_from=lr_decay_from)
        train(model, ReverseString(), run, log=lambda _: None)
        return torch.cat([p.detach().flatten() for p in model.parameters()])

    before_last = weights_after(7, 0)
    constant_step = weights_after(8, 0) - before_last
    annealed_step = weights_after(8, 6) - before_last
    assert constant_step.abs().max() > 1e-3  # a real update to compare with
    torch.testing.assert_close(annealed_step, constant_step / 2, rtol=1e-4, atol=1e-7)


def test_a_finished_constant_run_can_be_resumed_to_anneal_and_bad_decay_steps_are_refused(
    tmp_path, capsys
):
    argv = ["--models", "stack_rnn", "--train-lengths", "2-3", "--test-lengths", "4-4"]
    argv += ["--checkpoint-dir", str(tmp_path), "--log-every", "1"]
    assert main([*argv, "--steps", "2"]) == 0
    capsys.readouterr()
    assert main([*argv, "--steps", "4", "--lr-decay-from", "2"]) == 0
    assert "resuming from step 2" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--steps", "4", "--lr-decay-from", "4"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.endswith("error: --lr-decay-from 4 must be below --steps 4")
