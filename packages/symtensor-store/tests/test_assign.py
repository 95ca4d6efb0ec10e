import pytest
from symtensor_store import (
    ShapeMismatchError,
    assign_tensor,
    assign_view,
    element_path,
    make_tensor,
    pack_tensor,
    read_element,
    slice_view,
    write_element,
)


def test_assign_tensor_copies_text_and_coefficients(tmp_path):
    dst = make_tensor(["old", "old"], tmp_path)
    src = make_tensor(["new", None], tmp_path)
    assign_tensor(dst, src)
    assert pack_tensor(dst) == ["new", None]
    assert dst.tolist() == [1.0, 0.0]
    write_element(src, (0,), "later")
    assert read_element(dst, (0,)) == "new"


def test_assign_tensor_into_a_view_writes_the_parent(tmp_path):
    parent = make_tensor([["a", "b"], ["c", "d"]], tmp_path)
    row = slice_view(parent, 0)
    assign_tensor(row, make_tensor(["x", "y"], tmp_path))
    assert pack_tensor(parent) == [["x", "y"], ["c", "d"]]


def test_assign_view_links_dst_to_src(tmp_path):
    dst = make_tensor(["old", "old"], tmp_path)
    src = make_tensor(["new", "other"], tmp_path)
    assign_view(dst, src)
    assert element_path(dst, 0).is_symlink()
    write_element(src, (1,), "changed")
    assert pack_tensor(dst) == ["new", "changed"]


def test_assign_requires_equal_shapes(tmp_path):
    with pytest.raises(ShapeMismatchError, match=r"\[3\].*\[2\]"):
        assign_tensor(make_tensor(["a", "b"], tmp_path), make_tensor(["a", "b", "c"], tmp_path))
