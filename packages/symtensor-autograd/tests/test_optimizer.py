import pytest
import torch
from symtensor_autograd import (
    CheckpointError,
    GradientChannel,
    LexicalKeywords,
    LlmKeywords,
    StSGD,
    is_experience,
    make_experience,
    mark_experience,
    read_texts,
    stamp,
    text_tensor,
)
from symtensor_store import make_tensor, unified_diff
from torch import nn


def experience_parameter(root, rows, channel):
    """An experience nn.Parameter (stamped with channel) holding (query, key, value) rows."""
    tensor = make_experience(rows, root, dtype=torch.float64)
    parameter = nn.Parameter(tensor.detach())
    parameter.st_root, parameter.st_uid = tensor.st_root, tensor.st_uid
    return stamp(mark_experience(parameter), channel)


def give_gradient(parameter, channel, new_rows, numeric):
    """Put diffs (old -> new_rows) in the channel and ``numeric`` in .grad."""
    old = read_texts(parameter)
    new = [text for row in new_rows for text in row]
    diffs = [
        unified_diff(a or "", b) if b is not None else "" for a, b in zip(old, new, strict=True)
    ]
    channel.send(
        parameter, text_tensor(diffs, parameter.shape, parameter.st_root, dtype=parameter.dtype)
    )
    parameter.grad = torch.tensor(numeric, dtype=parameter.dtype)


def test_numeric_channel_moves_toward_the_gradient_by_lr():
    p = nn.Parameter(torch.tensor([1.0, 0.5]))
    p.grad = torch.tensor([0.2, 0.4])
    StSGD([p], lr=0.5).step()
    assert p.tolist() == pytest.approx([0.6, 0.45])


def test_symbolic_channel_patches_only_where_the_gradient_is_nonzero(root, channel):
    p = experience_parameter(root, [("", "", ""), ("", "", "")], channel)
    give_gradient(
        p, channel, [(None, "k0\n", "v0\n"), (None, "k1\n", "v1\n")], [[0, 1, 1], [0, 0, 0]]
    )
    optimizer = StSGD([p], lr=1.0, keywords=LexicalKeywords())
    optimizer.step()
    texts = read_texts(p)
    assert texts[1:3] == ["k0\n", "v0\n"]
    assert texts[4:6] == ["", ""]
    report = optimizer.last_report
    assert (report.applied, report.rejected, report.skipped, report.rows_updated) == (2, 0, 2, 1)


def test_patched_rows_get_their_query_regenerated_sorted_and_deduplicated(root, channel):
    p = experience_parameter(root, [("old\n", "", "")], channel)
    give_gradient(p, channel, [(None, "zeta alpha zeta\n", "beta alpha\n")], [[0, 1, 1]])
    StSGD([p], lr=1.0, keywords=LexicalKeywords()).step()
    assert read_texts(p)[0] == "alpha\nbeta\nzeta\n"


def test_query_can_be_made_from_the_key_alone(root, channel):
    p = experience_parameter(root, [("", "", "")], channel)
    give_gradient(p, channel, [(None, "key words\n", "value words\n")], [[0, 1, 1]])
    StSGD([p], lr=1.0, keywords=LexicalKeywords(), query_fields=("key",)).step()
    assert read_texts(p)[0] == "key\nwords\n"


def test_llm_query_regeneration_is_counted_in_the_report(root, channel, runner_for):
    p = experience_parameter(root, [("", "", "")], channel)
    give_gradient(p, channel, [(None, "Add numbers\n", "add :=\n")], [[0, 1, 1]])
    optimizer = StSGD([p], lr=1.0, keywords=LlmKeywords(runner_for()))
    optimizer.step()
    assert read_texts(p)[0] == "add\nnumbers\n"
    assert optimizer.last_report.llm_calls == 1


