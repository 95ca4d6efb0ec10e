from collections import deque

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from neural_structures import (
    NOOP,
    POP,
    PUSH,
    ConfigurationError,
    GrefenstetteStack,
    NeuralQueue,
    NeuralStack,
    StateShapeError,
)

CELL = 3
BATCH = 3
op = st.one_of(
    st.tuples(st.just("push"), st.integers(1, 1000)),
    st.tuples(st.just("pop"), st.just(0)),
    st.tuples(st.just("noop"), st.just(0)),
)
batched_ops = st.lists(st.tuples(*[op] * BATCH), min_size=1, max_size=30)


def vector(value: int) -> torch.Tensor:
    return torch.tensor([value, 0.5 * value, -value], dtype=torch.float64)


def value_batch(ops) -> torch.Tensor:
    return torch.stack([vector(v) for _, v in ops])


def one_hot_actions(ops) -> torch.Tensor:
    column = {"push": PUSH, "pop": POP, "noop": NOOP}
    return torch.nn.functional.one_hot(torch.tensor([column[o] for o, _ in ops]), 3).double()


def strengths(ops) -> tuple[torch.Tensor, torch.Tensor]:
    push = torch.tensor([float(o == "push") for o, _ in ops], dtype=torch.float64)
    pop = torch.tensor([float(o == "pop") for o, _ in ops], dtype=torch.float64)
    return push, pop


def expected_rows(items: list[int], depth: int) -> torch.Tensor:
    rows = torch.zeros(depth, CELL, dtype=torch.float64)
    for i, value in enumerate(reversed(items)):
        rows[i] = vector(value)
    return rows


@given(batched_ops)
def test_neural_stack_with_one_hot_actions_is_exactly_a_bounded_list(steps):
    depth = 5
    stack = NeuralStack(CELL, depth=depth)
    state = stack.init_state(BATCH, dtype=torch.float64)
    lists: list[list[int]] = [[] for _ in range(BATCH)]
    for ops in steps:
        state, top = stack(state, one_hot_actions(ops), value_batch(ops))
        for row, (name, value) in enumerate(ops):
            if name == "push":
                lists[row].append(value)
                del lists[row][:-depth]  # the bottom falls off a full stack
            elif name == "pop" and lists[row]:
                lists[row].pop()
            assert torch.equal(state.stack[row], expected_rows(lists[row], depth))
            assert torch.equal(top[row], expected_rows(lists[row], depth)[0])


@pytest.mark.parametrize("structure", [GrefenstetteStack, NeuralQueue])
@given(steps=batched_ops)
def test_strength_structures_with_hard_controls_match_list_and_deque(structure, steps):
    memory = structure(CELL, capacity=len(steps))
    state = memory.init_state(BATCH, dtype=torch.float64)
    is_stack = structure is GrefenstetteStack
    models = [deque() for _ in range(BATCH)]
    for ops in steps:
        push, pop = strengths(ops)
        state, read = memory(state, push, pop, value_batch(ops))
        for row, (name, value) in enumerate(ops):
            model = models[row]
            if name == "push":
                model.append(value)
            elif name == "pop" and model and is_stack:
                model.pop()
            elif name == "pop" and model:
                model.popleft()
            expected = torch.zeros(CELL, dtype=torch.float64)
            if model:
                expected = vector(model[-1] if is_stack else model[0])
            assert torch.equal(read[row], expected)
            assert state.strengths[row].sum().item() == len(model)


def test_neural_stack_gradients_reach_actions_and_values():
    stack = NeuralStack(4, depth=6)
    state = stack.init_state(2)
    logits = torch.randn(5, 2, 3, requires_grad=True)
    values = torch.randn(5, 2, 4, requires_grad=True)
    for t in range(5):
        state, top = stack(state, logits[t].softmax(-1), values[t])
    (top.sum() + state.stack.pow(2).sum()).backward()
    assert logits.grad.abs().sum(-1).gt(0).all()
    assert values.grad.abs().sum() > 0


@pytest.mark.parametrize("structure", [GrefenstetteStack, NeuralQueue])
def test_strength_structure_gradients_reach_push_pop_and_values(structure):
    memory = structure(4, capacity=8)
    state = memory.init_state(2)
    controls = torch.rand(5, 2, 2, requires_grad=True)
    values = torch.randn(5, 2, 4, requires_grad=True)
    reads = []
    for t in range(5):
        state, read = memory(state, controls[t, :, 0], controls[t, :, 1] * 0.5, values[t])
        reads.append(read)
    torch.stack(reads).pow(2).sum().backward()
    assert controls.grad[:, :, 0].abs().sum() > 0  # push strengths
    assert controls.grad[:, :, 1].abs().sum() > 0  # pop strengths
    assert values.grad.abs().sum() > 0


