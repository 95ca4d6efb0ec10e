"""nanogpt-dag <-> dag-executor: the predictor's targets are exactly dag_executor's tensors.

For generated expressions: the trainer's batch targets equal `expression_to_dag`, a prediction
that puts all its mass on them decodes (`DagPrediction.hard`) back to the same tensors, executes
to the exact value and reads back as the same expression.
"""

import torch
from dag_executor import DagExecutor, dag_to_expression, expression_to_dag
from hypothesis import given
from hypothesis import strategies as st
from nanogpt_dag import DagPrediction
from predictor_trainer import ExampleStream, TrainConfig

STREAM = ExampleStream(TrainConfig(dag_depth=3, max_digits=2, max_decimals=2, block_size=128))


def _confident(t) -> DagPrediction:
    one_hot = torch.nn.functional.one_hot
    return DagPrediction(
        digit_logits=t.digits.float() * 20,
        sign_logits=t.signs.float() * 20,
        operand_logits=one_hot(t.operand_targets(), 3).float() * 20,
        gate_logits=(t.gates.float() * 2 - 1) * 20,
        steps_logits=one_hot(t.step_mask.sum(-1), t.gates.shape[-1] + 1).float() * 20,
    )


@given(split=st.sampled_from(["train", "val", "test"]), start=st.integers(0, 10_000))
def test_perfect_prediction_decodes_to_the_dag_executor_tensors_and_value(split, start):
    batch = STREAM.batch(split, range(start, start + 4))
    hard = _confident(batch.targets).hard()
    assert hard.equal(batch.targets)
    values = DagExecutor(STREAM.dag).execute(hard, hard=True)
    torch.testing.assert_close(values, batch.values, rtol=1e-9, atol=1e-12)
    for i, text in enumerate(batch.texts):
        expected = expression_to_dag(text, STREAM.dag)
        assert batch.targets[i].equal(expected)
        assert dag_to_expression(hard[i], STREAM.dag) == dag_to_expression(expected, STREAM.dag)
