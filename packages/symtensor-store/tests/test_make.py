import json

import pytest
import torch
from symtensor_store import (
    NotSymbolicError,
    ShapeMismatchError,
    StorageError,
    element_path,
    empty_tensor_like,
    file_paths,
    is_symbolic,
    make_none_tensor,
    make_tensor,
    none_tensor_like,
    pack_tensor,
    read_element,
    storage_dir,
    todo_tensor_like,
    write_element,
)


def test_make_tensor_stores_each_string_at_its_digit_path(tmp_path):
    texts = [f"element {i}" for i in range(12)]
    t = make_tensor(texts, tmp_path)
    assert (tmp_path / t.st_uid / "storage" / "1" / "1" / "data").read_text() == "element 11"
    assert (tmp_path / t.st_uid / "storage" / "0" / "data").read_text() == "element 0"
    assert json.loads((tmp_path / t.st_uid / "shape").read_text()) == [12]


def test_make_tensor_coefficients_are_bfloat16_one_for_text_zero_for_empty_and_none(tmp_path):
    t = make_tensor([["x", ""], [None, "y"]], tmp_path)
    assert t.dtype == torch.bfloat16
    assert t.tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert t.st_root == tmp_path
    assert is_symbolic(t)


def test_make_tensor_none_leaves_no_file(tmp_path):
    t = make_tensor([None, "a"], tmp_path)
    assert not element_path(t, 0).exists()
    assert read_element(t, (0,)) is None


def test_make_tensor_from_path_copies_content(tmp_path):
    source = tmp_path / "src.txt"
    source.write_text("hello\n")
    t = make_tensor([source], tmp_path / "root")
    source.write_text("changed\n")
    assert read_element(t, (0,)) == "hello\n"
    assert not element_path(t, 0).is_symlink()


def test_make_tensor_from_path_with_symlink_follows_the_source(tmp_path):
    source = tmp_path / "src.txt"
    source.write_text("hello\n")
    t = make_tensor([source], tmp_path / "root", symlink=True)
    source.write_text("changed\n")
    assert element_path(t, 0).is_symlink()
    assert read_element(t, (0,)) == "changed\n"


def test_make_tensor_from_missing_path_names_it(tmp_path):
    with pytest.raises(StorageError, match=r"missing\.txt"):
        make_tensor([tmp_path / "missing.txt"], tmp_path)


def test_make_tensor_rejects_ragged_lists(tmp_path):
    with pytest.raises(ShapeMismatchError, match="ragged"):
        make_tensor([["a", "b"], ["c"]], tmp_path)


def test_make_tensor_rejects_non_text_leaves(tmp_path):
    with pytest.raises(ShapeMismatchError, match="int"):
        make_tensor([1, 2], tmp_path)


def test_make_tensor_keeps_unicode_and_crlf_bytes_exactly(tmp_path):
    text = "héllo wörld ✓\r\nline two\n"
    t = make_tensor([text], tmp_path)
    assert element_path(t, 0).read_bytes() == text.encode("utf-8")
    assert read_element(t, 0) == text


def test_make_none_tensor_is_all_zero_with_no_files(tmp_path):
    t = make_none_tensor([2, 3], tmp_path)
    assert t.shape == (2, 3)
    assert t.sum().item() == 0
    assert not storage_dir(t).exists() or not any(storage_dir(t).rglob("data"))


def test_like_constructors_share_root_and_shape_with_fresh_uid(tmp_path):
    t = make_tensor([["a", "b"]], tmp_path)
    none, empty, todo = none_tensor_like(t), empty_tensor_like(t), todo_tensor_like(t)
    for made in (none, empty, todo):
        assert made.shape == t.shape and made.st_root == t.st_root and made.st_uid != t.st_uid
    assert pack_tensor(none) == [[None, None]]
    assert pack_tensor(empty) == [["", ""]]
    assert pack_tensor(todo) == [["TODO", "TODO"]]
    assert none.sum().item() == 0 and empty.sum().item() == 0
    assert todo.tolist() == [[1.0, 1.0]]


def test_write_element_is_visible_and_sets_coefficient(tmp_path):
    t = make_none_tensor([2, 2], tmp_path)
    write_element(t, (1, 0), "new")
    assert read_element(t, (1, 0)) == "new"
    assert t[1, 0].item() == 1.0
    assert t.sum().item() == 1.0


def test_write_element_leaves_no_temporary_files(tmp_path):
    t = make_tensor(["a"], tmp_path)
    write_element(t, (0,), "b")
    leftovers = [p for p in (tmp_path / t.st_uid).rglob("*") if p.name.startswith(".tmp")]
    assert leftovers == []


def test_read_element_outside_shape_is_an_index_error(tmp_path):
    t = make_tensor(["a", "b"], tmp_path)
    with pytest.raises(IndexError, match="outside shape"):
        read_element(t, (2,))


def test_file_paths_are_in_row_major_order(tmp_path):
    t = make_tensor([["a", "b"], ["c", "d"]], tmp_path)
    assert [p.read_text() for p in file_paths(t)] == ["a", "b", "c", "d"]


def test_plain_tensor_is_not_symbolic():
    with pytest.raises(NotSymbolicError, match="symbolic tensor"):
        file_paths(torch.zeros(2))


def test_make_tensor_under_a_file_root_is_a_storage_error(tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    with pytest.raises(StorageError, match="file"):
        make_tensor(["a"], not_a_folder)


def test_unencodable_text_is_a_storage_error(tmp_path):
    with pytest.raises(StorageError, match="UTF-8"):
        make_tensor(["lone \ud800 surrogate"], tmp_path)


def test_symlink_loop_is_a_storage_error(tmp_path):
    t = make_tensor(["a"], tmp_path)
    path = element_path(t, 0)
    path.unlink()
    path.symlink_to(path)
    with pytest.raises(StorageError, match="cannot read element"):
        read_element(t, (0,))


@pytest.mark.parametrize("failure", [KeyboardInterrupt, OSError(28, "No space left on device")])
def test_an_interrupted_write_leaves_the_old_element_whole(tmp_path, monkeypatch, failure):
    from symtensor_store import layout

    t = make_tensor(["old text\n"], tmp_path)

    def crash(source, target):
        raise failure

    monkeypatch.setattr(layout.os, "replace", crash)
    expected = KeyboardInterrupt if failure is KeyboardInterrupt else StorageError
    with pytest.raises(expected):
        write_element(t, (0,), "new text that never lands\n")
    monkeypatch.undo()
    assert read_element(t, (0,)) == "old text\n"
    assert [p.name for p in (tmp_path / t.st_uid).rglob(".tmp*")] == []
