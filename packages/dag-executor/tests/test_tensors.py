import pytest
import torch
from dag_executor import (
    DagConfig,
    DagShapeError,
    DagTensors,
    DigitLimitError,
    TooManyNumbersError,
    TooManyStepsError,
    dag_to_expression,
    expression_to_dag,
    parse_expression,
    to_expr,
)

CONFIG = DagConfig(depth=3, max_digits=2, max_decimals=1)


def test_shapes_follow_the_config() -> None:
    t = expression_to_dag("1 + 2", CONFIG)
    assert t.digits.shape == (4, 3, 10)
    assert t.signs.shape == (7,)
    assert t.operands.shape == (3, 7)
    assert t.gates.shape == (3,)
    assert t.step_mask.shape == (3,) and t.step_mask.dtype == torch.bool
    assert t.node_mask.shape == (4,) and t.node_mask.dtype == torch.bool
    assert t.digits.dtype == t.signs.dtype == t.operands.dtype == t.gates.dtype == torch.float64


def test_a_sum_is_one_linear_step_over_its_numbers() -> None:
    t = expression_to_dag("1.5 - 2", CONFIG)
    assert t.gates[0] == 1.0
    assert t.operands[0].tolist() == [1, 1, 0, 0, 0, 0, 0]
    assert t.signs[:2].tolist() == [1, -1]
    assert t.digit_targets()[0].tolist() == [0, 1, 5]


def test_a_quotient_is_one_log_step_with_a_negative_coefficient() -> None:
    t = expression_to_dag("6 / 3", CONFIG)
    assert t.gates[0] == 0.0
    assert t.operands[0].tolist() == [1, -1, 0, 0, 0, 0, 0]


def test_negated_subexpression_in_a_sum_is_a_negative_coefficient() -> None:
    t = expression_to_dag("1 - 2 * 3", CONFIG)
    assert t.operands[0].tolist() == [0, 1, 1, 0, 0, 0, 0]  # step 0: 2 * 3 -> node 4
    assert t.operands[1].tolist() == [1, 0, 0, 0, -1, 0, 0]  # step 1: 1 - node 4


def test_negation_at_the_root_is_the_output_sign_of_the_last_step() -> None:
    t = expression_to_dag("-((1 + 2) * 3)", CONFIG)
    assert t.signs[4:6].tolist() == [1, -1]


def test_unused_steps_copy_the_result_and_are_masked() -> None:
    t = expression_to_dag("1 + 2", CONFIG)
    assert t.step_mask.tolist() == [True, False, False]
    assert t.node_mask.tolist() == [True, True, False, False]
    assert t.operands[1:].tolist() == [[0, 0, 0, 0, 1, 0, 0]] * 2
    assert t.gates[1:].tolist() == [1, 1]


def test_operands_are_causal() -> None:
    t = expression_to_dag("(1 + 2) * (3 + 4)", CONFIG)
    for step in range(CONFIG.depth):
        assert not t.operands[step, CONFIG.num_initial + step :].any()


def test_a_single_number_uses_no_step() -> None:
    t = expression_to_dag("-7.5", CONFIG)
    assert not t.step_mask.any()
    assert dag_to_expression(t, CONFIG) == to_expr("-7.5")


def test_too_many_numbers_names_the_expression() -> None:
    with pytest.raises(TooManyNumbersError, match=r"1 \+ 2 \+ 3 \+ 4 \+ 5 has 5 numbers"):
        expression_to_dag("1 + 2 + 3 + 4 + 5", CONFIG)


def test_too_many_steps_names_the_subexpression() -> None:
    with pytest.raises(
        TooManyStepsError,
        match=r"needs more than depth=3 steps \(no step left for 2\*\*-1 \+ 3\*\*-1",
    ):
        expression_to_dag("2**-1 + 3**-1 + 4**-1 + 5", CONFIG)


@pytest.mark.parametrize(
    ("text", "message"),
    [("100", "100 needs more than max_digits=2"), ("1.25", "1.25 has 2 decimal places")],
)
def test_numbers_beyond_the_digit_limits_are_errors(text: str, message: str) -> None:
    with pytest.raises(DigitLimitError, match=message):
        expression_to_dag(f"1 + {text}", CONFIG)


def test_stack_index_and_to_keep_the_fields() -> None:
    items = [expression_to_dag(text, CONFIG) for text in ("1 + 2", "3 * 4", "5")]
    batch = DagTensors.stack(items)
    assert batch.batch_shape == (3,) and len(batch) == 3
    assert batch[1].equal(items[1])
    assert batch.to("cpu").equal(batch)


def test_dag_to_expression_checks_shapes() -> None:
    t = expression_to_dag("1 + 2", CONFIG)
    with pytest.raises(DagShapeError, match="digits must have shape"):
        dag_to_expression(t, DagConfig())


def test_dag_to_expression_reads_soft_tensors_by_argmax() -> None:
    t = expression_to_dag("(1 + 2) / 3", CONFIG)
    soft = DagTensors(
        digits=t.digits * 0.8 + 0.02,
        signs=t.signs * 0.9,
        operands=t.operands * 0.7,
        gates=t.gates * 0.8 + 0.1,
        step_mask=t.step_mask,
        node_mask=t.node_mask,
    )
    assert dag_to_expression(soft, CONFIG) == to_expr("(1 + 2) / 3")


def test_too_many_numbers_is_found_before_normalising_a_very_long_expression() -> None:
    long_sum = parse_expression("1+" * 5000 + "1")  # left-deep: 5000 nested Adds
    with pytest.raises(TooManyNumbersError, match=r"has 5001 numbers but depth 3 allows 4"):
        expression_to_dag(long_sum, CONFIG)
