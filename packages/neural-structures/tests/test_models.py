from dataclasses import replace

import pytest
import torch
from neural_structures import (
    TASKS,
    LSTMBaseline,
    LSTMConfig,
    ReverseString,
    StackRNN,
    StackRNNConfig,
)
from neural_structures.errors import ConfigurationError
from neural_structures.train import (
    TrainConfig,
    build_parser,
    evaluate,
    longest_training_length,
    main,
    make_model,
    make_task,
    train,
)


def test_stack_rnn_logits_cover_every_step_at_any_stack_depth():
    model = StackRNN(StackRNNConfig(n_inputs=4, n_outputs=2, stack_depth=8))
    inputs = torch.randint(4, (3, 30))
    assert model(inputs).shape == (3, 30, 2)
    assert model(inputs, depth=40, hard_actions=True).shape == (3, 30, 2)


def test_stack_rnn_builds_no_more_rows_than_steps_and_computes_the_same_logits():
    torch.manual_seed(0)
    model = StackRNN(StackRNNConfig(n_inputs=4, n_outputs=2, stack_depth=64))
    depths = []
    init_state = model.stack.init_state
    model.stack.init_state = lambda batch, depth, **kw: (
        depths.append(depth) or init_state(batch, depth, **kw)
    )
    inputs = torch.randint(4, (3, 9))
    deep, exact = model(inputs, depth=500), model(inputs, depth=9)
    assert depths == [9, 9]  # a push a step at most: rows below the ninth stay empty
    assert torch.equal(deep, exact)
    model(inputs[:, :1])
    assert depths[-1] == 2  # the two rows the controller reads, even for one step


def test_softmax_value_code_pushes_a_near_one_hot_code_the_stack_keeps():
    torch.manual_seed(0)
    config = StackRNNConfig(n_inputs=4, n_outputs=2, cell_size=6, value_code="softmax")
    model = StackRNN(config)
    with torch.no_grad():
        model.to_value.bias.copy_(torch.tensor([8.0, 0, 0, 0, 0, 0]))  # favour cell 0
        model.to_actions.bias.copy_(torch.tensor([8.0, 0, 0]))  # always push
    pushed = []
    model.stack.forward = lambda state, actions, value: (pushed.append(value) or state, None)
    model(torch.randint(4, (2, 3)))
    value = torch.stack(pushed)
    # tanh of a softmax: cell 0 near tanh(1), the rest near 0, never negative
    assert value[..., 0].min() > 0.75 and value[..., 1:].max() < 0.01 and value.min() >= 0


def test_stack_rnn_config_names_the_value_codes_it_accepts():
    with pytest.raises(ConfigurationError, match="value_code must be one of tanh, softmax"):
        StackRNNConfig(n_inputs=4, n_outputs=2, value_code="onehot")


def test_stack_rnn_config_names_the_controllers_it_accepts():
    with pytest.raises(ConfigurationError, match="controller must be one of gru, lstm, got 'rnn'"):
        StackRNNConfig(n_inputs=4, n_outputs=2, controller="rnn")


def test_lstm_controller_carries_a_cell_state_across_steps():
    torch.manual_seed(0)
    model = StackRNN(StackRNNConfig(n_inputs=4, n_outputs=2, controller="lstm"))
    assert isinstance(model.controller, torch.nn.LSTMCell)
    states = []
    step = model.controller.forward
    model.controller.forward = lambda x, state: states.append(state) or step(x, state)
    model(torch.randint(4, (2, 3)))
    # the cell state fed to step t is the one step t - 1 returned, not a fresh zero
    assert len(states) == 3 and states[0][1].abs().max() == 0
    assert states[2][1].abs().max() > 1e-3


def test_make_model_builds_the_stack_rnn_with_the_configured_controller():
    task = make_task("solve_equation")
    lstm = make_model("stack_rnn", task, TrainConfig(controller="lstm", hidden_size=12))
    assert isinstance(lstm.controller, torch.nn.LSTMCell) and lstm.controller.hidden_size == 12
    assert isinstance(make_model("stack_rnn", task, TrainConfig()).controller, torch.nn.GRUCell)


def test_lstm_baseline_logits_cover_every_step():
    model = LSTMBaseline(LSTMConfig(n_inputs=4, n_outputs=2, hidden_size=16))
    assert model(torch.randint(4, (3, 7))).shape == (3, 7, 2)


@pytest.mark.slow  # ~2 s of training plus the first-use import of torch.optim
# the LSTM controller needs more steps (seed 0: 0.66 on length 16 after 150 steps, 1.00 after 300)
@pytest.mark.parametrize(("controller", "steps"), [("gru", 150), ("lstm", 300)])
def test_stack_rnn_learns_short_reversal_and_generalises_to_longer_strings(controller, steps):
    torch.manual_seed(0)
    config = TrainConfig(steps=steps, batch_size=16, train_lengths=(1, 8), test_samples=16)
    model = StackRNN(StackRNNConfig(n_inputs=4, n_outputs=2, stack_depth=40, controller=controller))
    train(model, ReverseString(), config, log=lambda _: None)
    accuracy = evaluate(model, ReverseString(), [12, 16], config)
    assert min(accuracy.values()) > 0.95


def test_training_cli_prints_accuracy_per_length(capsys):
    exit_code = main(
        [
            "--models",
            "stack_rnn",
            "--steps",
            "2",
            "--train-lengths",
            "1-3",
            "--test-lengths",
            "4-5",
            "--test-samples",
            "2",
            "--log-every",
            "1",
        ]
    )
    out = capsys.readouterr().out
    assert exit_code == 0
    assert "test length    4" in out and "test length    5" in out
    assert "stack_rnn" in out.splitlines()[-1]


