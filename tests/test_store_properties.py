"""Property suites for symtensor-store: diff/patch against GNU patch, storage round trips, views."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import basic_indices
from symtensor_store import (
    PatchStatus,
    apply_patch,
    dense_to_sparse,
    dump_tensor,
    load_tensor,
    make_tensor,
    pack_tensor,
    slice_tensor,
    slice_view,
    sparse_to_dense,
    unified_diff,
    write_element,
)

GNU_PATCH = Path(shutil.which("patch") or "/usr/bin/patch")
# A machine without GNU patch skips the comparisons, except in CI (`.ci/run` installs patch and
# sets CI=true): there a missing patch fails them instead of silently skipping the check.
needs_gnu_patch = pytest.mark.skipif(
    not GNU_PATCH.exists() and not os.environ.get("CI"), reason="GNU patch not installed"
)
SETTINGS = settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------------------------------------
# strategies

any_char = st.characters(exclude_categories=("Cs",), exclude_characters="\n")
free_line = st.text(any_char, max_size=12)
# a small vocabulary makes repeated lines (ambiguous hunk positions, offsets, fuzz) common
vocabulary_line = st.sampled_from(
    ["", "a", "b", "c", "def f():", "    return x", "ünï ✓", "tab\tx"]
)
line = st.one_of(vocabulary_line, vocabulary_line, free_line)


@st.composite
def texts(draw, lines=line, max_lines=14):
    """Multi-line text; the last line may or may not end in a newline."""
    body = draw(st.lists(lines, max_size=max_lines))
    text = "".join(f"{item}\n" for item in body)
    if draw(st.booleans()):
        text += draw(lines)
    return text


@st.composite
def perturbed(draw, text, lines=line):
    """`text` with a few lines inserted, deleted or replaced."""
    items = text.split("\n")
    for _ in range(draw(st.integers(0, 4))):
        position = draw(st.integers(0, len(items)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        if action == "insert":
            items.insert(position, draw(lines))
        elif items and position < len(items):
            if action == "delete":
                del items[position]
            else:
                items[position] = draw(lines)
    return "\n".join(items)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """One folder per module; each example works in a fresh subfolder of it. (Deleting a folder
    per example costs more than the example itself on a busy disk.)"""
    return tmp_path_factory.mktemp("store_properties")


def fresh(workspace: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=workspace))


def gnu_patch(work: Path, target: str, diff: str) -> tuple[int, str]:
    """Run the real GNU patch (--force --fuzz=3) on files in `work`; return (exit code, output)."""
    (work / "target").write_bytes(target.encode("utf-8"))
    (work / "diff").write_bytes(diff.encode("utf-8"))
    completed = subprocess.run(
        [
            str(GNU_PATCH), "--force", "--fuzz=3", "--binary", "--no-backup-if-mismatch",
            "--silent", "-r", str(work / "rejects"), "-o", str(work / "out"),
            "-i", str(work / "diff"), str(work / "target"),
        ],
        capture_output=True,
        check=False,
    )  # fmt: skip
    return completed.returncode, (work / "out").read_bytes().decode("utf-8")


# ---------------------------------------------------------------------------------------------
# diff and patch


@SETTINGS
@given(a=texts(free_line), b=texts(free_line))
def test_patch_of_own_diff_reproduces_the_new_text(a, b):
    result = apply_patch(a, unified_diff(a, b))
    assert result.text == b
    assert result.status in (PatchStatus.APPLIED, PatchStatus.SKIPPED)


@needs_gnu_patch
@SETTINGS
@given(a=texts(free_line), b=texts(free_line))
def test_gnu_patch_accepts_our_diff_and_reproduces_the_new_text(workspace, a, b):
    diff = unified_diff(a, b)
    assume(diff)
    code, gnu_output = gnu_patch(fresh(workspace), a, diff)
    assert code == 0
    assert gnu_output == b


@needs_gnu_patch
@SETTINGS
@given(data=st.data())
def test_patch_agrees_with_gnu_patch_on_perturbed_targets(workspace, data):
    source = data.draw(texts(), label="source")
    changed = data.draw(perturbed(source), label="changed")
    target = data.draw(perturbed(source), label="target")
    diff = unified_diff(source, changed)
    assume(diff)
    code, gnu_output = gnu_patch(fresh(workspace), target, diff)
    ours = apply_patch(target, diff, fuzz=3)
    event(f"GNU exit {code}, ours {ours.status.value}")
    assert code in (0, 1), "GNU patch reported trouble (exit 2)"
    assert (ours.status is PatchStatus.REJECTED) == (code == 1)
    assert ours.text == gnu_output


# ---------------------------------------------------------------------------------------------
# storage

element = st.one_of(st.none(), st.text(any_char | st.just("\n"), min_size=1, max_size=20))
shapes = (
    st.lists(st.integers(0, 3), min_size=0, max_size=4)
    .map(tuple)
    .filter(lambda shape: int(np.prod(shape)) <= 24)  # keeps file I/O per example small
)


def nested(flat: list, shape: tuple[int, ...]):
    array = np.empty(shape, dtype=object)
    array.reshape(-1)[:] = flat if flat else []
    return array.tolist() if shape else flat[0]


@st.composite
def tensor_contents(draw):
    shape = draw(shapes)
    flat = draw(st.lists(element, min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
    return shape, flat


def build(root: Path, shape: tuple[int, ...], flat: list) -> torch.Tensor:
    if 0 in shape:
        from symtensor_store import make_none_tensor

        return make_none_tensor(shape, root)
    return make_tensor(nested(flat, shape), root)


@SETTINGS
@given(contents=tensor_contents(), scale=st.sampled_from([1.0, 0.5, 2.0, -1.0]))
def test_dump_then_load_round_trips_any_shape_up_to_4d(workspace, contents, scale):
    shape, flat = contents
    folder = fresh(workspace)
    t = build(Path(folder) / "root", shape, flat)
    t.mul_(scale)
    loaded = load_tensor(dump_tensor(t, Path(folder) / "dumped"))
    assert loaded.shape == t.shape
    assert torch.equal(loaded, t)
    assert pack_tensor(loaded) == pack_tensor(t)


@st.composite
def shape_and_index(draw):
    shape = draw(
        st.lists(st.integers(1, 3), min_size=1, max_size=3)
        .map(tuple)
        .filter(lambda shape: int(np.prod(shape)) <= 12)
    )
    if draw(st.booleans()):
        index = draw(basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    else:  # a list of ints on the first axis, optionally followed by a basic index
        picks = draw(st.lists(st.integers(-shape[0], shape[0] - 1), min_size=1, max_size=4))
        index = (picks, slice(None)) if len(shape) > 1 and draw(st.booleans()) else picks
    return shape, index


@SETTINGS
@given(case=shape_and_index())
def test_views_see_parent_writes_and_copies_do_not(workspace, case):
    shape, index = case
    size = int(np.prod(shape))
    before = [f"old {i}" for i in range(size)]
    after = [f"new {i}" for i in range(size)]
    folder = fresh(workspace)
    parent = make_tensor(nested(before, shape), folder)
    view, copy = slice_view(parent, index), slice_tensor(parent, index)
    for flat, position in enumerate(np.ndindex(*shape)):
        write_element(parent, position, after[flat])
    expected_new = np.array(after, dtype=object).reshape(shape)[index]
    expected_old = np.array(before, dtype=object).reshape(shape)[index]
    as_list = lambda array: array.tolist() if isinstance(array, np.ndarray) else array  # noqa: E731
    assert pack_tensor(view) == as_list(expected_new)
    assert pack_tensor(copy) == as_list(expected_old)


@SETTINGS
@given(contents=tensor_contents())
def test_dense_to_sparse_to_dense_is_identity(workspace, contents):
    shape, flat = contents
    folder = fresh(workspace)
    t = build(Path(folder), shape, flat)
    coordinates, values = dense_to_sparse(t)
    assert len(values) == int((t != 0).sum())
    dense = sparse_to_dense(coordinates, values, t.shape)
    assert torch.equal(dense, t)
    assert pack_tensor(dense) == pack_tensor(t)