def test_append_only_leaves_rows_that_hold_text_alone(root, channel):
    p = experience_parameter(root, [("q\n", "k\n", "v\n"), ("", "", "")], channel)
    give_gradient(
        p, channel, [(None, "K\n", "V\n"), (None, "k1\n", "v1\n")], [[0, 1, 1], [0, 1, 1]]
    )
    optimizer = StSGD([p], lr=1.0, append_only=True, keywords=LexicalKeywords())
    optimizer.step()
    texts = read_texts(p)
    assert texts[1:3] == ["k\n", "v\n"]
    assert texts[4:6] == ["k1\n", "v1\n"]
    assert optimizer.last_report.skipped == 2


def test_a_rejected_patch_is_counted_and_its_row_left_unchanged(root, channel):
    p = experience_parameter(root, [("q\n", "key\n", "value\n")], channel)
    bad_key = unified_diff("something else\n", "new key\n")  # does not apply to "key\n"
    good_value = unified_diff("value\n", "new value\n")
    channel.send(p, text_tensor(["", bad_key, good_value], p.shape, p.st_root, dtype=p.dtype))
    p.grad = torch.tensor([[0.0, 1.0, 1.0]], dtype=p.dtype)
    optimizer = StSGD([p], lr=1.0, keywords=LexicalKeywords())
    optimizer.step()
    assert read_texts(p) == ["q\n", "key\n", "value\n"]
    report = optimizer.last_report
    assert (report.rejected, report.applied, report.rows_rolled_back, report.rows_updated) == (
        1,
        1,
        1,
        0,
    )


def test_a_malformed_diff_is_a_counted_rejection_not_a_crash(root, channel):
    p = experience_parameter(root, [("q\n", "key\n", "value\n")], channel)
    channel.send(
        p, text_tensor(["", "@@ -1,2 +1 @@\n-key\n", ""], p.shape, p.st_root, dtype=p.dtype)
    )
    p.grad = torch.tensor([[0.0, 1.0, 0.0]], dtype=p.dtype)
    optimizer = StSGD([p], lr=1.0, keywords=LexicalKeywords())
    optimizer.step()
    assert read_texts(p) == ["q\n", "key\n", "value\n"]
    assert optimizer.last_report.rejected == 1


def test_zero_grad_forgets_the_text_gradients(root, channel):
    p = experience_parameter(root, [("", "", "")], channel)
    give_gradient(p, channel, [(None, "k\n", "v\n")], [[0, 1, 1]])
    optimizer = StSGD([p], lr=1.0)
    optimizer.zero_grad()
    assert p.grad is None
    assert channel.text_grad(p) is None


def test_state_dict_round_trips_the_experience_text(root, channel):
    p = experience_parameter(root, [("q\n", "k\n", "v\n"), ("", "", "")], channel)
    optimizer = StSGD([p], lr=1.0)
    saved = optimizer.state_dict()
    give_gradient(p, channel, [(None, "K\n", "V\n"), (None, "x\n", "y\n")], [[0, 1, 1], [0, 1, 1]])
    optimizer.step()
    assert read_texts(p) != ["q\n", "k\n", "v\n", "", "", ""]
    optimizer.load_state_dict(saved)
    assert read_texts(p) == ["q\n", "k\n", "v\n", "", "", ""]


def test_loading_text_of_another_shape_is_refused(root, channel):
    small = StSGD([experience_parameter(root, [("", "", "")], channel)]).state_dict()
    big = StSGD([experience_parameter(root, [("", "", "")] * 2, channel)])
    with pytest.raises(CheckpointError, match=r"shape \[1, 3\]"):
        big.load_state_dict(small)


def test_text_gradient_on_a_parameter_without_stamp_is_found_on_the_optimizer_channel(root):
    channel = GradientChannel("optimizer")
    tensor = make_experience([("", "", "")], root, dtype=torch.float64)
    p = nn.Parameter(tensor.detach())
    p.st_root, p.st_uid = tensor.st_root, tensor.st_uid
    give_gradient(p, channel, [(None, "k\n", "v\n")], [[0, 1, 1]])
    StSGD([p], lr=1.0, channel=channel, keywords=LexicalKeywords()).step()
    assert read_texts(p)[1:] == ["k\n", "v\n"]


