import pytest
import torch
from symtensor_store import (
    ElementIndexError,
    element_path,
    make_tensor,
    pack_tensor,
    read_element,
    slice_tensor,
    slice_view,
    write_element,
)


@pytest.fixture
def grid(tmp_path):
    return make_tensor([["a", "b", "c"], ["d", "", "f"]], tmp_path)


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (0, ["a", "b", "c"]),
        ((slice(None), 1), ["b", ""]),
        ((Ellipsis, -1), ["c", "f"]),
        ((None, 1), [["d", "", "f"]]),
        ([1, 0], [["d", "", "f"], ["a", "b", "c"]]),
        ((slice(None), [2, 0]), [["c", "a"], ["f", "d"]]),
        ([0, slice(None)], ["a", "b", "c"]),
        ((1, 2), "f"),
    ],
)
def test_slices_select_like_numpy(grid, index, expected):
    assert pack_tensor(slice_view(grid, index)) == expected
    assert pack_tensor(slice_tensor(grid, index)) == expected


def test_slices_carry_the_coefficients_of_selected_elements(grid):
    column = slice_tensor(grid, (slice(None), 1))
    assert column.tolist() == [1.0, 0.0]
    assert column.dtype == grid.dtype
    assert column.st_root == grid.st_root and column.st_uid != grid.st_uid


def test_view_elements_are_symlinks_and_see_parent_writes(grid):
    row = slice_view(grid, 0)
    assert element_path(row, 0).is_symlink()
    write_element(grid, (0, 1), "B")
    assert read_element(row, (1,)) == "B"


def test_writes_through_a_view_reach_the_parent(grid):
    row = slice_view(grid, 1)
    write_element(row, (1,), "E")
    assert read_element(grid, (1, 1)) == "E"
    assert element_path(row, 1).is_symlink()


def test_view_of_a_none_element_fills_the_parent_when_written(tmp_path):
    t = make_tensor([None, "x"], tmp_path)
    view = slice_view(t, 0)
    assert pack_tensor(view) == None  # noqa: E711
    write_element(view, (), "now")
    assert read_element(t, (0,)) == "now"


def test_copies_do_not_see_parent_writes(grid):
    row = slice_tensor(grid, 0)
    write_element(grid, (0, 0), "A")
    assert read_element(row, (0,)) == "a"
    assert not element_path(row, 0).is_symlink()


def test_index_out_of_range_raises_domain_error(grid):
    with pytest.raises(ElementIndexError, match=r"shape \[2, 3\]"):
        slice_view(grid, (5, 0))


def test_tensor_index_works_like_a_list(grid):
    picked = slice_tensor(grid, torch.tensor([1]))
    assert pack_tensor(picked) == [["d", "", "f"]]
