"""Evaluation metrics: exact match by executed value, per-component accuracy over used parts."""

import pytest
import torch
from dag_executor import DagTensors, expression_to_dag
from nanogpt_dag import CharTokenizer, DagPrediction
from predictor_trainer import ExampleStream, TrainConfig, evaluate

CONFIG = TrainConfig(dag_depth=2, max_digits=1, max_decimals=0, eval_examples=40, batch_size=16,
                     block_size=32, negation_probability=0.0)  # fmt: skip


class OracleModel(torch.nn.Module):
    """Reads the text back from the ids and predicts its true DAG, optionally with a flaw."""

    def __init__(self, flip_first_gate: bool = False) -> None:
        super().__init__()
        self.flip_first_gate = flip_first_gate
        self.dag = ExampleStream(CONFIG).dag

    def forward(self, ids, lengths) -> DagPrediction:
        tok = CharTokenizer()
        texts = [tok.decode(row[:n]) for row, n in zip(ids, lengths, strict=True)]
        t = DagTensors.stack([expression_to_dag(text, self.dag) for text in texts])
        gates = t.gates.clone()
        if self.flip_first_gate:
            gates[:, 0] = 1 - gates[:, 0]
        one_hot = torch.nn.functional.one_hot
        return DagPrediction(
            digit_logits=t.digits.float() * 20,
            sign_logits=t.signs.float() * 20,
            operand_logits=one_hot(t.operand_targets(), 3).float() * 20,
            gate_logits=(gates.float() * 2 - 1) * 20,
            steps_logits=one_hot(t.step_mask.sum(-1), 3).float() * 20,
        )


def test_a_perfect_model_scores_exact_match_one_and_zero_error():
    metrics = evaluate(OracleModel(), ExampleStream(CONFIG), CONFIG, "test")
    assert metrics["examples"] == 40
    assert metrics["exact_match"] == 1.0
    assert metrics["mean_relative_error"] == pytest.approx(0.0, abs=1e-12)
    for name in ("digits", "signs", "operands", "gates", "steps"):
        assert metrics[f"{name}_accuracy"] == 1.0, name


def test_a_wrong_gate_costs_exact_match_and_only_gate_accuracy():
    metrics = evaluate(OracleModel(flip_first_gate=True), ExampleStream(CONFIG), CONFIG, "test")
    assert metrics["exact_match"] < 0.5
    assert metrics["gates_accuracy"] < 1.0
    assert metrics["mean_relative_error"] > 0.01
    for name in ("digits", "signs", "operands", "steps"):
        assert metrics[f"{name}_accuracy"] == 1.0, name


class ScrambledUnusedPartsModel(OracleModel):
    """The true DAG where it is used; garbage in unused steps and unused initial nodes."""

    def forward(self, ids, lengths) -> DagPrediction:
        p = super().forward(ids, lengths)
        g = torch.Generator().manual_seed(0)
        t = DagTensors.stack(
            [
                expression_to_dag(CharTokenizer().decode(row[:n]), self.dag)
                for row, n in zip(ids, lengths, strict=True)
            ]
        )
        unused_steps, unused_nodes = ~t.step_mask, ~t.node_mask
        noise = torch.randn(p.operand_logits.shape, generator=g) * 50
        p.operand_logits[unused_steps] = noise[unused_steps]
        p.gate_logits[unused_steps] = -p.gate_logits[unused_steps]
        step_signs = p.sign_logits[..., self.dag.num_initial :]
        step_signs[unused_steps] = -step_signs[unused_steps]
        noise = torch.randn(p.digit_logits.shape, generator=g) * 50
        p.digit_logits[unused_nodes] = noise[unused_nodes]
        node_signs = p.sign_logits[..., : self.dag.num_initial]
        node_signs[unused_nodes] = -node_signs[unused_nodes]
        return p


def test_unused_steps_and_nodes_do_not_count_in_any_accuracy():
    metrics = evaluate(ScrambledUnusedPartsModel(), ExampleStream(CONFIG), CONFIG, "test")
    assert metrics["exact_match"] == 1.0
    for name in ("digits", "signs", "operands", "gates", "steps"):
        assert metrics[f"{name}_accuracy"] == 1.0, name
