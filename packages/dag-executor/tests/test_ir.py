import re
from decimal import Decimal
from fractions import Fraction

import pytest
import sympy
from dag_executor import (
    Add,
    DigitLimitError,
    DivisionByZeroError,
    Mul,
    Neg,
    Number,
    Recip,
    UnsupportedOperationError,
    from_sympy,
    normalize,
    parse_expression,
)


def test_number_keeps_decimal_digits_exactly() -> None:
    assert Number("637.180").decimal == Decimal("637.18")
    assert str(Number("637.18")) == "637.18"
    assert Number("637.18").value() == Fraction(63718, 100)


def test_number_prints_without_exponent() -> None:
    assert str(Number("1E+3")) == "1000"
    assert Number("-0.0") == Number(0)


def test_value_is_exact() -> None:
    expr = Add((Number(2), Recip(Number(3))))
    assert expr.value() == Fraction(7, 3)


def test_reciprocal_of_zero_value_raises() -> None:
    with pytest.raises(DivisionByZeroError, match=r"2 - 2"):
        Recip(parse_expression("2 - 2")).value()


def test_normalize_folds_double_negation_and_double_reciprocal() -> None:
    x = Add((Number(1), Number(2)))
    assert normalize(Neg(Neg(x))) == x
    assert normalize(Recip(Recip(x))) == x


def test_normalize_folds_negation_into_numbers() -> None:
    assert normalize(Neg(Number(3))) == Number(-3)


def test_normalize_flattens_sums_and_products() -> None:
    assert normalize(parse_expression("1 + 2 + 3")) == Add((Number(1), Number(2), Number(3)))
    assert normalize(parse_expression("1 * (2 * 3)")) == Mul((Number(1), Number(2), Number(3)))


def test_normalize_turns_subtraction_and_division_into_neg_and_recip() -> None:
    assert normalize(parse_expression("1 - 2")) == Add((Number(1), Number(-2)))
    assert normalize(parse_expression("1 / 2")) == Mul((Number(1), Recip(Number(2))))


def test_normalize_pulls_negation_out_of_products() -> None:
    s = Add((Number(1), Number(2)))
    assert normalize(Mul((Number(4), Neg(s)))) == Neg(Mul((Number(4), s)))
    assert normalize(Recip(Neg(s))) == Neg(Recip(s))


def test_normalize_keeps_negated_sums_as_terms() -> None:
    expr = normalize(parse_expression("1 - (2 + 3)"))
    assert expr == Add((Number(1), Neg(Add((Number(2), Number(3))))))


def test_str_round_trips_through_the_parser() -> None:
    expr = normalize(parse_expression("-(2 * 3) + (-3) * (-3) / (1 - 4**-1)"))
    assert normalize(parse_expression(str(expr))) == expr


def test_from_sympy_reads_unevaluated_expressions() -> None:
    expr = sympy.Add(
        2, sympy.Mul(-1, sympy.Pow(3, -1, evaluate=False), evaluate=False), evaluate=False
    )
    assert normalize(from_sympy(expr)) == Add((Number(2), Neg(Recip(Number(3)))))


def test_from_sympy_reads_rationals_and_floats() -> None:
    assert from_sympy(sympy.Rational(7, 3)).value() == Fraction(7, 3)
    assert from_sympy(sympy.Float("637.18")) == Number("637.18")


def test_from_sympy_reads_a_terminating_rational_as_its_exact_decimal() -> None:
    assert from_sympy(sympy.Rational(63718, 100)) == Number("637.18")
    assert from_sympy(sympy.Rational(-1, 8)) == Number("-0.125")
    assert from_sympy(Number("637.18").to_sympy()) == Number("637.18")
    assert from_sympy(sympy.Rational(7, 3)) == Mul((Number(7), Recip(Number(3))))


@pytest.mark.parametrize(
    "expr", [sympy.Symbol("x"), sympy.sin(sympy.Integer(1)), sympy.Pow(2, 3, evaluate=False)]
)
def test_from_sympy_rejects_what_the_dag_cannot_express(expr: sympy.Expr) -> None:
    with pytest.raises(UnsupportedOperationError, match=re.escape(str(expr))):
        from_sympy(expr)


def test_to_sympy_evaluates_to_the_exact_value() -> None:
    expr = normalize(parse_expression("2 - (-7) * 1.5 / 4"))
    assert expr.to_sympy(evaluate=True) == sympy.Rational(
        expr.value().numerator, expr.value().denominator
    )
    assert sympy.nsimplify(expr.to_sympy().doit()) == sympy.Rational(37, 8)


@pytest.mark.parametrize("text", ["1e309", "-1e99999999", "1e-309"])
def test_numbers_outside_float64_range_are_rejected_without_writing_them_out(text: str) -> None:
    with pytest.raises(DigitLimitError, match=r"out of range: its decimal exponent"):
        Number(text)


def test_numbers_at_the_edge_of_float64_range_are_kept() -> None:
    assert Number("1e308").value() == 10**308
    assert Number("1e-308").value() == Fraction(1, 10**308)
