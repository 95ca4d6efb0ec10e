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


def is_balanced(tokens: list[int]) -> bool:
    depth = 0
    for token in tokens:
        depth += 1 if token == 0 else -1
        if depth < 0:
            return False
    return depth == 0


def test_balanced_brackets_labels_agree_with_a_counter_and_are_mixed():
    batch = BalancedBrackets(n_types=1).sample(64, 10, generator())
    labels = batch.targets[:, -1].tolist()
    for tokens, label in zip(batch.inputs[:, :-1].tolist(), labels, strict=True):
        assert label == int(is_balanced(tokens))
    assert 20 < sum(labels) < 44


def test_two_bracket_types_need_matching_types():
    batch = BalancedBrackets(n_types=2).sample(64, 8, generator())
    assert batch.inputs[:, :-1].max() <= 3
    assert (batch.targets[:, :-1] == IGNORE).all()
    assert 0 < batch.targets[:, -1].sum() < 64


def test_anbn_positives_are_exactly_a_n_b_n():
    batch = AnBn().sample(64, 8, generator())
    for tokens, label in zip(
        batch.inputs[:, :-1].tolist(), batch.targets[:, -1].tolist(), strict=True
    ):
        assert label == int(tokens == [0] * 4 + [1] * 4)
    assert 16 < batch.targets[:, -1].sum() < 48


def test_zero_length_is_rejected():
    with pytest.raises(ConfigurationError, match="length"):
        ReverseString().sample(1, 0, generator())
