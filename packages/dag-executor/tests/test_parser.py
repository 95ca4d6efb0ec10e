import pytest
from dag_executor import (
    Add,
    ExpressionSyntaxError,
    Mul,
    Neg,
    Number,
    Recip,
    UnsupportedOperationError,
    parse_expression,
)


def test_precedence_follows_python() -> None:
    assert parse_expression("1 + 2 * 3") == Add((Number(1), Mul((Number(2), Number(3)))))
    assert parse_expression("-2**-1") == Neg(Recip(Number(2)))


def test_subtraction_and_division_become_neg_and_recip() -> None:
    assert parse_expression("1 - 2 / 3") == Add(
        (Number(1), Neg(Mul((Number(2), Recip(Number(3))))))
    )


def test_caret_and_double_star_are_the_same_power() -> None:
    assert parse_expression("4^-1") == parse_expression("4 ** -1") == Recip(Number(4))


def test_decimals_are_parsed_exactly() -> None:
    assert parse_expression("637.18") == Number("637.18")
    assert parse_expression(".5") == Number("0.5")


@pytest.mark.parametrize(
    ("text", "named"),
    [("2**3", "2\\*\\*3"), ("(1+2)^2", "\\(1\\+2\\)\\^2"), ("sin(1)", "sin"), ("x + 1", "'x'")],
)
def test_unsupported_operations_name_the_subexpression(text: str, named: str) -> None:
    with pytest.raises(UnsupportedOperationError, match=named):
        parse_expression(text)


@pytest.mark.parametrize("text", ["", "1 +", "(1 + 2", "1 2", "1 $ 2", ")"])
def test_malformed_text_is_a_syntax_error(text: str) -> None:
    with pytest.raises(ExpressionSyntaxError, match="position"):
        parse_expression(text)


def test_nesting_beyond_the_recursion_limit_is_a_syntax_error() -> None:
    with pytest.raises(ExpressionSyntaxError, match="nests too deeply"):
        parse_expression("(" * 5000 + "1" + ")" * 5000)