def test_soft_actions_superpose_push_and_pop():
    stack = NeuralStack(1, depth=3)
    state = stack.init_state(1)
    state, _ = stack(state, torch.tensor([[1.0, 0, 0]]), torch.tensor([[2.0]]))
    state, top = stack(state, torch.tensor([[0.5, 0.5, 0]]), torch.tensor([[4.0]]))
    assert torch.allclose(state.stack[0, :, 0], torch.tensor([0.5 * 4 + 0.5 * 0, 0.5 * 2, 0]))
    assert torch.allclose(top, torch.tensor([[2.0]]))


def test_sharpening_pushes_soft_actions_towards_one_hot():
    soft = torch.tensor([[0.7, 0.2, 0.1]])
    value = torch.tensor([[1.0]])
    plain = NeuralStack(1, depth=2)
    sharp = NeuralStack(1, depth=2, sharpen=20.0)
    _, plain_top = plain(plain.init_state(1), soft, value)
    _, sharp_top = sharp(sharp.init_state(1), soft, value)
    assert plain_top.item() == pytest.approx(0.7)
    assert sharp_top.item() > 0.999


def test_depth_is_chosen_at_init_state_not_fixed_by_the_module():
    stack = NeuralStack(8, depth=64)
    assert stack.init_state(4).stack.shape == (4, 64, 8)
    assert stack.init_state(4, depth=200).stack.shape == (4, 200, 8)


def test_reset_empties_only_selected_rows():
    stack = NeuralStack(2, depth=3)
    state, _ = stack(stack.init_state(2), torch.tensor([[1.0, 0, 0]] * 2), torch.ones(2, 2))
    state = stack.reset(state, where=torch.tensor([1.0, 0.0]))
    assert state.stack[0].abs().sum() == 0
    assert state.stack[1, 0].tolist() == [1.0, 1.0]


def test_peek_returns_top_rows():
    stack = NeuralStack(1, depth=4)
    state = stack.init_state(1)
    for value in (1.0, 2.0, 3.0):
        state, _ = stack(state, torch.tensor([[1.0, 0, 0]]), torch.tensor([[value]]))
    assert NeuralStack.peek(state, 2)[0, :, 0].tolist() == [3.0, 2.0]


def test_wrong_action_shape_is_a_clear_error():
    stack = NeuralStack(4, depth=3)
    with pytest.raises(StateShapeError, match=r"actions must have shape \(batch, 3\) = \(2, 3\)"):
        stack(stack.init_state(2), torch.zeros(2, 2), torch.zeros(2, 4))


def test_wrong_value_shape_is_a_clear_error():
    queue = NeuralQueue(4, capacity=3)
    with pytest.raises(StateShapeError, match="value must have shape"):
        queue(queue.init_state(2), torch.zeros(2), torch.zeros(2), torch.zeros(2, 5))


def test_impossible_sizes_are_configuration_errors():
    with pytest.raises(ConfigurationError, match="depth"):
        NeuralStack(4, depth=0)
    with pytest.raises(ConfigurationError, match="sharpen"):
        NeuralStack(4, sharpen=0)


def test_grefenstette_stack_soft_strengths_follow_the_paper():
    stack = GrefenstetteStack(1, capacity=4)
    state = stack.init_state(1, dtype=torch.float64)
    one = torch.ones(1, dtype=torch.float64)

    def step(push, pop, value):
        return stack(state, push * one, pop * one, torch.tensor([[value]], dtype=torch.float64))

    state, _ = step(0.8, 0.0, 1.0)
    state, read = step(0.5, 0.0, 2.0)
    assert read.item() == pytest.approx(0.5 * 2.0 + 0.5 * 1.0)
    state, read = step(0.9, 0.9, 3.0)  # pop 0.5 of v2 and 0.4 of v1, then push v3 at 0.9
    assert state.strengths[0, :3].tolist() == pytest.approx([0.9, 0.0, 0.4])
    assert read.item() == pytest.approx(0.9 * 3.0 + 0.1 * 1.0)


@pytest.mark.parametrize("structure", [GrefenstetteStack, NeuralQueue])
def test_strength_structure_reset_empties_only_selected_rows(structure):
    memory = structure(2, capacity=4)
    one = torch.ones(2)
    state, _ = memory(memory.init_state(2), one, torch.zeros(2), torch.ones(2, 2))
    state = memory.reset(state, where=torch.tensor([1.0, 0.0]))
    assert memory.read(state).tolist() == [[0.0, 0.0], [1.0, 1.0]]
    state, read = memory(state, torch.zeros(2), one, torch.zeros(2, 2))  # pop both
    assert read.abs().sum() == 0
    assert memory.read(memory.reset(state)).abs().sum() == 0
