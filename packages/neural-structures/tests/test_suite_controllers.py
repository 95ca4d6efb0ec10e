"""The tape RNN, the transformers (with and without a stack) and the Chomsky suite command."""

import csv
import json

import pytest
import torch
from neural_structures import AddressableMemory, TapeRNN, TapeRNNConfig
from neural_structures.errors import ConfigurationError
from neural_structures.models import TAPE_MOVES, move_head
from neural_structures.suite import Cell, SuiteConfig, markdown_table, run_suite, summary
from neural_structures.train import main
from neural_structures.transformer_models import TransformerConfig, TransformerController


def one_hot_move(name: str, batch: int = 1) -> torch.Tensor:
    return torch.nn.functional.one_hot(
        torch.full((batch,), TAPE_MOVES.index(name)), len(TAPE_MOVES)
    ).float()


def test_head_moves_are_exact_shifts_on_a_ring_and_home_returns_to_slot_0():
    head = torch.zeros(1, 5)
    head[0, 0] = 1
    right = move_head(head, one_hot_move("right"))
    assert right.argmax().item() == 1 and right.sum().item() == 1
    assert move_head(head, one_hot_move("left")).argmax().item() == 4  # wraps around
    assert torch.equal(move_head(right, one_hot_move("stay")), right)
    assert move_head(right, one_hot_move("home")).argmax().item() == 0
    blend = move_head(right, torch.tensor([[0.25, 0.25, 0.25, 0.25]]))
    assert blend.sum().item() == pytest.approx(1.0)
    assert blend[0].tolist() == pytest.approx(
        [0.5, 0.25, 0.25, 0.0, 0.0]
    )  # home + left, stay, right


def test_a_tape_written_moving_right_reads_back_from_home():
    memory = AddressableMemory(8, 1, 3)
    state = memory.init_state(1)
    head = torch.zeros(1, 8)
    head[0, 0] = 1
    values = [torch.tensor([[1.0, 0, 0]]), torch.tensor([[0, 1.0, 0]]), torch.tensor([[0, 0, 1.0]])]
    for value in values:
        state = memory.write_at(state, head, value)
        head = move_head(head, one_hot_move("right"))
    assert memory.read_at(state, head).abs().sum() == 0  # past the written part: zeros
    head = move_head(head, one_hot_move("home"))
    for value in values:
        assert torch.equal(memory.read_at(state, head), value)
        head = move_head(head, one_hot_move("right"))


def test_tape_rnn_refuses_more_steps_than_slots():
    model = TapeRNN(TapeRNNConfig(4, 2, n_slots=10))
    assert model(torch.randint(4, (2, 9))).shape == (2, 9, 2)
    with pytest.raises(ConfigurationError, match="at most 9 steps, got 10"):
        model(torch.randint(4, (2, 10)))


@pytest.mark.parametrize("stack", [False, True])
def test_transformers_are_causal_and_take_any_length(stack):
    torch.manual_seed(0)
    model = TransformerController(TransformerConfig(5, 3, d_model=16, n_heads=2, stack=stack))
    inputs = torch.randint(5, (2, 12))
    changed = inputs.clone()
    changed[:, 8:] = (changed[:, 8:] + 1) % 5
    a, b = model(inputs), model(changed)
    assert torch.allclose(a[:, :8], b[:, :8], atol=1e-6)
    assert not torch.allclose(a[:, 8:], b[:, 8:])
    assert model(torch.randint(5, (2, 300))).shape == (2, 300, 3)


def test_the_stack_side_chain_gets_a_gradient():
    torch.manual_seed(0)
    model = TransformerController(TransformerConfig(5, 3, d_model=16, n_heads=2, stack=True))
    model(torch.randint(5, (4, 10))).logsumexp(-1).sum().backward()
    assert model.to_actions.weight.grad.abs().sum() > 1e-4
    assert model.to_value.weight.grad.abs().sum() > 1e-4


def test_transformer_sizes_are_checked():
    with pytest.raises(ConfigurationError, match="divisible by n_heads"):
        TransformerController(TransformerConfig(5, 3, d_model=18, n_heads=4))


