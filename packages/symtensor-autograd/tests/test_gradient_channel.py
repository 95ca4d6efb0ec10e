import threading

import pytest
import torch
from symtensor_autograd import (
    GradientChannel,
    GradientChannelError,
    TextMerger,
    channel_of,
    read_texts,
    resolve_channel,
    stamp,
    text_tensor,
)
from symtensor_store import unified_diff


def diffs_for(value, new_texts):
    old = read_texts(value)
    return text_tensor(
        [unified_diff(a or "", b) for a, b in zip(old, new_texts, strict=True)],
        value.shape,
        value.st_root,
    )


def test_received_gradient_is_the_one_sent_and_is_then_gone(make, channel):
    value = make(["a\n", "b\n"])
    channel.send(value, diffs_for(value, ["A\n", "b\n"]))
    received = channel.receive(value)
    assert read_texts(received) == [unified_diff("a\n", "A\n"), ""]
    assert channel.receive(value) is None


def test_text_grad_leaves_the_gradient_in_place_until_cleared(make, channel):
    value = make(["a\n"])
    channel.send(value, diffs_for(value, ["b\n"]))
    assert channel.text_grad(value) is not None
    assert value in channel
    channel.clear([value])
    assert channel.text_grad(value) is None


def test_two_gradients_for_one_value_combine_like_applying_both(make, channel):
    value = make(["one\ntwo\nthree\nfour\nfive\nsix\nseven\n"])
    channel.send(value, diffs_for(value, ["ONE\ntwo\nthree\nfour\nfive\nsix\nseven\n"]))
    channel.send(value, diffs_for(value, ["one\ntwo\nthree\nfour\nfive\nsix\nSEVEN\n"]))
    combined = read_texts(channel.receive(value))[0]
    assert combined == unified_diff(
        "one\ntwo\nthree\nfour\nfive\nsix\nseven\n", "ONE\ntwo\nthree\nfour\nfive\nsix\nSEVEN\n"
    )
    assert channel.take_events() == (0, [])


def test_conflicting_gradients_are_both_kept_side_by_side_and_counted(make, channel):
    value = make(["x\n"])
    channel.send(value, diffs_for(value, ["y\n"]))
    channel.send(value, diffs_for(value, ["z\n"]))  # cannot apply on top of x -> y
    merged = TextMerger().join(["y\n", "z\n"])
    assert read_texts(channel.receive(value)) == [unified_diff("x\n", merged)]
    assert channel.take_events() == (1, [])
    assert channel.take_events() == (0, [])  # read and reset


def test_a_gradient_computed_against_other_text_is_refused(make, channel):
    value = make(["x\n"])
    channel.send(value, diffs_for(value, ["y\n"]), base=["x\n"])
    with pytest.raises(GradientChannelError, match="edited between forward and backward"):
        channel.send(value, diffs_for(value, ["z\n"]), base=["w\n"])


def test_gradient_of_the_wrong_shape_is_refused(make, channel):
    value = make(["a", "b"])
    with pytest.raises(GradientChannelError, match=r"shape \[1\]"):
        channel.send(value, make(["a"]))


def test_two_channels_never_see_each_others_gradients(make):
    first, second = GradientChannel("first"), GradientChannel("second")
    value = make(["a\n"])
    first.send(value, diffs_for(value, ["b\n"]))
    assert second.text_grad(value) is None
    assert len(first) == 1
    assert len(second) == 0


def test_concurrent_senders_from_many_threads_all_arrive(make, channel):
    values = [make([f"v{k}\n"]) for k in range(16)]
    grads = [diffs_for(v, [f"w{k}\n"]) for k, v in enumerate(values)]
    threads = [
        threading.Thread(target=channel.send, args=(v, g))
        for v, g in zip(values, grads, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(channel) == 16
    assert all(
        read_texts(channel.text_grad(v)) == read_texts(g)
        for v, g in zip(values, grads, strict=True)
    )


def test_a_stamped_value_sends_on_its_own_channel(make, channel):
    other = GradientChannel("other")
    value = stamp(make(["a"]), other)
    assert channel_of(value, channel) is other
    assert channel_of(make(["b"]), channel) is channel


def test_resolve_channel_prefers_explicit_then_stamp(make, channel):
    stamped = stamp(make(["a"]), channel)
    explicit = GradientChannel("explicit")
    assert resolve_channel(explicit, stamped) is explicit
    assert resolve_channel(None, make(["b"]), stamped) is channel


def test_resolve_channel_without_any_refuses_inputs_needing_grad(make):
    with pytest.raises(GradientChannelError):
        resolve_channel(None, make(["a"], grad=True))
    assert isinstance(resolve_channel(None, make(["a"])), GradientChannel)


def test_an_empty_channel_is_still_a_channel(make):
    empty = GradientChannel("empty")
    assert len(empty) == 0
    assert channel_of(stamp(make(["a"]), empty), GradientChannel("default")) is empty
    assert torch.is_tensor(make(["a"]))
