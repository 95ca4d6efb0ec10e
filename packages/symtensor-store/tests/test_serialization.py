import json

import pytest
import torch
from symtensor_store import (
    StorageError,
    dump_tensor,
    load_tensor,
    make_tensor,
    pack_tensor,
    slice_view,
)


def test_pack_tensor_nests_like_the_shape(tmp_path):
    t = make_tensor([[["a"], ["b"]], [["c"], [None]]], tmp_path)
    assert pack_tensor(t) == [[["a"], ["b"]], [["c"], [None]]]


def test_dump_then_load_round_trips_text_shape_and_coefficients(tmp_path):
    t = make_tensor([["x", None], ["", "z\n"]], tmp_path / "root")
    t.data[1, 1] = 0.5
    loaded = load_tensor(dump_tensor(t, tmp_path / "dumped"))
    assert pack_tensor(loaded) == pack_tensor(t)
    assert torch.equal(loaded, t)
    assert loaded.st_uid == "dumped" and loaded.st_root == tmp_path


def test_dump_of_a_view_copies_the_content(tmp_path):
    t = make_tensor(["a", "b"], tmp_path / "root")
    directory = dump_tensor(slice_view(t, [1]), tmp_path / "dumped")
    assert not (directory / "storage" / "0" / "data").is_symlink()
    assert pack_tensor(load_tensor(directory)) == ["b"]


def test_load_without_coefficients_file_derives_them_from_text(tmp_path):
    t = make_tensor(["a", ""], tmp_path)
    loaded = load_tensor(tmp_path / t.st_uid)
    assert loaded.tolist() == [1.0, 0.0]


def test_load_missing_folder_names_it(tmp_path):
    with pytest.raises(StorageError, match="nowhere"):
        load_tensor(tmp_path / "nowhere")


def test_load_missing_shape_names_the_file(tmp_path):
    (tmp_path / "t").mkdir()
    with pytest.raises(StorageError, match=r"t/shape: shape file is missing"):
        load_tensor(tmp_path / "t")


@pytest.mark.parametrize("content", ["not json", '{"a": 1}', "[2, -1]", '[2, "x"]'])
def test_load_corrupt_shape_names_the_file(tmp_path, content):
    t = make_tensor(["a", "b"], tmp_path)
    (tmp_path / t.st_uid / "shape").write_text(content)
    with pytest.raises(StorageError, match="shape"):
        load_tensor(tmp_path / t.st_uid)


def test_load_with_element_outside_shape_names_it(tmp_path):
    t = make_tensor(["a", "b"], tmp_path)
    (tmp_path / t.st_uid / "shape").write_text(json.dumps([1]))
    with pytest.raises(StorageError, match=r"storage/1/data: element 1 lies outside shape \[1\]"):
        load_tensor(tmp_path / t.st_uid)


def test_load_with_stray_storage_path_names_it(tmp_path):
    t = make_tensor(["a"], tmp_path)
    bad = tmp_path / t.st_uid / "storage" / "x" / "data"
    bad.parent.mkdir()
    bad.write_text("?")
    with pytest.raises(StorageError, match="not a valid element path"):
        load_tensor(tmp_path / t.st_uid)


def test_load_binary_garbage_shape_names_the_file(tmp_path):
    t = make_tensor(["a", "b"], tmp_path)
    (tmp_path / t.st_uid / "shape").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(StorageError, match=r"shape: shape file is not UTF-8"):
        load_tensor(tmp_path / t.st_uid)


def test_load_shape_that_is_a_folder_names_it(tmp_path):
    t = make_tensor(["a"], tmp_path)
    shape = tmp_path / t.st_uid / "shape"
    shape.unlink()
    shape.mkdir()
    with pytest.raises(StorageError, match=r"shape: cannot read shape file"):
        load_tensor(tmp_path / t.st_uid)


@pytest.mark.parametrize(
    "content",
    [b"\xff", b"[1, 2]", b'{"dtype": "Tensor", "values": [1, 1]}', b'{"values": [1, 1]}'],
)
def test_load_corrupt_coefficients_names_the_file(tmp_path, content):
    directory = dump_tensor(make_tensor(["a", "b"], tmp_path / "root"), tmp_path / "dumped")
    (directory / "coefficients").write_bytes(content)
    with pytest.raises(StorageError, match=r"dumped/coefficients: corrupt coefficients file"):
        load_tensor(directory)


def test_load_of_a_linked_dump_whose_source_is_gone_names_the_missing_file(tmp_path):
    t = make_tensor(["a", "b"], tmp_path / "root")
    directory = dump_tensor(t, tmp_path / "dumped", as_symlinks=True)
    assert pack_tensor(load_tensor(directory)) == ["a", "b"]
    (tmp_path / "root" / t.st_uid / "storage" / "1" / "data").unlink()
    with pytest.raises(StorageError, match=r"dumped/storage/1/data: element file is missing"):
        load_tensor(directory)


def test_a_live_folder_may_hold_views_of_none_elements(tmp_path):
    parent = make_tensor([None, "x"], tmp_path)
    view = slice_view(parent, [0, 1])
    assert pack_tensor(load_tensor(tmp_path / view.st_uid)) == [None, "x"]
