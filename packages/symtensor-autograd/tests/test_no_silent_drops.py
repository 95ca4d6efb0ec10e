"""Every text gradient reaches its leaf, is merged and counted, or raises: never silently lost.

The matrix of issue 14: fork conflicts, channel mismatch, a loss on a view, stacked and sliced
paths, a re-stamped value, a merge whose diff breaks the part markers; and autograd hygiene
(tensors saved for backward, texts edited between forward and backward).
"""

from __future__ import annotations

import pytest
import torch
from symtensor_autograd import (
    EditDistanceRatio,
    GradientChannel,
    GradientChannelError,
    StSGD,
    SymbolicAutogradError,
    TextMerger,
    copy,
    edit_distance_ratio,
    fork,
    merge,
    read_texts,
    slice_tensor,
    slice_view,
    st_stack,
    stamp,
)
from symtensor_autograd.texts import apply_diff
from symtensor_store import make_tensor


def leaf(make, channel, texts):
    """A leaf that requires grad and whose text gradient lives on ``channel``."""
    return stamp(make(texts, grad=True), channel)


def landed(channel, value):
    """The texts ``value`` would have after its waiting text gradient is applied."""
    diffs = channel.text_grad(value)
    assert diffs is not None, "the text gradient never reached the leaf"
    return [
        apply_diff(text or "", diff or "")
        for text, diff in zip(read_texts(value), read_texts(diffs), strict=True)
    ]


def test_a_loss_on_a_view_reaches_the_leaf(make, channel):
    x = leaf(make, channel, ["a\n", "b\n", "c\n"])
    view = slice_view(x, slice(1, 3))
    edit_distance_ratio(view, make(["B\n", "C\n"])).sum().backward()
    assert landed(channel, x) == ["a\n", "B\n", "C\n"]
    assert len(channel.undelivered()) == 0


def test_stacked_and_sliced_paths_reach_both_leaves(make, channel):
    a = leaf(make, channel, ["a0\n", "a1\n"])
    b = leaf(make, channel, ["b0\n", "b1\n"])
    stacked = st_stack([copy(a), slice_tensor(b, [1, 0])])  # [[a0, a1], [b1, b0]]
    column = slice_view(stacked, (slice(None), 0))  # [a0, b1]
    edit_distance_ratio(column, make(["A0\n", "B1\n"])).sum().backward()
    assert landed(channel, a) == ["A0\n", "a1\n"]
    assert landed(channel, b) == ["b0\n", "B1\n"]


def test_conflicting_fork_branches_are_merged_side_by_side_and_counted(make, channel):
    x = leaf(make, channel, ["x\n"])
    left, right = fork(x, 2)
    loss = edit_distance_ratio(left, make(["y\n"])) + edit_distance_ratio(right, make(["z\n"]))
    loss.sum().backward()
    assert landed(channel, x) == [TextMerger().join(["y\n", "z\n"])]
    assert channel.take_events() == (1, [])


def test_agreeing_fork_branches_combine_without_conflict(make, channel):
    x = leaf(make, channel, ["one\ntwo\nthree\nfour\nfive\nsix\nseven\n"])
    left, right = fork(x, 2)
    first = make(["ONE\ntwo\nthree\nfour\nfive\nsix\nseven\n"])
    second = make(["one\ntwo\nthree\nfour\nfive\nsix\nSEVEN\n"])
    (edit_distance_ratio(left, first) + edit_distance_ratio(right, second)).sum().backward()
    assert landed(channel, x) == ["ONE\ntwo\nthree\nfour\nfive\nsix\nSEVEN\n"]
    assert channel.take_events() == (0, [])


def test_the_same_element_sliced_twice_keeps_both_diffs(make, channel):
    x = leaf(make, channel, ["x\n"])
    twice = slice_tensor(x, [0, 0])
    edit_distance_ratio(twice, make(["y\n", "z\n"])).sum().backward()
    assert landed(channel, x) == [TextMerger().join(["y\n", "z\n"])]
    assert channel.take_events()[0] == 1


def test_a_loss_given_another_channel_than_its_inputs_is_refused(make, channel):
    x = leaf(make, channel, ["a\n"])
    out = copy(x)
    with pytest.raises(GradientChannelError, match="leave channel out"):
        edit_distance_ratio(out, make(["b\n"]), channel=GradientChannel("other"))


