"""The cases the original nanoGPT-DAG got wrong, each executed through its DAG tensors."""

from fractions import Fraction

import pytest
import sympy
from dag_executor import (
    DEFAULT_CONFIG,
    DagConfig,
    DagExecutor,
    DivisionByZeroError,
    dag_to_expression,
    expression_to_dag,
    to_expr,
)


def execute(expression: object, config: DagConfig = DEFAULT_CONFIG) -> float:
    tensors = expression_to_dag(expression, config)
    return DagExecutor(config, hard=True).execute(tensors).item()


def test_product_of_two_negatives_is_positive() -> None:
    assert execute("(-3)*(-3)") == 9.0


def test_product_with_a_negative_factor_is_negative() -> None:
    assert execute("2*(-7)") == -14.0


def test_negation_inside_a_product_of_subexpressions() -> None:
    assert execute("(1 + 2) * -(3 + 4)") == -21.0
    assert execute("-(1 + 1) * -(1 + 2) * -(1 + 3)", DagConfig(depth=6)) == -24.0


def test_subtracting_a_negative_adds() -> None:
    assert execute("2 - (-7)") == 9.0


def test_reciprocal_inside_a_sum() -> None:
    assert execute("2 + 1/3") == pytest.approx(7 / 3, rel=1e-15)
    assert execute("2 - 4**-1") == 1.75


def test_reciprocal_inside_a_sum_from_sympy() -> None:
    unevaluated = sympy.Add(2, sympy.Pow(3, -1, evaluate=False), evaluate=False)
    assert execute(unevaluated) == pytest.approx(7 / 3, rel=1e-15)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3 * 3", 9.0), ("3 + 3", 6.0), ("3 - 3", 0.0), ("3 / 3", 1.0), ("(2 + 3) * (2 + 3)", 25.0)],
)
def test_repeated_operands_each_count(text: str, expected: float) -> None:
    assert execute(text) == expected


def test_digits_are_rounded_not_truncated() -> None:
    tensors = expression_to_dag("637.18")
    assert "".join(map(str, tensors.digit_targets()[0].tolist())) == "06371800"
    assert execute("637.18") == 637.18
    assert dag_to_expression(tensors).value() == Fraction("637.18")


@pytest.mark.parametrize("text", ["1 / 0", "1 / (3 - 3)", "5 + 2 / (1.5 * 2 - 3)", "0**-1"])
def test_division_by_zero_is_an_error_not_a_large_number(text: str) -> None:
    with pytest.raises(DivisionByZeroError, match="division by zero"):
        expression_to_dag(text)


def test_division_by_zero_names_the_denominator() -> None:
    with pytest.raises(DivisionByZeroError, match=r"1.5 \* 2 - 3"):
        expression_to_dag("5 + 2 / (1.5 * 2 - 3)")


def test_round_trip_keeps_the_normalised_expression() -> None:
    expr = to_expr("2 - 1/(3 - 5) * -4")
    assert dag_to_expression(expression_to_dag(expr)) == expr
