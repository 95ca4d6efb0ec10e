"""The seed's integration test: st_attention followed by st_moe, trained with StSGD.

Each position of a sequence attends to the texts before it (``st_attention`` merges them); the
merged contexts go through an ``StMoeModule``. Forward, backward (through st_moe, merge and the
attention slots back to the sequence) and optimizer steps must work together.
"""

from __future__ import annotations

import torch
from llm_backends import ScriptedBackend, TaskHandler
from symtensor_autograd import (
    StMoeModule,
    StSGD,
    TextMerger,
    edit_distance_ratio,
    read_texts,
    st_attention,
    stamp,
)
from symtensor_autograd.testing import TranslationMemory
from symtensor_autograd.texts import apply_diff
from symtensor_store import make_tensor

# Inputs are "improved" by upper-casing their first word "one".
respond = TranslationMemory(unknown="no idea\n", improve=lambda text: text.replace("one", "ONE", 1))


def test_attention_then_moe_trains_and_sends_text_gradients_back_to_the_sequence(tmp_path):
    model = StMoeModule(
        TaskHandler(ScriptedBackend(respond), use_cache=False),
        task_prompt="Summarise the context.",
        keywords="lexical",
        seed=3,
    )
    model.load_experience(make_tensor([["", "", ""]] * 6, tmp_path))
    sequence = stamp(
        make_tensor(["one\n", "two\n", "three\n"], tmp_path).requires_grad_(),
        model.gradient_channel,
    )
    expected = make_tensor(["1\n", "1 2\n", "1 2 3\n"], tmp_path)
    optimizer = StSGD(model.parameters(), lr=1.0)

    losses = []
    for _ in range(3):
        optimizer.zero_grad()
        context = st_attention(sequence)  # [3]: element i merges sequence[0..i]
        assert read_texts(context)[1] == TextMerger().join(["one\n", "two\n"])
        output, _ = model(context)
        loss = edit_distance_ratio(output, expected).mean()
        loss.backward()
        losses.append(loss.item())
        optimizer.step()
        assert optimizer.last_report.dropped == []

    assert losses[0] > 0.7 and losses[-1] == 0.0, losses
    # a wrong output sends an input gradient back through merge and the attention slots
    model.gradient_channel.clear()
    sequence.grad = None
    context = st_attention(sequence)
    wrong = make_tensor(["x\n", "x\n", "x\n"], tmp_path)
    edit_distance_ratio(model(context)[0], wrong).mean().backward()
    diffs = read_texts(model.gradient_channel.text_grad(sequence))
    improved = [
        apply_diff(text, diff or "") for text, diff in zip(read_texts(sequence), diffs, strict=True)
    ]
    assert improved == ["ONE\n", "two\n", "three\n"]  # all three contexts agree on "one" -> "ONE"
    assert torch.count_nonzero(sequence.grad) == 3
