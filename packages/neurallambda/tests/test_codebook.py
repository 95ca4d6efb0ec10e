import pytest
import torch
from neurallambda import (
    Codebook,
    ConfigurationError,
    IntegerRangeError,
    NeurallambdaError,
    VectorSizeError,
    compile_text,
    to_memory,
)


def small_codebook(**overrides) -> Codebook:
    options = {"cells": 12, "vec_size": 256, "int_range": (-16, 16)} | overrides
    return Codebook(**options)


def test_encode_decode_round_trip():
    codebook = small_codebook()
    memory = to_memory(compile_text("((fn [x] '(x -3 true)) y)"), cells=12)
    tensor = codebook.encode([memory])
    assert tensor.shape == (1, 12, 3, 256)
    assert codebook.decode(tensor) == [memory]


def test_vectors_depend_only_on_seed():
    a, b = small_codebook(seed=3), small_codebook(seed=3)
    memory = to_memory(compile_text("(f 1)"), cells=12)
    assert torch.equal(a.encode([memory]), b.encode([memory]))
    assert not torch.equal(a.encode([memory]), small_codebook(seed=4).encode([memory]))


def test_too_small_vectors_are_rejected_with_advice():
    with pytest.raises(VectorSizeError, match="use vec_size >="):
        small_codebook(vec_size=16)


def test_integers_outside_the_codebook_are_rejected():
    with pytest.raises(IntegerRangeError, match="outside the machine's range"):
        small_codebook().encode([to_memory(compile_text("99"), cells=12)])


def test_save_and_load(tmp_path):
    codebook = small_codebook(seed=7)
    codebook.add_names(["alpha", "beta"])
    codebook.save(tmp_path / "codebook.pt")
    loaded = Codebook.load(tmp_path / "codebook.pt")
    assert loaded.names == codebook.names
    assert torch.equal(loaded.space.vectors, codebook.space.vectors)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"cells": 0}, "cells must be >= 1"),
        ({"vec_size": 0}, "vec_size must be >= 1"),
        ({"int_range": (5, 1)}, "lo <= hi"),
    ],
)
def test_impossible_sizes_are_domain_errors(overrides, message):
    with pytest.raises(ConfigurationError, match=message) as info:
        small_codebook(**overrides)
    assert isinstance(info.value, NeurallambdaError)