def test_summary_and_table_give_best_and_median_per_cell():
    cells = [Cell("reverse_string", "lstm", seed, score, 1.0)
             for seed, score in enumerate([0.6, 0.9, 0.7])]  # fmt: skip
    assert summary(cells) == {("reverse_string", "lstm"): (0.9, 0.7)}
    config = SuiteConfig(tasks=("reverse_string",), models=("lstm",), seeds=(0, 1, 2))
    table = markdown_table(cells, config)
    assert "| context-free | reverse_string | 0.90 (0.70) |" in table
    assert "best (median) of 3 seeds" in table


TINY = dict(tasks=("parity_check", "reverse_string"), models=("rnn", "tape_rnn"), seeds=(0,),
            steps=3, test_step=60, test_samples=2, workers=1)  # fmt: skip


def test_suite_writes_every_cell_and_the_tables_then_resumes(tmp_path, monkeypatch):
    config = SuiteConfig(**TINY, output_dir=str(tmp_path))
    cells = run_suite(config, log=lambda _: None)
    assert [(c.task, c.model) for c in cells] == [
        ("parity_check", "rnn"), ("parity_check", "tape_rnn"),
        ("reverse_string", "rnn"), ("reverse_string", "tape_rnn"),
    ]  # fmt: skip
    assert all(0.0 <= c.score <= 1.0 for c in cells)
    saved = json.loads((tmp_path / "cells/reverse_string/tape_rnn/seed-0.json").read_text())
    assert saved["score"] == cells[3].score
    rows = list(csv.DictReader((tmp_path / "results.csv").read_text().splitlines()))
    assert [r["level"] for r in rows] == ["regular", "regular", "context-free", "context-free"]
    assert (tmp_path / "heatmap.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| regular | parity_check |" in (tmp_path / "results.md").read_text()

    def must_not_run(*args):
        raise AssertionError("a finished cell ran again")

    monkeypatch.setattr("neural_structures.suite.run_cell", must_not_run)
    assert run_suite(config, log=lambda _: None) == cells  # every cell read back


@pytest.mark.slow
def test_suite_in_two_worker_processes_gives_the_same_scores(tmp_path):
    one = run_suite(SuiteConfig(**TINY, output_dir=str(tmp_path / "a")), log=lambda _: None)
    two = run_suite(SuiteConfig(**{**TINY, "workers": 2}, output_dir=str(tmp_path / "b")),
                    log=lambda _: None)  # fmt: skip
    assert [c.score for c in one] == [c.score for c in two]


def test_suite_cli_refuses_a_file_as_output_dir(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    with pytest.raises(SystemExit) as stop:
        main(["suite", "--quick", "--output-dir", str(tmp_path / "file")])
    assert stop.value.code == 2
    assert "is, or is under, a file" in capsys.readouterr().err


def test_hold_value_targets_are_the_latest_stored_symbol():
    from neural_structures.tasks import HoldValue

    batch = HoldValue().sample(64, 50, torch.Generator().manual_seed(3))
    for inputs, targets in zip(batch.inputs.tolist(), batch.targets.tolist(), strict=True):
        held = HoldValue.NOTHING
        for token, target in zip(inputs, targets, strict=True):
            if token >= HoldValue.SYMBOLS:
                held = token - HoldValue.SYMBOLS
            assert target == held
    stores = (batch.inputs >= HoldValue.SYMBOLS).float().mean().item()
    assert 0.08 < stores < 0.17  # one step in eight


def test_latch_rnn_learns_to_hold_a_value_over_longer_streams():
    from neural_structures.models import LatchRNN, LatchRNNConfig
    from neural_structures.tasks import HoldValue
    from neural_structures.train import TrainConfig, evaluate, train

    torch.manual_seed(0)
    config = TrainConfig(steps=300, batch_size=16, train_lengths=(1, 25), test_samples=16)
    model = LatchRNN(LatchRNNConfig(HoldValue.n_inputs, HoldValue.n_outputs))
    train(model, HoldValue(), config, log=lambda _: None)
    accuracy = evaluate(model, HoldValue(), [40, 60], config)
    assert min(accuracy.values()) > 0.98, accuracy
