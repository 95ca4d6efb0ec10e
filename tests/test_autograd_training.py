"""End-to-end training of an StMoeModule with StSGD on a scripted translation-memory LLM.

The scripted "LLM" translates an input correctly only when one of the retrieved experience rows
holds that very input as its key, so the loss can only fall by learning the experience.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import torch
from llm_backends import ScriptedBackend, TaskHandler
from symtensor_autograd import (
    StMoeModule,
    StSGD,
    edit_distance_ratio,
    make_experience,
    read_experience,
)
from symtensor_autograd.testing import TranslationMemory
from symtensor_store import make_tensor

PAIRS = [
    (f"def {name}(x):\n    return x {op} {n}\n", f"{name} :=\n    <- $x int\n    <- $x {op} {n}\n")
    for name, op, n in [
        ("add_one", "+", 1),
        ("sub_two", "-", 2),
        ("mul_three", "*", 3),
        ("div_four", "/", 4),
        ("mod_five", "%", 5),
        ("pow_six", "**", 6),
    ]
]


translation_memory = TranslationMemory(unknown="no idea\n")


def new_model(root: Path, rows: int = 6, respond=translation_memory) -> tuple[StMoeModule, StSGD]:
    handler = TaskHandler(ScriptedBackend(respond), use_cache=False)
    model = StMoeModule(handler, task_prompt="Translate Python to Viba.", topk=1, seed=7)
    model.load_experience(make_experience(rows, root))
    return model, StSGD(model.parameters(), lr=1.0)


def train_step(model, optimizer, inputs, expected) -> float:
    optimizer.zero_grad()
    output, _ = model(inputs)
    loss = edit_distance_ratio(output, expected).mean()
    loss.backward()
    optimizer.step()
    return loss.item()


def dataset(root: Path, pairs=PAIRS):
    return make_tensor([x for x, _ in pairs], root), make_tensor([y for _, y in pairs], root)


def learned_pairs(model) -> set[tuple[str, str]]:
    return {(row.key, row.value) for row in read_experience(model.experience) if row.filled}


def test_three_steps_from_an_empty_experience_learn_all_six_pairs(tmp_path):
    model, optimizer = new_model(tmp_path)
    inputs, expected = dataset(tmp_path)
    losses = [train_step(model, optimizer, inputs, expected) for _ in range(3)]
    assert losses[0] > 0.5
    assert losses[-1] == 0.0
    assert learned_pairs(model) == set(PAIRS)
    output, _ = model(inputs)
    assert edit_distance_ratio(output, expected).mean().item() == 0.0


def test_first_step_patches_key_and_value_of_one_row_per_pair(tmp_path):
    model, optimizer = new_model(tmp_path)
    inputs, expected = dataset(tmp_path)
    calls_before = model.llm_usage.calls
    train_step(model, optimizer, inputs, expected)
    report = optimizer.last_report
    assert (report.applied, report.rejected, report.rows_updated) == (12, 0, 6)
    # 6 queries + 6 translations in forward, 6 query regenerations in the step, none in backward
    assert model.llm_usage.calls - calls_before == 18
    assert report.llm_calls == 6


def test_learned_queries_are_sorted_deduplicated_keywords(tmp_path):
    model, optimizer = new_model(tmp_path)
    inputs, expected = dataset(tmp_path)
    train_step(model, optimizer, inputs, expected)
    for row in read_experience(model.experience):
        words = sorted(row.keywords)
        assert words == sorted(set(words))
        assert "def" in words and "return" in words


def test_resuming_from_a_checkpoint_after_step_one_gives_the_same_result(tmp_path):
    model, optimizer = new_model(tmp_path / "straight")
    inputs, expected = dataset(tmp_path / "straight")
    straight = [train_step(model, optimizer, inputs, expected) for _ in range(3)]

    first, first_optimizer = new_model(tmp_path / "resumed")
    inputs, expected = dataset(tmp_path / "resumed")
    resumed = [train_step(first, first_optimizer, inputs, expected)]
    checkpoint = tmp_path / "step1.pt"
    torch.save({"model": first.state_dict(), "optimizer": first_optimizer.state_dict()}, checkpoint)
    del first, first_optimizer

    second, second_optimizer = new_model(tmp_path / "fresh")
    state = torch.load(checkpoint)
    second.load_state_dict(state["model"])
    second_optimizer.load_state_dict(state["optimizer"])
    inputs, expected = dataset(tmp_path / "fresh")
    resumed += [train_step(second, second_optimizer, inputs, expected) for _ in range(2)]

    assert resumed == straight
    assert read_experience(second.experience) == read_experience(model.experience)


def test_two_models_trained_in_two_threads_do_not_see_each_others_gradients(tmp_path):
    other_pairs = [(x.replace("def", "fn"), y.replace(":=", "=")) for x, y in PAIRS[:4]]
    jobs = {"viba": (PAIRS, tmp_path / "viba"), "other": (other_pairs, tmp_path / "other")}
    models, results, errors = {}, {}, []
    start = threading.Barrier(len(jobs))

    def train(name):
        try:
            pairs, root = jobs[name]
            model, optimizer = new_model(root, rows=len(pairs))
            models[name] = model
            inputs, expected = dataset(root, pairs)
            start.wait()
            results[name] = [train_step(model, optimizer, inputs, expected) for _ in range(2)]
            # one more backward, left un-stepped so that the text gradients stay in the channels
            optimizer.zero_grad()
            edit_distance_ratio(model(inputs)[0], expected).mean().backward()
        except Exception as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=train, args=(name,)) for name in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    viba, other = models["viba"], models["other"]
    for name, (pairs, _) in jobs.items():
        assert results[name][1] == 0.0
        assert learned_pairs(models[name]) == set(pairs)
    # each channel holds its own model's experience gradient and nothing of the other model
    assert viba.gradient_channel.text_grad(viba.experience) is not None
    assert other.gradient_channel.text_grad(other.experience) is not None
    assert viba.gradient_channel.text_grad(other.experience) is None
    assert other.gradient_channel.text_grad(viba.experience) is None
    assert len(viba.gradient_channel) == len(other.gradient_channel) == 1


@pytest.mark.parametrize("rows", [12])
def test_a_larger_experience_keeps_the_free_rows_empty(tmp_path, rows):
    model, optimizer = new_model(tmp_path, rows=rows)
    inputs, expected = dataset(tmp_path)
    for _ in range(2):
        train_step(model, optimizer, inputs, expected)
    entries = read_experience(model.experience)
    assert sum(row.filled for row in entries) == 6


def test_coefficients_follow_the_text_before_and_after_every_step(tmp_path):
    """1 where an element holds text, 0 where it is empty: the store's rule, kept by StSGD."""
    model, optimizer = new_model(tmp_path, rows=12)
    inputs, expected = dataset(tmp_path)

    def holds_text() -> list[float]:
        return [1.0 if row.key else 0.0 for row in read_experience(model.experience)]

    assert model.experience.detach().sum().item() == 0.0
    for _ in range(2):
        train_step(model, optimizer, inputs, expected)
        coefficients = model.experience.detach()
        assert coefficients[:, 1].tolist() == holds_text()
        assert coefficients[:, 2].tolist() == holds_text()
        assert coefficients[:, 0].tolist() == holds_text()  # the regenerated queries
    assert int(coefficients.count_nonzero()) == 18  # 6 filled rows x (query, key, value)


def test_the_storage_root_stays_flat_over_ten_iterations(tmp_path):
    """Intermediates (outputs, diffs, views) are reclaimed once nothing refers to them."""
    model, optimizer = new_model(tmp_path, rows=6)
    inputs, expected = dataset(tmp_path)
    counts = []
    for _ in range(10):
        train_step(model, optimizer, inputs, expected)
        counts.append(sum(1 for _ in tmp_path.iterdir()))
    # the experience and the two dataset tensors, plus at most one iteration's intermediates
    assert max(counts) == min(counts), counts
    assert counts[-1] <= 3 + 4, counts