@pytest.mark.parametrize("task", sorted(TASKS))
def test_every_task_trains_and_tests_through_the_cli(task, capsys):
    argv = ["--task", task, "--steps", "1", "--train-lengths", "2-3", "--test-lengths", "4-4"]
    assert main([*argv, "--test-samples", "2"]) == 0
    assert "test length    4" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("option", "value", "field", "rejected"),
    [
        ("--value-code", "softmax", "value_code", "onehot"),
        ("--controller", "lstm", "controller", "rnn"),
    ],
)
def test_training_cli_passes_its_options_to_the_stack_rnn(option, value, field, rejected, capsys):
    argv = ["--models", "stack_rnn", "--steps", "1", "--train-lengths", "2-3"]
    assert main([*argv, "--test-lengths", "4-4", option, value]) == 0
    assert f"{field}='{value}'" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main([option, rejected])


def test_every_training_setting_is_taken_from_its_command_line_option():
    argv = "--task parity_check --steps 7 --batch-size 5 --lr 0.5 --lr-decay-from 3 "
    argv += "--train-lengths 2-9 --curriculum 0.25 --test-lengths 10-12 --test-samples 3 --seed 4 "
    argv += "--hidden-size 6 --cell-size 2 --value-code softmax --controller lstm "
    argv += "--lstm-hidden-size 9 --soft-test "
    argv += "--log-every 11 --models lstm --quiet"
    config = TrainConfig.from_options(
        build_parser().parse_args(argv.split()), hard_actions_at_test=False
    )
    expected = TrainConfig("parity_check", 7, 5, 0.5, 3, (2, 9), 0.25, (10, 12), 3, 4, 6, 2)
    assert config == replace(
        expected,
        value_code="softmax",
        controller="lstm",
        lstm_hidden_size=9,
        log_every=11,
        hard_actions_at_test=False,
    )


def test_curriculum_grows_the_longest_training_length_from_low_plus_two_to_high():
    config = TrainConfig(steps=100, train_lengths=(1, 40), curriculum=0.5)
    longest = [longest_training_length(step, config) for step in range(1, 101)]
    assert longest[0] == 3 and longest[24] == 21 and longest[49:] == [40] * 51
    assert longest == sorted(longest)
    flat = TrainConfig(steps=100, train_lengths=(1, 40))
    assert {longest_training_length(step, flat) for step in range(1, 101)} == {40}


def test_training_cli_rejects_a_curriculum_outside_zero_to_one(capsys):
    with pytest.raises(SystemExit):
        main(["--curriculum", "1.5"])
    assert "argument --curriculum: must be from 0 to 1, got 1.5" in capsys.readouterr().err


def test_training_cli_rejects_a_bad_range():
    with pytest.raises(SystemExit):
        main(["--train-lengths", "9-2"])


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--test-step", "0"], "argument --test-step: must be >= 1, got 0"),
        (["--batch-size", "0"], "argument --batch-size: must be >= 1, got 0"),
        (["--test-samples", "0"], "argument --test-samples: must be >= 1, got 0"),
        (["--log-every", "0"], "argument --log-every: must be >= 1, got 0"),
        (["--lr", "-1"], "argument --lr: must be a finite number > 0, got -1"),
        (["--steps", "x"], "argument --steps: expected an integer, got 'x'"),
    ],
)
def test_training_cli_rejects_impossible_options_with_a_usage_error(option, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(option)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_quiet_prints_only_the_results(capsys):
    argv = ["--models", "stack_rnn", "--steps", "2", "--train-lengths", "1-3"]
    argv += ["--test-lengths", "4-5", "--test-samples", "2", "--log-every", "1", "--quiet"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "  step " not in out and "  test length " not in out
    assert "stack_rnn: mean accuracy" in out and "== summary" in out


@pytest.mark.parametrize("memory", ["queue", "stack"])
def test_memory_rnn_gives_a_logit_per_step_and_a_gradient_to_its_memory_controls(memory):
    from neural_structures.models import MemoryRNN, MemoryRNNConfig
    from neural_structures.tasks import IGNORE, TASKS

    torch.manual_seed(0)
    task = TASKS["duplicate_string"]()
    model = MemoryRNN(MemoryRNNConfig(task.n_inputs, task.n_outputs, memory))
    batch = task.sample(8, 5, torch.Generator().manual_seed(0))
    logits = model(batch.inputs)
    assert logits.shape == (8, batch.inputs.shape[1], task.n_outputs)
    loss = torch.nn.functional.cross_entropy(
        logits.flatten(0, 1), batch.targets.flatten(), ignore_index=IGNORE
    )
    loss.backward()
    # the answer can only come through the memory: its controls must get a usable gradient
    assert model.to_controls.weight.grad.norm() > 1e-4
    assert model.to_value.weight.grad.norm() > 1e-4
    hard = model(batch.inputs, hard_actions=True)
    assert hard.shape == logits.shape and torch.isfinite(hard).all()


def test_memory_rnn_names_an_unknown_memory():
    from neural_structures.models import MemoryRNN, MemoryRNNConfig

    with pytest.raises(ValueError, match="memory must be one of"):
        MemoryRNN(MemoryRNNConfig(4, 2, "tape"))


@pytest.mark.parametrize("kind", ["rnn", "queue_rnn", "grefenstette_rnn"])
def test_every_model_kind_is_a_training_choice(kind):
    from neural_structures.tasks import TASKS
    from neural_structures.train import TrainConfig, make_model

    task = TASKS["odd_first"]()
    model = make_model(kind, task, TrainConfig(task="odd_first"))
    batch = task.sample(2, 3, torch.Generator().manual_seed(0))
    assert model(batch.inputs).shape == (*batch.inputs.shape, task.n_outputs)