def test_the_loss_sends_on_the_channel_of_its_input(make, channel):
    """Even when the Function is applied with another channel, the diff goes where it is heard."""
    x = leaf(make, channel, ["a\n"])
    out = copy(x)
    other = GradientChannel("other")
    EditDistanceRatio.apply(out, make(["b\n"]), other).sum().backward()
    assert landed(channel, x) == ["b\n"]
    assert len(other) == 0


def test_restamping_a_function_output_with_another_channel_is_refused(make, channel):
    out = copy(leaf(make, channel, ["a\n"]))
    with pytest.raises(GradientChannelError, match="its producer listens"):
        stamp(out, GradientChannel("elsewhere"))
    assert stamp(out, channel) is out


def test_a_gradient_left_on_an_intermediate_stops_the_optimizer(make, channel):
    x = leaf(make, channel, ["a\n"])
    out = copy(x)
    loss = edit_distance_ratio(out, make(["b\n"])).sum()
    torch.autograd.grad(loss, [out])  # backward stops at `out`: copy's backward never runs
    assert channel.text_grad(x) is None
    assert [entry.value.st_uid for entry in channel.undelivered()] == [out.st_uid]
    optimizer = StSGD([x])
    with pytest.raises(GradientChannelError, match="no backward received"):
        optimizer.step()
    optimizer.zero_grad()
    assert len(channel) == 0


def test_a_merge_diff_that_breaks_the_markers_is_reported_not_lost(make, channel):
    x = leaf(make, channel, ["a\n", "b\n"])
    merged = merge(x, 0)
    edit_distance_ratio(merged, make("a and b, no markers\n")).sum().backward()
    conflicts, dropped = channel.take_events()
    assert conflicts == 0
    assert len(dropped) == 1 and "part markers" in dropped[0]


def test_the_optimizer_reports_conflicts_and_drops(make, root):
    channel = GradientChannel("model")
    x = stamp(torch.nn.Parameter(make(["x\n"]).detach()), channel)
    source = make(["x\n"])
    x.st_root, x.st_uid = source.st_root, source.st_uid
    left, right = fork(x, 2)
    (
        edit_distance_ratio(left, make(["y\n"])) + edit_distance_ratio(right, make(["z\n"]))
    ).sum().backward()
    optimizer = StSGD([x])
    optimizer.step()
    assert optimizer.last_report.conflicts == 1
    assert "conflicts=1" in str(optimizer.last_report)
    assert read_texts(x) == [TextMerger().join(["y\n", "z\n"])]


# ------------------------------------------------------------------------------------------
# autograd hygiene


def test_an_in_place_change_between_forward_and_backward_is_caught(make, channel):
    x = leaf(make, channel, ["a\n"])
    out = copy(x)
    loss = edit_distance_ratio(out, make(["b\n"]))
    with torch.no_grad():
        out.mul_(2)  # a saved tensor changed in place
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.sum().backward()


@pytest.mark.parametrize("edited", ["actual", "source"])
def test_a_text_edited_between_forward_and_backward_is_an_error(make, channel, edited):
    x = leaf(make, channel, ["a\n"])
    out = slice_tensor(x, [0])
    loss = edit_distance_ratio(out, make(["b\n"]))
    target = out if edited == "actual" else x
    (target.st_root / target.st_uid / "storage" / "0" / "data").write_text("edited\n")
    with pytest.raises(SymbolicAutogradError, match="edited between forward and backward"):
        loss.sum().backward()


def test_ops_that_drop_the_symbolic_identity_say_so_when_used(make):
    x = make(["a\n", "b\n"])
    with pytest.raises(Exception, match="keep only the coefficients: use slice_view"):
        edit_distance_ratio(x[0:1], make(["b\n"]))


def test_a_text_gradient_needs_a_channel_on_a_bare_leaf(root):
    x = make_tensor(["a\n"], root, dtype=torch.float64).requires_grad_()
    with pytest.raises(GradientChannelError, match="no GradientChannel"):
        copy(x)


def test_fork_branches_asking_the_same_change_make_it_once(make, channel):
    x = leaf(make, channel, ["x\n"])
    branches = fork(x, 3)
    sum(edit_distance_ratio(b, make(["y\n"])) for b in branches).sum().backward()
    assert landed(channel, x) == ["y\n"]
    assert channel.take_events() == (0, [])
