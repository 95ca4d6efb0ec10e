import pytest
import torch
from symtensor_store import (
    PatchStatus,
    ShapeMismatchError,
    diff_tensor,
    make_tensor,
    pack_tensor,
    patch_tensor,
    read_element,
)


def test_diff_tensor_holds_elementwise_diffs_with_unit_coefficients(tmp_path):
    actual = make_tensor(["same\n", "old\n"], tmp_path)
    expected = make_tensor(["same\n", "new\n"], tmp_path)
    diffs = diff_tensor(actual, expected)
    assert diffs.st_root == actual.st_root
    assert diffs.tolist() == [0.0, 1.0]
    assert read_element(diffs, (0,)) == ""
    assert "-old\n+new\n" in read_element(diffs, (1,))


def test_patch_tensor_turns_actual_into_expected(tmp_path):
    actual = make_tensor([["a\nb\n", "x"], ["same", "1\n2\n3\n"]], tmp_path)
    expected = make_tensor([["a\nB\n", "y"], ["same", "1\n3\n"]], tmp_path)
    report = patch_tensor(actual, diff_tensor(actual, expected))
    assert pack_tensor(actual) == pack_tensor(expected)
    assert (report.applied, report.fuzzed, report.rejected, report.skipped) == (3, 0, 0, 1)


def test_patch_tensor_cold_start_takes_plus_lines(tmp_path):
    experience = make_tensor(["", None], tmp_path)
    source = make_tensor(["ctx\nold\n", "ctx\nold\n"], tmp_path)
    target = make_tensor(["ctx\nnew\n", "ctx\nnew\n"], tmp_path)
    report = patch_tensor(experience, diff_tensor(source, target))
    assert pack_tensor(experience) == ["new\n", "new\n"]
    assert report.applied == 2


def test_patch_tensor_skips_masked_and_zero_gradient_elements(tmp_path):
    actual = make_tensor(["a\n", "b\n", "c\n"], tmp_path)
    expected = make_tensor(["A\n", "B\n", "C\n"], tmp_path)
    diffs = diff_tensor(actual, expected)
    diffs.data[2] = 0
    report = patch_tensor(actual, diffs, mask=torch.tensor([True, False, True]))
    assert pack_tensor(actual) == ["A\n", "b\n", "c\n"]
    assert report.statuses == [PatchStatus.APPLIED, PatchStatus.SKIPPED, PatchStatus.SKIPPED]


def test_patch_tensor_leaves_rejected_elements_unchanged(tmp_path):
    base = "".join(f"{i}\n" for i in range(10))
    actual = make_tensor([base], tmp_path)
    diffs = diff_tensor(actual, make_tensor([base.replace("5\n", "five\n")], tmp_path))
    target = make_tensor(["unrelated\ntext\n"], tmp_path)
    report = patch_tensor(target, diffs)
    assert report.rejected == 1 and 0 in report.messages
    assert pack_tensor(target) == ["unrelated\ntext\n"]


def test_patch_tensor_counts_fuzzed_elements(tmp_path):
    base = "".join(f"{i}\n" for i in range(10))
    actual = make_tensor([base], tmp_path)
    diffs = diff_tensor(actual, make_tensor([base.replace("5\n", "five\n")], tmp_path))
    target = make_tensor(["new first line\n" + base], tmp_path)
    report = patch_tensor(target, diffs)
    assert report.fuzzed == 1
    assert read_element(target, (0,)) == "new first line\n" + base.replace("5\n", "five\n")


def test_diff_and_patch_require_equal_shapes(tmp_path):
    a, b = make_tensor(["a"], tmp_path), make_tensor(["a", "b"], tmp_path)
    with pytest.raises(ShapeMismatchError):
        diff_tensor(a, b)
    with pytest.raises(ShapeMismatchError):
        patch_tensor(a, b)


def test_st_patched_says_whether_and_where_a_patch_changed_a_tensor(tmp_path):
    from symtensor_store import patched_elements, st_patched

    target = make_tensor(["a\n", "b\n", "c\n"], tmp_path)
    assert not st_patched(target)
    expected = make_tensor(["a\n", "B\n", "c\n"], tmp_path)
    patch_tensor(target, diff_tensor(target, expected))
    assert st_patched(target)
    assert patched_elements(target) == [1]
    assert not st_patched(expected)


def test_the_seed_quick_start_names(tmp_path):
    """`from symtensor_store import tensor, none` as in seed 000's quick start."""
    from symtensor_store import (
        none,
        pack_tensor,
        register_tensor_ops,
        tensor,
        unregister_tensor_ops,
    )

    t = tensor(["hello world", "bonjour le monde"], tmp_path)
    assert t.shape == (2,) and t.tolist() == [1.0, 1.0]
    assert (tmp_path / t.st_uid / "storage" / "0" / "data").read_text() == "hello world"
    empty = none((2,), tmp_path)
    assert empty.tolist() == [0.0, 0.0] and pack_tensor(empty) == [None, None]
    register_tensor_ops()
    try:
        expected = tensor(["hello world", "bonjour tout le monde"], tmp_path)
        t.st_patch(t.st_get_diff(expected))
        assert t.st_patched() and t.st_pack() == expected.st_pack()
        forks = t.st_fork(num_outputs=3)
        assert [f.st_pack() for f in forks] == [expected.st_pack()] * 3
        assert t.st_view_slicer[0].st_pack() == "hello world"
    finally:
        unregister_tensor_ops()
