"""Property tests of dag_executor: tensors execute to the exact value and convert back losslessly.

Expressions are random IR trees (Add / Mul of 2-3 operands, Neg, Recip) over decimal numbers
within the digit limits of a randomly drawn DagConfig; trees that do not fit the config (too many
numbers or steps) or divide by zero are rejected.

Accuracy: the executor evaluates in float64, so its error is bounded by the usual first-order
floating-point bound, which grows with cancellation in sums. The 1e-9 relative check applies to
every nonzero value whose bound is below 1e-10 of it; in practice that is every nonzero value drawn
(0 exceptions in 3,000 draws). It cannot hold for near-total cancellation: ``9999.9999 - 9999.9998``
gives 1.1e-8 relative error because float64 cannot hold the inputs exactly. Such cases, and exact
zeros (where a relative error means nothing), must stay within 4x the bound.
"""

from decimal import Decimal
from fractions import Fraction

import hypothesis.strategies as st
import sympy
import torch
from dag_executor import (
    Add,
    DagConfig,
    DagError,
    DagExecutor,
    Expr,
    Mul,
    Neg,
    Number,
    Recip,
    dag_to_expression,
    expression_to_dag,
    from_sympy,
    normalize,
    parse_expression,
)
from hypothesis import assume, event, given

UNIT_ROUNDOFF = 2.0**-53


@st.composite
def configs(draw: st.DrawFn) -> DagConfig:
    return DagConfig(
        depth=draw(st.integers(1, 5)),
        max_digits=draw(st.integers(1, 4)),
        max_decimals=draw(st.integers(0, 4)),
    )


def numbers(config: DagConfig) -> st.SearchStrategy[Number]:
    """Every decimal with at most K places and |x| < 10**M (negative ones included)."""
    return st.builds(
        lambda mantissa, negative: Number(
            Decimal(-mantissa if negative else mantissa).scaleb(-config.max_decimals)
        ),
        st.integers(0, 10**config.num_places - 1),
        st.booleans(),
    )


def trees(config: DagConfig) -> st.SearchStrategy[Expr]:
    def extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
        operands = st.lists(children, min_size=2, max_size=3).map(tuple)
        return st.one_of(
            operands.map(Add),
            operands.map(Mul),
            children.map(Neg),
            children.map(Recip),
        )

    return st.recursive(numbers(config), extend, max_leaves=config.num_initial)


@st.composite
def fitting_expressions(draw: st.DrawFn) -> tuple[DagConfig, Expr]:
    """A config and an expression whose tensors exist for it."""
    config = draw(configs())
    expr = draw(trees(config))
    try:
        expression_to_dag(expr, config)
    except DagError:
        assume(False)
    return config, expr


def error_bound(expr: Expr) -> tuple[Fraction, float]:
    """(exact value, first-order bound on the absolute float64 evaluation error)."""
    if isinstance(expr, Number):
        value = expr.value()
        return value, abs(float(value)) * UNIT_ROUNDOFF
    parts = [error_bound(child) for child in expr.children()]
    value = expr.value()
    if isinstance(expr, Add):
        terms_abs = sum(abs(float(v)) for v, _ in parts)
        return value, sum(e for _, e in parts) + len(parts) * UNIT_ROUNDOFF * terms_abs
    if isinstance(expr, Neg):
        return value, parts[0][1]
    relative = sum(e / abs(float(v)) if v else 0.0 for v, e in parts)
    return value, abs(float(value)) * (relative + (len(parts) + 1) * UNIT_ROUNDOFF)


def execute(expr: Expr, config: DagConfig) -> float:
    tensors = expression_to_dag(expr, config)
    return DagExecutor(config, hard=True).execute(tensors).item()


@given(fitting_expressions())
def test_executing_the_tensors_gives_the_exact_value(case: tuple[DagConfig, Expr]) -> None:
    config, expr = case
    exact, bound = error_bound(normalize(expr))
    result = execute(expr, config)
    error = abs(Fraction(result) - exact)
    assert error <= 4 * Fraction(bound) + Fraction(1, 10**300)
    if exact == 0:
        event("exact value 0: absolute error checked against the bound")
    elif bound <= 1e-10 * abs(float(exact)):
        event("relative error checked against 1e-9")
        assert error / abs(exact) <= Fraction(1, 10**9)
    else:
        event("ill-conditioned: absolute error checked against the bound")


@given(fitting_expressions())
def test_tensors_to_expression_to_tensors_is_the_identity(case: tuple[DagConfig, Expr]) -> None:
    config, expr = case
    tensors = expression_to_dag(expr, config)
    recovered = dag_to_expression(tensors, config)
    assert recovered == normalize(expr)
    assert expression_to_dag(recovered, config).equal(tensors)


@given(fitting_expressions())
def test_tensors_to_expression_to_sympy_keeps_the_value_and_converts_back(
    case: tuple[DagConfig, Expr],
) -> None:
    config, expr = case
    exact = expr.value()
    recovered = dag_to_expression(expression_to_dag(expr, config), config).to_sympy()
    assert recovered.doit() == sympy.Rational(exact.numerator, exact.denominator)
    # and SymPy -> tensors again (SymPy reads -1 * x as a negation, so compare values)
    assert execute(from_sympy(recovered), config) == execute(expr, config)


@given(fitting_expressions())
def test_text_round_trip_gives_the_same_normal_form(case: tuple[DagConfig, Expr]) -> None:
    _, expr = case
    assert normalize(parse_expression(str(expr))) == normalize(expr)


@given(fitting_expressions())
def test_normalisation_keeps_the_value(case: tuple[DagConfig, Expr]) -> None:
    _, expr = case
    assert normalize(expr).value() == expr.value()


@given(st.data())
def test_digits_are_exact_for_every_allowed_decimal(data: st.DataObject) -> None:
    config = data.draw(configs())
    number = data.draw(numbers(config))
    tensors = expression_to_dag(number, config)
    digits = "".join(map(str, tensors.digit_targets()[0].tolist()))
    expected = int(abs(number.decimal).scaleb(config.max_decimals))
    assert int(digits) == expected
    assert dag_to_expression(tensors, config) == number
    assert execute(number, config) == float(number.decimal)  # correctly rounded


@given(fitting_expressions())
def test_a_batch_executes_like_its_items(case: tuple[DagConfig, Expr]) -> None:
    config, expr = case
    tensors = expression_to_dag(expr, config)
    batch = type(tensors).stack([tensors, tensors])
    values = DagExecutor(config, hard=True).execute(batch)
    assert values.shape == (2,)
    assert torch.equal(values, torch.full((2,), execute(expr, config), dtype=torch.float64))
