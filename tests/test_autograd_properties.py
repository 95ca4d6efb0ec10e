"""Property tests: index-like Functions route both gradient channels exactly like torch indexing."""

from __future__ import annotations

import tempfile

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from symtensor_autograd import (
    GradientChannel,
    edit_distance_ratio,
    read_texts,
    slice_tensor,
    slice_view,
    st_stack,
    text_edit_distance_ratio,
)
from symtensor_store import make_tensor, unified_diff

shapes = st.lists(st.integers(1, 3), min_size=1, max_size=3)
# Every example writes tens of element files (inputs, outputs, diffs): a tenth of the profile's
# count (20 under `ci`, 100 under `dev`) keeps each test near a second on the shared machine.
EXAMPLES = max(10, settings.default.max_examples // 10)


def texts_for(shape, prefix):
    flat = [f"{prefix}{k}\n" for k in range(int(np.prod(shape)))]
    return np.array(flat, dtype=object).reshape(shape).tolist()


@settings(max_examples=EXAMPLES)
@given(shapes, st.data(), st.booleans())
def test_slice_gradients_land_where_torch_indexing_sends_them(shape, data, as_view):
    index = tuple(
        data.draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=4)) for size in shape[:1]
    )
    with tempfile.TemporaryDirectory() as root:
        channel = GradientChannel("property")
        x = make_tensor(texts_for(shape, "x"), root, dtype=torch.float64).requires_grad_()
        function = slice_view if as_view else slice_tensor
        picked = function(x, index, channel=channel)
        flat_targets = [f"t{k}\n" for k in range(picked.numel())]
        targets = make_tensor(
            np.array(flat_targets, dtype=object).reshape(picked.shape).tolist(), root
        )
        edit_distance_ratio(picked, targets).sum().backward()

        reference = x.detach().clone().requires_grad_()
        ratios = torch.tensor(
            [
                text_edit_distance_ratio(a, b)
                for a, b in zip(read_texts(picked), flat_targets, strict=True)
            ],
            dtype=torch.float64,
        ).reshape(picked.shape)
        (reference[index] * ratios).sum().backward()
        assert torch.allclose(x.grad, reference.grad)

        sources = np.arange(x.numel()).reshape(shape)[index].reshape(-1).tolist()
        diffs = read_texts(channel.text_grad(x))
        for k, source in enumerate(sources):
            if sources.count(source) == 1:
                assert diffs[source] == unified_diff(f"x{source}\n", flat_targets[k])
        for source in set(range(x.numel())) - set(sources):
            assert diffs[source] == ""


@settings(max_examples=EXAMPLES)
@given(shapes, st.integers(1, 3), st.data())
def test_stack_gradients_return_to_their_own_input(shape, count, data):
    dim = data.draw(st.integers(-len(shape) - 1, len(shape)))
    with tempfile.TemporaryDirectory() as root:
        channel = GradientChannel("property")
        inputs = [
            make_tensor(texts_for(shape, f"in{n}_"), root, dtype=torch.float64).requires_grad_()
            for n in range(count)
        ]
        stacked = st_stack(inputs, dim=dim, channel=channel)
        assert tuple(stacked.shape) == tuple(
            torch.stack([t.detach() for t in inputs], dim=dim).shape
        )
        changed = [text.upper() if text else text for text in read_texts(stacked)]
        targets = make_tensor(np.array(changed, dtype=object).reshape(stacked.shape).tolist(), root)
        edit_distance_ratio(stacked, targets).sum().backward()
        for n, tensor in enumerate(inputs):
            own = [text.upper() for text in read_texts(tensor)]
            expected = [unified_diff(a, b) for a, b in zip(read_texts(tensor), own, strict=True)]
            assert read_texts(channel.text_grad(tensor)) == expected, n
            assert bool((tensor.grad > 0).all())
