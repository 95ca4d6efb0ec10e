"""The DAG predictor head, the predictor-only model and its masked losses."""

import pytest
import torch
from dag_executor import DagConfig, DagExecutor, DagTensors, expression_to_dag
from nanogpt_dag import (
    CharTokenizer,
    DagPrediction,
    GPTConfig,
    ModelConfigError,
    PredictorConfig,
    PredictorOnlyModel,
    dag_losses,
)

DAG = DagConfig(depth=2, max_digits=2, max_decimals=1)
TEXTS = ["1.5 * 2 - 3", "-(7 / 4)", "12"]


def _targets() -> DagTensors:
    return DagTensors.stack([expression_to_dag(t, DAG) for t in TEXTS])


def _model() -> PredictorOnlyModel:
    torch.manual_seed(0)
    gpt = GPTConfig(block_size=32, vocab_size=CharTokenizer().vocab_size, n_layer=1, n_head=2,
                    n_embd=16, lm_head=False)  # fmt: skip
    return PredictorOnlyModel(PredictorConfig(gpt=gpt, dag=DAG))


def _perfect_prediction(t: DagTensors, confidence: float = 30.0) -> DagPrediction:
    """Logits that put all mass on the target tensors."""
    d = DAG.depth
    return DagPrediction(
        digit_logits=t.digits.float() * confidence,
        sign_logits=t.signs.float() * confidence,
        operand_logits=torch.nn.functional.one_hot(t.operand_targets(), 3).float() * confidence,
        gate_logits=(t.gates.float() * 2 - 1) * confidence,
        steps_logits=torch.nn.functional.one_hot(t.step_mask.sum(-1), d + 1).float() * confidence,
    )


def test_prediction_shapes_follow_the_dag_config():
    ids, lengths = CharTokenizer().encode_batch(TEXTS, 32)
    p = _model()(ids, lengths)
    assert p.digit_logits.shape == (3, 3, 3, 10)  # (B, d+1, M+K, 10)
    assert p.sign_logits.shape == (3, 5)  # (B, 2d+1)
    assert p.operand_logits.shape == (3, 2, 5, 3)  # (B, d, 2d+1, classes)
    assert p.gate_logits.shape == (3, 2)
    assert p.steps_logits.shape == (3, 3)
    per_token = _model()(ids)
    assert per_token.digit_logits.shape == (3, ids.shape[1], 3, 3, 10)


def test_prediction_reads_each_rows_last_real_token_so_padding_is_ignored():
    model = _model().eval()
    tok = CharTokenizer()
    alone_ids, alone_len = tok.encode_batch(["12"], 32)
    padded_ids, padded_len = tok.encode_batch(["12", "1.5 * 2 - 3"], 32)
    alone = model(alone_ids, alone_len).digit_logits[0]
    padded = model(padded_ids, padded_len).digit_logits[0]
    torch.testing.assert_close(alone, padded, rtol=0, atol=1e-5)


def test_hard_of_a_perfect_prediction_is_exactly_the_target():
    target = _targets()
    assert _perfect_prediction(target).hard().equal(target)


def test_perfect_prediction_has_near_zero_loss_and_executes_to_the_value():
    target = _targets()
    losses = dag_losses(_perfect_prediction(target), target, DagExecutor(DAG))
    assert losses.total.item() < 1e-6
    values = DagExecutor(DAG).execute(_perfect_prediction(target).hard(), hard=True)
    torch.testing.assert_close(values, torch.tensor([0.0, -1.75, 12.0], dtype=torch.float64))


def test_unused_steps_and_nodes_do_not_count_in_the_loss():
    target = _targets()
    prediction = _perfect_prediction(target)
    # "12" uses no step and one initial node: scramble everything else in row 2.
    prediction.operand_logits[2] = torch.randn_like(prediction.operand_logits[2]) * 10
    prediction.gate_logits[2] = -prediction.gate_logits[2]
    prediction.digit_logits[2, 1:] = torch.randn_like(prediction.digit_logits[2, 1:]) * 10
    prediction.sign_logits[2, 1:] = -prediction.sign_logits[2, 1:]
    losses = dag_losses(prediction, target)
    for name in ("digits", "signs", "operands", "gates", "steps"):
        assert getattr(losses, name).item() < 1e-6, name


def test_each_wrong_component_raises_its_own_loss():
    target = _targets()
    prediction = _perfect_prediction(target)
    prediction.gate_logits[0, 0] = -prediction.gate_logits[0, 0]
    losses = dag_losses(prediction, target)
    assert losses.gates.item() > 1.0
    assert losses.digits.item() < 1e-6 and losses.operands.item() < 1e-6


def test_losses_backpropagate_into_the_model_including_execution():
    model = _model()
    ids, lengths = CharTokenizer().encode_batch(TEXTS, 32)
    losses = dag_losses(model(ids, lengths), _targets(), DagExecutor(DAG))
    assert torch.isfinite(losses.execution) and losses.execution.item() > 0
    losses.total.backward()
    assert model.backbone.transformer.h[0].attn.c_attn.weight.grad.abs().sum() > 0
    assert model.head.operands.weight.grad.abs().sum() > 0


def test_execution_loss_alone_sends_gradient_to_the_digit_scores():
    model = _model()
    ids, lengths = CharTokenizer().encode_batch(TEXTS, 32)
    losses = dag_losses(model(ids, lengths), _targets(), DagExecutor(DAG))
    losses.execution.backward()
    assert model.head.digits.weight.grad.abs().sum() > 0


def test_backbone_with_lm_head_is_rejected():
    with pytest.raises(ModelConfigError, match="lm_head=False"):
        PredictorConfig(gpt=GPTConfig(lm_head=True))


def test_bad_lengths_are_rejected():
    ids, _ = CharTokenizer().encode_batch(TEXTS, 32)
    with pytest.raises(ModelConfigError, match="lengths must have shape"):
        _model()(ids, torch.tensor([0, 1, 2]))
