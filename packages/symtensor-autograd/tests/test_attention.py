import pytest
import torch
from symtensor_autograd import (
    TextMerger,
    edit_distance_ratio,
    merge,
    read_texts,
    slice_attention,
    st_attention,
)
from symtensor_store import make_tensor, unified_diff


def test_slice_attention_fills_causal_slots_with_views(make, channel):
    x = make(["a", "b", "c"])
    slots = slice_attention(x, channel=channel)
    assert slots.shape == (3, 3)
    assert read_texts(slots) == ["a", None, None, "a", "b", None, "a", "b", "c"]
    weights = slots.detach()
    assert weights[2].tolist() == pytest.approx([1 / 3] * 3)
    assert weights[0].tolist() == [1.0, 0.0, 0.0]


def test_slice_attention_without_mask_sees_everything(make, channel):
    slots = slice_attention(make(["a", "b"]), None, channel=channel)
    assert read_texts(slots) == ["a", "b", "a", "b"]


def test_text_merger_round_trips_parts_with_and_without_newlines():
    merger = TextMerger()
    parts = ["one\n", None, "two"]
    assert merger.split(merger.join(parts), parts) == parts


def test_text_merger_refuses_a_text_whose_markers_were_edited():
    merger = TextMerger()
    parts = ["one\n", "two\n"]
    assert merger.split(merger.join(parts).replace("<<<part 1>>>", "part one"), parts) is None


def test_merge_joins_along_a_dim_and_sums_coefficients(make, channel):
    x = make([["a\n", "b\n"], ["c\n", "d\n"]])
    merged = merge(x, dim=0, channel=channel)
    assert merged.shape == (2,)
    assert read_texts(merged) == [
        TextMerger().join(["a\n", "c\n"]),
        TextMerger().join(["b\n", "d\n"]),
    ]
    assert merged.detach().tolist() == [2.0, 2.0]


def test_merge_backward_splits_the_diff_back_onto_the_parts(make, channel):
    x = make([["a\n", "b\n"]], grad=True)
    merged = merge(x, dim=1, channel=channel)
    expected = make_tensor([TextMerger().join(["a\n", "B\n"])], x.st_root)
    edit_distance_ratio(merged, expected).sum().backward()
    assert read_texts(channel.text_grad(x)) == ["", unified_diff("b\n", "B\n")]
    assert x.grad.tolist()[0][0] == x.grad.tolist()[0][1] > 0


def test_st_attention_merges_each_prefix(make, channel):
    x = make(["a\n", "b\n", "c\n"])
    attended = st_attention(x, channel=channel)
    assert read_texts(attended) == [
        TextMerger().join(["a\n", None, None]),
        TextMerger().join(["a\n", "b\n", None]),
        TextMerger().join(["a\n", "b\n", "c\n"]),
    ]
    assert attended.detach().tolist() == pytest.approx([1.0, 1.0, 1.0])


def test_st_attention_backward_routes_prefix_diffs_to_their_positions(make, channel):
    x = make(["a\n", "b\n", "c\n"], grad=True)
    attended = st_attention(x, channel=channel)
    merger = TextMerger()
    expected = make_tensor(
        [
            merger.join(["a\n", None, None]),
            merger.join(["a\n", "B\n", None]),
            merger.join(["a\n", "b\n", "c\n"]),
        ],
        x.st_root,
    )
    edit_distance_ratio(attended, expected).sum().backward()
    assert read_texts(channel.text_grad(x)) == ["", unified_diff("b\n", "B\n"), ""]


def test_attention_numeric_gradients_match_finite_differences(make, channel):
    x = make([["a", "b", "c"], ["d", "e", "f"]], grad=True)
    assert torch.autograd.gradcheck(lambda t: slice_attention(t, channel=channel), (x,))
    assert torch.autograd.gradcheck(lambda t: merge(t, dim=0, channel=channel), (x,))
    assert torch.autograd.gradcheck(lambda t: st_attention(t, channel=channel), (x,))


def test_attention_mask_of_the_wrong_size_is_refused(make, channel):
    with pytest.raises(ValueError, match=r"\[2, 2\]"):
        slice_attention(make(["a", "b"]), torch.ones(3, 3, dtype=torch.bool), channel=channel)