def test_lr_outside_zero_one_is_refused():
    with pytest.raises(ValueError, match="lr"):
        StSGD([nn.Parameter(torch.zeros(1))], lr=1.5)


def test_a_plain_symbolic_parameter_is_patched_element_by_element(root, channel):
    tensor = text_tensor(["a\n", "b\n", "c\n"], (3,), root, dtype=torch.float64)
    p = stamp(nn.Parameter(tensor.detach()), channel)
    p.st_root, p.st_uid = tensor.st_root, tensor.st_uid
    diffs = [
        "",
        unified_diff("b\n", "B\n"),
        unified_diff("zzz\n", "C\n"),
    ]  # the last one is rejected
    channel.send(p, text_tensor(diffs, p.shape, p.st_root, dtype=p.dtype))
    p.grad = torch.tensor([0.0, 1.0, 1.0], dtype=p.dtype)
    optimizer = StSGD([p], lr=1.0)
    optimizer.step()
    assert read_texts(p) == ["a\n", "B\n", "c\n"]
    assert (optimizer.last_report.applied, optimizer.last_report.rejected) == (1, 1)


def test_the_patched_copy_is_removed_after_the_step(root, channel):
    p = experience_parameter(root, [("", "", "")], channel)
    give_gradient(p, channel, [(None, "k\n", "v\n")], [[0, 1, 1]])
    folders_before = {path.name for path in root.iterdir()}
    StSGD([p], lr=1.0, keywords=LexicalKeywords()).step()
    assert {path.name for path in root.iterdir()} == folders_before


def test_a_patch_that_applies_only_with_fuzz_is_committed_and_counted_as_fuzzed(root, channel):
    value = "".join(f"line {k}\n" for k in range(1, 8))
    p = experience_parameter(root, [("q\n", "key\n", value)], channel)
    stale = value.replace("line 1\n", "LINE ONE\n")  # the diff's first context line is stale
    diff = unified_diff(stale, stale.replace("line 4\n", "LINE FOUR\n"))
    channel.send(p, text_tensor(["", "", diff], p.shape, p.st_root, dtype=p.dtype))
    p.grad = torch.tensor([[0.0, 0.0, 1.0]], dtype=p.dtype)
    optimizer = StSGD([p], lr=1.0, keywords=LexicalKeywords())
    optimizer.step()
    assert read_texts(p)[2] == value.replace("line 4\n", "LINE FOUR\n")
    report = optimizer.last_report
    assert (report.fuzzed, report.applied, report.rejected, report.rows_updated) == (1, 0, 0, 1)


def test_a_three_column_parameter_that_is_not_an_experience_is_patched_element_wise(root, channel):
    """A [1, 3] tensor is an experience only when marked: no query regeneration, no row rule."""
    tensor = make_tensor([["a\n", "b\n", "c\n"]], root, dtype=torch.float64)
    p = stamp(nn.Parameter(tensor.detach()), channel)
    p.st_root, p.st_uid = tensor.st_root, tensor.st_uid
    give_gradient(p, channel, [("A\n", None, None)], [[1, 0, 0]])
    StSGD([p], lr=1.0).step()
    assert read_texts(p) == ["A\n", "b\n", "c\n"]
    assert p.tolist() == [[1.0, 1.0, 1.0]]


def test_make_experience_and_the_module_mark_their_tensor(root):
    assert is_experience(make_experience(2, root))
    assert not is_experience(make_tensor([["", "", ""]], root))


def test_a_step_records_which_elements_it_patched(root, channel):
    from symtensor_store import patched_elements

    p = experience_parameter(root, [("", "", ""), ("", "", "")], channel)
    give_gradient(p, channel, [(None, "k0\n", "v0\n"), (None, None, None)], [[0, 1, 1], [0, 0, 0]])
    StSGD([p], lr=1.0, keywords=LexicalKeywords()).step()
    assert patched_elements(p) == [1, 2]
