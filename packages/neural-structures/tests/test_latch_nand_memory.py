import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from neural_structures import (
    AddressableMemory,
    MemoryState,
    NeuralLatch,
    NeuralNAND,
    StateShapeError,
    SymbolSpace,
)

# --- NeuralLatch ---------------------------------------------------------------------------


def test_latch_holds_its_value_while_not_enabled():
    latch = NeuralLatch(3)
    state, held = latch(latch.init_state(1), torch.ones(1), torch.tensor([[1.0, 2.0, 3.0]]))
    for _ in range(5):
        state, held = latch(state, torch.zeros(1), torch.randn(1, 3))
    assert held.tolist() == [[1.0, 2.0, 3.0]]


def test_latch_reset_clears_and_wins_over_a_store():
    latch = NeuralLatch(2)
    state, _ = latch(latch.init_state(1), torch.ones(1), torch.ones(1, 2))
    state, held = latch(state, torch.ones(1), torch.full((1, 2), 5.0), reset=torch.ones(1))
    assert held.abs().sum() == 0
    state, held = latch(state, torch.ones(1), torch.full((1, 2), 7.0))
    assert held.tolist() == [[7.0, 7.0]]


def test_latch_reset_method_clears_only_selected_rows():
    latch = NeuralLatch(2)
    state, _ = latch(latch.init_state(2), torch.ones(2), torch.ones(2, 2))
    state = latch.reset(state, where=torch.tensor([0.0, 1.0]))
    assert state.value.tolist() == [[1.0, 1.0], [0.0, 0.0]]


def test_latch_gradients_reach_enable_value_and_reset():
    latch = NeuralLatch(2)
    enable = torch.full((1,), 0.5, requires_grad=True)
    value = torch.ones(1, 2, requires_grad=True)
    reset = torch.full((1,), 0.2, requires_grad=True)
    state, _ = latch(latch.init_state(1), torch.ones(1), torch.full((1, 2), 3.0))
    _, held = latch(state, enable, value, reset)
    held.sum().backward()
    assert enable.grad.item() != 0 and reset.grad.item() != 0 and value.grad.abs().sum() > 0


def test_latch_rejects_a_wrong_enable_shape():
    latch = NeuralLatch(2)
    with pytest.raises(StateShapeError, match="enable must have shape"):
        latch(latch.init_state(3), torch.ones(2), torch.ones(3, 2))


# --- NeuralNAND ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def booleans():
    space = SymbolSpace(vec_size=512, symbols=[True, False])
    return space, NeuralNAND(vec_size=512)


@pytest.mark.parametrize("a, b", [(False, False), (False, True), (True, False), (True, True)])
def test_nand_truth_table(booleans, a, b):
    space, nand = booleans
    assert space.unproject(nand(space.project(a), space.project(b))) == (not (a and b))


@pytest.mark.parametrize("a, b", [(False, False), (False, True), (True, False), (True, True)])
def test_four_nands_compose_into_xor(booleans, a, b):
    space, nand = booleans
    x, y = space.project(a), space.project(b)
    both = nand(x, y)
    xor = nand(nand(x, both), nand(y, both))
    assert space.unproject(xor) == (a != b)
    assert nand.truth(xor).item() == pytest.approx(float(a != b), abs=0.1)


def test_nand_of_mixed_truth_is_graded_and_differentiable(booleans):
    _, nand = booleans
    half = nand.encode(torch.tensor(0.5)).requires_grad_()
    out = nand(half, nand.encode(torch.tensor(1.0)))
    assert nand.truth(out).item() == pytest.approx(0.5, abs=0.05)
    nand.truth(out).backward()
    assert half.grad.abs().sum() > 0


def test_nand_rejects_a_wrong_vector_size(booleans):
    _, nand = booleans
    with pytest.raises(StateShapeError, match=r"\(\.\.\., 512\)"):
        nand(torch.zeros(10), torch.zeros(10))


# --- AddressableMemory ---------------------------------------------------------------------

N_SLOTS = 8
writes = st.lists(st.tuples(st.integers(0, N_SLOTS - 1), st.integers(-100, 100)), max_size=20)


MEMORY = AddressableMemory(N_SLOTS, key_size=256, value_size=2, sharpness=100.0)
SLOT_ADDRESSES = SymbolSpace(vec_size=256, dtype=torch.float64).project_many(range(N_SLOTS))


@settings(max_examples=50)  # each example is up to 20 writes; 50 cover the space well
@given(writes)
def test_memory_addressed_by_slot_keys_behaves_like_a_dict(operations):
    state = MEMORY.init_state(1, dtype=torch.float64)
    reference: dict[int, int] = {}
    for slot, value in operations:
        payload = torch.tensor([[value, -value]], dtype=torch.float64)
        state = MEMORY.write(state, SLOT_ADDRESSES[slot][None], payload)
        reference[slot] = value
    reads = MEMORY.read(MemoryState(state.values.expand(N_SLOTS, -1, -1)), SLOT_ADDRESSES)
    expected = [[reference.get(slot, 0), -reference.get(slot, 0)] for slot in range(N_SLOTS)]
    # (torch.testing.assert_close would drag in torch.distributed and sympy: seconds of import)
    assert (reads - torch.tensor(expected, dtype=torch.float64)).abs().max() < 1e-6


def test_memory_soft_address_blends_slots():
    memory = AddressableMemory(2, key_size=4, value_size=1, keys=torch.eye(4)[:2], sharpness=1.0)
    state = memory.init_state(1)
    state = memory.write(state, torch.tensor([[1.0, 0, 0, 0]]), torch.tensor([[1.0]]))
    weights = memory.address(torch.tensor([[1.0, 1.0, 0, 0]]))
    assert weights[0].tolist() == pytest.approx([0.5, 0.5])
    assert 0 < memory.read(state, torch.tensor([[1.0, 1.0, 0, 0]])).item() < 1


def test_memory_gradients_reach_address_value_and_strength():
    memory = AddressableMemory(4, key_size=8, value_size=3, sharpness=5.0)
    address = torch.randn(2, 8, requires_grad=True)
    value = torch.randn(2, 3, requires_grad=True)
    strength = torch.full((2,), 0.7, requires_grad=True)
    state = memory.write(memory.init_state(2), address, value, strength)
    memory.read(state, torch.randn(2, 8)).pow(2).sum().backward()
    assert address.grad.abs().sum() > 0
    assert value.grad.abs().sum() > 0
    assert strength.grad.abs().sum() > 0


def test_memory_rejects_a_wrong_address_size():
    memory = AddressableMemory(4, key_size=8, value_size=3)
    with pytest.raises(StateShapeError, match=r"address must have shape \(batch, key_size\)"):
        memory.read(memory.init_state(2), torch.zeros(2, 7))


def test_memory_reset_clears_only_selected_rows():
    state = MEMORY.init_state(2, dtype=torch.float64)
    payload = torch.tensor([[3.0, -3.0]] * 2, dtype=torch.float64)
    state = MEMORY.write(state, SLOT_ADDRESSES[[5, 5]], payload)
    state = MEMORY.reset(state, where=torch.tensor([0.0, 1.0]))
    reads = MEMORY.read(state, SLOT_ADDRESSES[[5, 5]])
    assert (reads - torch.tensor([[3.0, -3.0], [0.0, 0.0]], dtype=torch.float64)).abs().max() < 1e-6
    assert MEMORY.reset(state).values.abs().sum() == 0
