import torch
from symtensor_autograd import (
    copy,
    dense_to_sparse,
    edit_distance_ratio,
    read_texts,
    sparse_to_dense,
    with_dense_view,
)
from symtensor_store import make_tensor, unified_diff


def test_dense_to_sparse_keeps_the_nonzero_elements_with_coordinates(make, channel):
    dense = make([["a", ""], ["", "d"]])
    coordinates, values = dense_to_sparse(dense, channel=channel)
    assert coordinates.tolist() == [[0, 0], [1, 1]]
    assert read_texts(values) == ["a", "d"]


def test_sparse_to_dense_places_values_and_leaves_the_rest_none(make, channel):
    values = make(["x", "y"])
    dense = sparse_to_dense(torch.tensor([[0, 1], [1, 0]]), values, (2, 2), channel=channel)
    assert read_texts(dense) == [None, "x", "y", None]
    assert dense.detach().tolist() == [[0, 1], [1, 0]]


def test_dense_to_sparse_backward_scatters_into_the_dense_positions(make, channel):
    dense = make([["a\n", ""], ["", "d\n"]], grad=True)
    _, values = dense_to_sparse(dense, channel=channel)
    edit_distance_ratio(values, make_tensor(["a\n", "D\n"], dense.st_root)).sum().backward()
    assert dense.grad.tolist() == [[0.0, 0.0], [0.0, 0.5]]
    assert read_texts(channel.text_grad(dense)) == ["", "", "", unified_diff("d\n", "D\n")]


def test_sparse_to_dense_backward_gathers_from_the_coordinates(make, channel):
    values = make(["x\n", "y\n"], grad=True)
    dense = sparse_to_dense(torch.tensor([[1, 1], [0, 0]]), values, (2, 2), channel=channel)
    edit_distance_ratio(
        dense, make_tensor([["Y\n", ""], ["", "x\n"]], values.st_root)
    ).sum().backward()
    assert values.grad.tolist() == [0.0, 0.5]
    assert read_texts(channel.text_grad(values)) == ["", unified_diff("y\n", "Y\n")]


def test_conversions_numeric_gradients_match_finite_differences(make, channel):
    # all elements nonzero: perturbing a zero would change which elements are selected
    dense = make([["a", "b"], ["c", "d"]], grad=True)
    assert torch.autograd.gradcheck(lambda t: dense_to_sparse(t, channel=channel)[1], (dense,))
    values = make(["x", "y"], grad=True)
    coordinates = torch.tensor([[0, 1], [1, 0]])
    assert torch.autograd.gradcheck(
        lambda v: sparse_to_dense(coordinates, v, (2, 2), channel=channel), (values,)
    )


def test_with_dense_view_runs_a_dense_function_and_returns_sparse_values(make, channel):
    values = make(["x\n", "y\n"], grad=True)
    coordinates = torch.tensor([[0, 1], [1, 0]])
    result = with_dense_view(
        lambda d: copy(d, channel=channel), coordinates, values, (2, 2), channel=channel
    )
    assert read_texts(result) == ["x\n", "y\n"]
    edit_distance_ratio(result, make_tensor(["x\n", "z\n"], values.st_root)).sum().backward()
    assert values.grad.tolist() == [0.0, 0.5]
    assert read_texts(channel.text_grad(values)) == ["", unified_diff("y\n", "z\n")]


def test_with_dense_view_numeric_gradient_matches_finite_differences(make, channel):
    values = make(["x", "y", "z"], grad=True)
    coordinates = torch.tensor([[0, 1], [1, 0], [1, 1]])
    assert torch.autograd.gradcheck(
        lambda v: with_dense_view(
            lambda d: copy(d, channel=channel), coordinates, v, (2, 2), channel=channel
        ),
        (values,),
    )
