import pytest
import torch
from neural_structures import (
    IGNORE,
    AnBn,
    BalancedBrackets,
    ConfigurationError,
    ReverseString,
    StackManipulation,
)


def generator() -> torch.Generator:
    return torch.Generator().manual_seed(0)


def test_reverse_string_targets_are_the_reversed_input_on_blank_steps():
    batch = ReverseString(vocab_size=2).sample(8, 5, generator())
    assert batch.inputs.shape == batch.targets.shape == (8, 11)
    assert (batch.inputs[:, 5] == 2).all() and (batch.inputs[:, 6:] == 3).all()
    assert (batch.targets[:, :6] == IGNORE).all()
    assert torch.equal(batch.targets[:, 6:], batch.inputs[:, :5].flip(1))


def test_stack_manipulation_answer_replays_the_actions():
    task = StackManipulation()
    batch = task.sample(32, 6, generator())
    for inputs, targets in zip(batch.inputs.tolist(), batch.targets.tolist(), strict=True):
        stack: list[int] = []
        for token in inputs[:6]:
            if token in (0, 1):
                stack.append(token)
            elif token == task.POP and stack:
                stack.pop()
            elif token in (task.PUSH0, task.PUSH1):
                stack.append(token - task.PUSH0)
        answer = [t for t in targets if t != IGNORE]
        assert answer == stack[::-1] + [task.EMPTY] * (7 - len(stack))


def test_balanced_brackets_target_is_the_innermost_open_type_or_balanced():
    task = BalancedBrackets(n_types=2)
    batch = task.sample(16, 30, generator())
    for tokens, targets in zip(batch.inputs.tolist(), batch.targets.tolist(), strict=True):
        open_types: list[int] = []
        for token, target in zip(tokens, targets, strict=True):
            if token % 2 == 0:
                open_types.append(token // 2)
            else:
                assert open_types.pop() == token // 2  # closers always match
            assert target == (open_types[-1] if open_types else 2)


def test_balanced_brackets_mix_opening_and_closing():
    batch = BalancedBrackets(n_types=2).sample(16, 40, generator())
    closers = (batch.inputs % 2 == 1).float().mean().item()
    assert 0.3 < closers < 0.5
    assert set(batch.targets.unique().tolist()) == {0, 1, 2}


def test_anbn_scores_the_next_symbol_once_the_bs_start():
    batch = AnBn().sample(2, 3, generator())
    assert batch.inputs.tolist() == [[0, 0, 0, 1, 1, 1]] * 2
    assert batch.targets.tolist() == [[IGNORE] * 3 + [1, 1, AnBn.END]] * 2


def test_zero_length_is_rejected():
    with pytest.raises(ConfigurationError, match="length"):
        ReverseString().sample(1, 0, generator())
