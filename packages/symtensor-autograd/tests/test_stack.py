import pytest
import torch
from symtensor_autograd import RootMismatchError, edit_distance_ratio, read_texts, st_stack
from symtensor_store import make_tensor, unified_diff


def test_stack_forward_adds_a_new_axis_like_torch_stack(make, channel):
    a, b = make(["a0", "a1"]), make(["b0", "b1"])
    stacked = st_stack([a, b], dim=1, channel=channel)
    assert stacked.shape == (2, 2)
    assert read_texts(stacked) == ["a0", "b0", "a1", "b1"]
    assert torch.equal(stacked.detach(), torch.stack([a, b], dim=1))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_stack_backward_sends_each_input_its_own_slice(make, channel, dim):
    a, b = make(["a0\n", "a1\n"], grad=True), make(["b0\n", "b1\n"], grad=True)
    stacked = st_stack([a, b], dim=dim, channel=channel)
    wanted = [["A0\n", "a1\n"], ["b0\n", "B1\n"]]  # [tensor][position]
    target = wanted if dim == 0 else [list(pair) for pair in zip(*wanted, strict=True)]
    edit_distance_ratio(stacked, make_tensor(target, a.st_root)).sum().backward()
    assert read_texts(channel.text_grad(a)) == [unified_diff("a0\n", "A0\n"), ""]
    assert read_texts(channel.text_grad(b)) == ["", unified_diff("b1\n", "B1\n")]
    assert a.grad[0] > 0 and a.grad[1] == 0
    assert b.grad[0] == 0 and b.grad[1] > 0


def test_stack_numeric_gradient_matches_finite_differences(make, channel):
    a, b, c = make(["a", "b"], grad=True), make(["c", "d"], grad=True), make(["e", "f"], grad=True)
    assert torch.autograd.gradcheck(lambda *t: st_stack(list(t), dim=1, channel=channel), (a, b, c))


def test_stack_of_tensors_under_different_roots_is_refused(tmp_path, channel):
    with pytest.raises(RootMismatchError):
        st_stack(
            [make_tensor(["a"], tmp_path / "x"), make_tensor(["b"], tmp_path / "y")],
            channel=channel,
        )
