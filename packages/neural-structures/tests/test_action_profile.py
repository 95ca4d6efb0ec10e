import pytest
import torch
from neural_structures import ReverseString, StackRNN, StackRNNConfig
from neural_structures.action_profile import action_profile, profile_by_token
from neural_structures.train import main


def test_profile_averages_the_actions_of_each_token_separately():
    inputs = torch.tensor([[3, 5, 3], [5, 5, 3]])
    push, pop, noop = torch.eye(3)
    actions = torch.stack(
        [torch.stack([push, pop, noop]), torch.stack([pop, (push + pop) / 2, noop])]
    )
    profile = profile_by_token(inputs, actions)
    assert list(profile) == [3, 5]
    assert profile[3] == pytest.approx((1 / 3, 0.0, 2 / 3))
    assert profile[5] == pytest.approx((1 / 6, 5 / 6, 0.0))


def _stack_rnn_with_action_bias(bias: list[float]) -> StackRNN:
    task = ReverseString()
    model = StackRNN(StackRNNConfig(task.n_inputs, task.n_outputs))
    with torch.no_grad():
        model.to_actions.weight.zero_()
        model.to_actions.bias.copy_(torch.tensor(bias))
    return model


def test_forward_with_actions_returns_forwards_logits_and_the_actions_taken():
    torch.manual_seed(0)
    model = _stack_rnn_with_action_bias([0.0, 3.0, 0.0])
    inputs = torch.randint(ReverseString().n_inputs, (2, 7))
    logits, actions = model.forward_with_actions(inputs)
    assert torch.equal(logits, model(inputs))
    assert actions.shape == (2, 7, 3)
    expected_pop = torch.softmax(torch.tensor([0.0, 3.0, 0.0]), 0)[1].item()
    assert torch.allclose(actions[..., 1], torch.full((2, 7), expected_pop))
    _, hard = model.forward_with_actions(inputs, hard_actions=True)
    assert torch.equal(hard, torch.tensor([0.0, 1.0, 0.0]).expand(2, 7, 3))


@pytest.mark.parametrize(("bias", "expected"), [([0.0, 5.0, 0.0], (0, 1, 0)), ([0.0] * 3, None)])
def test_action_profile_reports_what_the_action_head_chooses_on_every_token(bias, expected):
    model = _stack_rnn_with_action_bias(bias)
    profile = action_profile(model, ReverseString(), [3, 5], samples=4, seed=0, hard_actions=False)
    assert set(profile) == set(range(ReverseString().n_inputs))  # symbols, SEP and BLANK
    for push, pop, noop in profile.values():
        if expected is None:  # a blank head: a third each
            assert (push, pop, noop) == pytest.approx((1 / 3,) * 3, abs=1e-6)
        else:
            assert (push, pop, noop) == pytest.approx(expected, abs=0.02)


def test_training_cli_prints_the_action_profile_of_a_stack_rnn_only(capsys):
    argv = ["--steps", "1", "--train-lengths", "2-3", "--test-lengths", "4-4"]
    assert (
        main([*argv, "--test-samples", "2", "--models", "stack_rnn", "lstm", "--action-profile"])
        == 0
    )
    out = capsys.readouterr().out
    assert out.count("stack actions after each input token") == 1
    rows = [line.split() for line in out.splitlines() if line.strip().startswith("token")]
    assert [int(row[1]) for row in rows] == list(range(ReverseString().n_inputs))
    for row in rows:  # token, id, push, /, pop, /, no-op: probabilities that add up to 1
        assert sum(float(row[i]) for i in (2, 4, 6)) == pytest.approx(1.0, abs=0.015)
    assert main([*argv, "--test-samples", "2", "--models", "stack_rnn"]) == 0
    assert "stack actions" not in capsys.readouterr().out  # only on request
