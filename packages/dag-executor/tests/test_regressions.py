"""The cases the original nanoGPT-DAG got wrong, executed through tensors."""

from fractions import Fraction

import pytest
from dag_executor import (
    DEFAULT_CONFIG,
    DagConfig,
    DagExecutor,
    DivisionByZeroError,
    dag_to_expression,
    expression_to_dag,
    to_expr,
)


def execute(text: str, config: DagConfig = DEFAULT_CONFIG) -> float:
    return DagExecutor(config, hard=True).execute(expression_to_dag(text, config)).item()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(-3)*(-3)", 9.0),
        ("2*(-7)", -14.0),
        ("-2*-7*-1", -14.0),
        ("2 - (-7)", 9.0),
        ("3 * -(1 + 2)", -9.0),
        ("3 * 3", 9.0),
        ("(1 + 1) * (1 + 1)", 4.0),
        ("5 - 5", 0.0),
        ("637.18", 637.18),
        ("-(2 * 3)", -6.0),
    ],
)
def test_executes_to_the_exact_float(text: str, expected: float) -> None:
    assert execute(text) == expected


def test_recip_inside_add_is_exact_to_rounding() -> None:
    assert execute("2 + 1/3") == pytest.approx(7 / 3, rel=1e-15)
    assert execute("2 + 3**-1") == pytest.approx(7 / 3, rel=1e-15)


def test_digits_are_rounded_not_truncated() -> None:
    tensors = expression_to_dag("637.18")
    assert "".join(map(str, tensors.digit_targets()[0].tolist())) == "06371800"
    assert dag_to_expression(tensors).value() == Fraction("637.18")


def test_division_by_zero_is_an_error_naming_the_denominator() -> None:
    with pytest.raises(DivisionByZeroError, match=r"3 - 3"):
        expression_to_dag("1 / (3 - 3)")


def test_round_trip_keeps_the_normalised_expression() -> None:
    expr = to_expr("2 - 1/(3 - 5) * -4")
    assert dag_to_expression(expression_to_dag(expr)) == expr
