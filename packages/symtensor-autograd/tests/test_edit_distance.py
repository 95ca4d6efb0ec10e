import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from symtensor_autograd import (
    GradientChannelError,
    LossShapeError,
    RootMismatchError,
    edit_distance_ratio,
    levenshtein_distance,
    read_texts,
    text_edit_distance_ratio,
)
from symtensor_autograd.testing import textbook_levenshtein
from symtensor_store import make_tensor

short_text = st.text(alphabet="abc\n", max_size=12)


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("", "", 0),
        ("kitten", "sitting", 3),
        ("flaw", "lawn", 2),
        ("abc", "", 3),
        ("same", "same", 0),
    ],
)
def test_levenshtein_distance_of_known_pairs(a, b, distance):
    assert levenshtein_distance(a, b) == distance


@given(st.text(alphabet="abcé\n ", max_size=80), st.text(alphabet="abcé\n ", max_size=80))
def test_bit_parallel_levenshtein_agrees_with_the_dynamic_program(a, b):
    assert levenshtein_distance(a, b) == textbook_levenshtein(a, b)


def test_levenshtein_handles_patterns_longer_than_a_machine_word():
    a = "x" * 50 + "abc" * 40 + "y" * 30
    b = "x" * 49 + "abd" * 40 + "y" * 31
    assert levenshtein_distance(a, b) == textbook_levenshtein(a, b)


@given(short_text, short_text)
def test_levenshtein_is_symmetric_and_zero_only_for_equal_texts(a, b):
    assert levenshtein_distance(a, b) == levenshtein_distance(b, a)
    assert (levenshtein_distance(a, b) == 0) == (a == b)
    assert abs(len(a) - len(b)) <= levenshtein_distance(a, b) <= max(len(a), len(b))


@given(short_text, short_text, short_text)
def test_levenshtein_obeys_the_triangle_inequality(a, b, c):
    assert levenshtein_distance(a, c) <= levenshtein_distance(a, b) + levenshtein_distance(b, c)


def test_ratio_is_distance_over_longer_length():
    assert text_edit_distance_ratio("kitten", "sitting") == pytest.approx(3 / 7)
    assert text_edit_distance_ratio("", "") == 0.0
    assert text_edit_distance_ratio("abc", "") == 1.0


def test_loss_forward_gives_the_ratio_per_element(make, channel):
    actual = make(["abcd", "same"], grad=True)
    expected = make(["abce", "same"])
    loss = edit_distance_ratio(actual, expected, channel=channel)
    assert loss.shape == actual.shape
    assert loss.tolist() == pytest.approx([0.25, 0.0])


def test_loss_backward_numeric_gradient_is_upstream_times_ratio(make, channel):
    actual = make(["abcd\n", "same\n"], grad=True)
    expected = make(["abce\n", "same\n"])
    edit_distance_ratio(actual, expected, channel=channel).sum().backward()
    assert actual.grad.tolist() == pytest.approx([0.2, 0.0])


def test_loss_backward_sends_the_diff_to_expected_as_text_gradient(make, channel):
    actual = make(["one\ntwo\n", "same\n"], grad=True)
    expected = make(["one\nTWO\n", "same\n"])
    edit_distance_ratio(actual, expected, channel=channel).sum().backward()
    diffs = read_texts(channel.text_grad(actual))
    assert diffs[0] == "--- a\n+++ b\n@@ -1,2 +1,2 @@\n one\n-two\n+TWO\n"
    assert diffs[1] == ""


def test_loss_over_mismatched_shapes_is_a_clear_error(make, channel):
    with pytest.raises(LossShapeError, match=r"\[2\] and \[3\]"):
        edit_distance_ratio(make(["a", "b"]), make(["a", "b", "c"]), channel=channel)


def test_loss_over_tensors_under_different_roots_is_a_clear_error(tmp_path, channel):
    actual = make_tensor(["a"], tmp_path / "one")
    expected = make_tensor(["a"], tmp_path / "two")
    with pytest.raises(RootMismatchError, match="one root"):
        edit_distance_ratio(actual, expected, channel=channel)


def test_loss_on_a_leaf_needing_grad_without_a_channel_asks_for_one(make):
    with pytest.raises(GradientChannelError, match="channel="):
        edit_distance_ratio(make(["a"], grad=True), make(["b"]))


def test_loss_is_float32_whatever_the_coefficient_dtype(root, channel):
    actual = make_tensor(["abc"], root)  # bfloat16
    loss = edit_distance_ratio(actual, make_tensor(["abd"], root), channel=channel)
    assert loss.dtype == torch.float32
    assert loss.item() == pytest.approx(1 / 3)
