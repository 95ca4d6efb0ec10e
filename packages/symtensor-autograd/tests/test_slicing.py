import os

import pytest
import torch
from symtensor_autograd import copy, edit_distance_ratio, fork, read_texts, slice_tensor, slice_view
from symtensor_store import element_path, make_tensor, unified_diff


def test_slice_view_forward_links_the_selected_elements(make, channel):
    x = make([["a", "b"], ["c", "d"]])
    row = slice_view(x, (1, slice(None)), channel=channel)
    assert row.shape == (2,)
    assert read_texts(row) == ["c", "d"]
    assert os.path.islink(element_path(row, 0))
    assert row.st_channel is channel


def test_slice_tensor_forward_copies_the_selected_elements(make, channel):
    x = make([["a", "b"], ["c", "d"]])
    column = slice_tensor(x, (slice(None), 0), channel=channel)
    assert read_texts(column) == ["a", "c"]
    assert not os.path.islink(element_path(column, 0))


@pytest.mark.parametrize("function", [slice_view, slice_tensor])
def test_slice_backward_routes_both_gradients_to_the_source_positions(make, channel, function):
    x = make([["a\n", "b\n"], ["c\n", "d\n"]], grad=True)
    picked = function(x, (slice(None), 1), channel=channel)  # b, d
    expected = make_tensor(["B\n", "d\n"], x.st_root)
    edit_distance_ratio(picked, expected).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.5], [0.0, 0.0]]
    assert read_texts(channel.text_grad(x)) == ["", unified_diff("b\n", "B\n"), "", ""]


def test_repeated_index_sums_numeric_and_combines_text_gradients(make, channel):
    x = make(["1\n2\n3\n4\n5\n6\n7\n", "z\n"], grad=True)
    twice = slice_view(x, [0, 0], channel=channel)
    expected = make_tensor(["ONE\n2\n3\n4\n5\n6\n7\n", "1\n2\n3\n4\n5\n6\nSEVEN\n"], x.st_root)
    edit_distance_ratio(twice, expected).sum().backward()
    assert x.grad[0].item() > 0
    assert x.grad[1].item() == 0
    assert read_texts(channel.text_grad(x))[0] == unified_diff(
        "1\n2\n3\n4\n5\n6\n7\n", "ONE\n2\n3\n4\n5\n6\nSEVEN\n"
    )


@pytest.mark.parametrize("function", [slice_view, slice_tensor])
def test_slice_numeric_gradient_matches_finite_differences(make, channel, function):
    x = make([["a", "b", "c"], ["d", "e", "f"]], grad=True)
    assert torch.autograd.gradcheck(
        lambda t: function(t, ([1, 0, 1], [2, 2, 0]), channel=channel), (x,)
    )


def test_copy_is_independent_and_passes_gradients_through(make, channel):
    x = make(["a\n", "b\n"], grad=True)
    duplicate = copy(x, channel=channel)
    assert read_texts(duplicate) == ["a\n", "b\n"]
    assert not os.path.islink(element_path(duplicate, 0))
    edit_distance_ratio(duplicate, make_tensor(["a\n", "c\n"], x.st_root)).sum().backward()
    assert x.grad.tolist() == [0.0, 0.5]
    assert read_texts(channel.text_grad(x)) == ["", unified_diff("b\n", "c\n")]
    assert torch.autograd.gradcheck(lambda t: copy(t, channel=channel), (x,))


def test_fork_gives_n_views_and_backward_merges_all_their_gradients(make, channel):
    x = make(["1\n2\n3\n4\n5\n6\n7\n", "b\n"], grad=True)
    first, second = fork(x, 2, channel=channel)
    assert read_texts(first) == read_texts(second) == read_texts(x)
    loss = edit_distance_ratio(first, make_tensor(["X\n2\n3\n4\n5\n6\n7\n", "b\n"], x.st_root))
    loss = loss + edit_distance_ratio(
        second, make_tensor(["1\n2\n3\n4\n5\n6\nY\n", "c\n"], x.st_root)
    )
    loss.sum().backward()
    assert x.grad[0].item() == pytest.approx(1 / 14 + 1 / 14)
    assert x.grad[1].item() == pytest.approx(0.5)
    assert read_texts(channel.text_grad(x)) == [
        unified_diff("1\n2\n3\n4\n5\n6\n7\n", "X\n2\n3\n4\n5\n6\nY\n"),
        unified_diff("b\n", "c\n"),
    ]


def test_fork_numeric_gradient_matches_finite_differences(make, channel):
    x = make(["a", "b"], grad=True)
    assert torch.autograd.gradcheck(lambda t: fork(t, 3, channel=channel), (x,))


def test_fork_needs_at_least_one_output(make, channel):
    with pytest.raises(ValueError, match="n >= 1"):
        fork(make(["a"]), 0, channel=channel)


def test_registered_slicers_and_fork_carry_both_gradients(make, channel):
    """The seed's `t.st_view_slicer[...]`, `t.st_value_slicer[...]`, `t.st_fork(n)` with autograd."""
    from symtensor_autograd import register_tensor_ops, stamp
    from symtensor_store import unregister_tensor_ops

    register_tensor_ops()
    try:
        x = stamp(make([["a\n", "b\n"], ["c\n", "d\n"]], grad=True), channel)
        row = x.st_view_slicer[0, :]  # a, b
        column = x.st_value_slicer[:, 1]  # b, d
        left, right = row.st_fork(2)
        loss = (
            edit_distance_ratio(left, make(["A\n", "b\n"]))
            + edit_distance_ratio(right, make(["a\n", "b\n"]))
            + edit_distance_ratio(column, make(["b\n", "D\n"]))
        )
        loss.sum().backward()
        assert x.grad.tolist() == [[0.5, 0.0], [0.0, 0.5]]  # ratio 1/2 where a text is wrong
        diffs = read_texts(channel.text_grad(x))
        assert diffs == [unified_diff("a\n", "A\n"), "", "", unified_diff("d\n", "D\n")]
        assert x.st_pack() == [["a\n", "b\n"], ["c\n", "d\n"]]  # the store's methods too
    finally:
        unregister_tensor_ops()
