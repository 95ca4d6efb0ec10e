import numpy as np
import pytest
import torch
from symtensor_store import (
    ShapeMismatchError,
    dense_to_sparse,
    make_tensor,
    pack_tensor,
    sparse_to_dense,
    stack_tensors,
)


def test_dense_to_sparse_lists_nonzero_coordinates_and_their_elements(tmp_path):
    t = make_tensor([["a", ""], [None, "d"]], tmp_path)
    coordinates, values = dense_to_sparse(t)
    assert coordinates.tolist() == [[0, 0], [1, 1]]
    assert coordinates.dtype == torch.long
    assert pack_tensor(values) == ["a", "d"]
    assert values.tolist() == [1.0, 1.0]


def test_sparse_to_dense_inverts_dense_to_sparse(tmp_path):
    t = make_tensor([["a", ""], [None, "d"]], tmp_path)
    dense = sparse_to_dense(*dense_to_sparse(t), t.shape)
    assert pack_tensor(dense) == [["a", None], [None, "d"]]
    assert torch.equal(dense, t)


def test_sparse_to_dense_rejects_coordinates_outside_shape(tmp_path):
    values = make_tensor(["a"], tmp_path)
    with pytest.raises(ShapeMismatchError, match="outside"):
        sparse_to_dense(torch.tensor([[3, 0]]), values, (2, 2))


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_stack_matches_torch_stack(tmp_path, dim):
    first = make_tensor([["a", "b", "c"], ["d", "e", ""]], tmp_path)
    second = make_tensor([["A", "B", "C"], ["D", "E", "F"]], tmp_path)
    stacked = stack_tensors([first, second], dim=dim)
    assert torch.equal(stacked, torch.stack([first, second], dim=dim))
    import numpy as np

    expected = np.stack([np.array(pack_tensor(first)), np.array(pack_tensor(second))], axis=dim)
    assert pack_tensor(stacked) == expected.tolist()


def test_stack_requires_equal_shapes(tmp_path):
    with pytest.raises(ShapeMismatchError, match="equal shapes"):
        stack_tensors([make_tensor(["a"], tmp_path), make_tensor(["a", "b"], tmp_path)])


@pytest.mark.parametrize("dims", [None, (0, 1, 2), (2, 0, 1), (1, 2, 0)])
def test_transposed_coordinates_give_the_permuted_dense_tensor(tmp_path, dims):
    from symtensor_store import slice_view, transpose_coordinates

    texts = [[["a", None, "c"], [None, "e", None]], [["g", "h", None], [None, None, "l"]]]
    t = make_tensor(texts, tmp_path)  # shape (2, 2, 3)
    coordinates, values = dense_to_sparse(t)
    new, shape, order = transpose_coordinates(coordinates, t.shape, dims)
    dense = sparse_to_dense(new, slice_view(values, order), shape)
    permutation = dims if dims is not None else (2, 1, 0)
    expected = np.array(texts, dtype=object).transpose(permutation).tolist()
    assert shape == tuple(np.array(texts, dtype=object).transpose(permutation).shape)
    assert pack_tensor(dense) == expected
    assert new.tolist() == sorted(new.tolist())  # row-major order of the new shape


def test_transpose_refuses_a_non_permutation():
    from symtensor_store import transpose_coordinates

    with pytest.raises(ShapeMismatchError, match="not a permutation"):
        transpose_coordinates(torch.zeros(1, 2, dtype=torch.long), (2, 2), (0, 0))
