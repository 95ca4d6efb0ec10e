import importlib

import pytest
import symtensor_store
import symtensor_store.tensor_ops
import torch
from symtensor_store import (
    make_tensor,
    pack_tensor,
    read_element,
    register_tensor_ops,
    unregister_tensor_ops,
    write_element,
)


@pytest.fixture
def ops():
    register_tensor_ops()  # idempotent; left registered because other suites may rely on it


def test_importing_the_package_registers_nothing():
    was_registered = hasattr(torch.Tensor, "st_pack")
    unregister_tensor_ops()
    try:
        importlib.reload(symtensor_store.tensor_ops)
        importlib.reload(symtensor_store)
        assert not hasattr(torch.Tensor, "st_pack")
    finally:
        if was_registered:
            register_tensor_ops()


def test_unregister_removes_the_methods():
    register_tensor_ops()
    unregister_tensor_ops()
    assert not hasattr(torch.Tensor, "st_view_slicer")
    register_tensor_ops()
    assert hasattr(torch.Tensor, "st_view_slicer")


def test_registered_methods_work_on_symbolic_tensors(tmp_path, ops):
    t = make_tensor([["a\n", "b\n"], ["c\n", "d\n"]], tmp_path)
    expected = make_tensor([["a\n", "B\n"], ["c\n", "d\n"]], tmp_path)
    assert t.st_pack() == [["a\n", "b\n"], ["c\n", "d\n"]]
    assert len(t.st_file_paths()) == 4
    report = t.st_patch(t.st_get_diff(expected))
    assert report.applied == 1 and t.st_pack() == expected.st_pack()


def test_slicers_give_views_and_copies(tmp_path, ops):
    t = make_tensor([["a", "b"], ["c", "d"]], tmp_path)
    row_view, column_copy = t.st_view_slicer[0, :], t.st_value_slicer[:, 1]
    write_element(t, (0, 1), "B")
    assert pack_tensor(row_view) == ["a", "B"]
    assert pack_tensor(column_copy) == ["b", "d"]


def test_fork_gives_views_of_the_whole_tensor(tmp_path, ops):
    t = make_tensor(["a", "b"], tmp_path)
    forks = t.st_fork(3)
    assert len(forks) == 3
    write_element(forks[0], (1,), "z")
    assert [read_element(f, (1,)) for f in forks] == ["z", "z", "z"]


def test_assign_methods(tmp_path, ops):
    dst, src = make_tensor(["x"], tmp_path), make_tensor(["y"], tmp_path)
    dst.st_assign(src)
    assert dst.st_pack() == ["y"]
    dst.st_assign_view(src)
    write_element(src, (0,), "w")
    assert dst.st_pack() == ["w"]
