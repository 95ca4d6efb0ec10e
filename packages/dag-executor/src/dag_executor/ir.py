"""The typed expression IR: exact decimal numbers combined by Add, Mul, Neg and Recip.

Subtraction is ``Add(a, Neg(b))`` and division is ``Mul(a, Recip(b))``; there is nothing else.
Nodes are frozen dataclasses, so equal trees compare and hash equal. ``Expr.value()`` is the exact
value as a ``fractions.Fraction``; ``str(expr)`` is text that ``parse_expression`` reads back to
the same tree; ``Expr.to_sympy()`` builds the SymPy expression.

``normalize`` puts a tree into the canonical form that ``expression_to_dag`` converts:

- ``Neg(Neg(x)) -> x``, ``Recip(Recip(x)) -> x``, ``Neg(Number(v)) -> Number(-v)``,
  ``Recip(Neg(x)) -> Neg(Recip(x))``;
- nested sums and products are flattened: ``Add(a, Add(b, c)) -> Add(a, b, c)``, same for Mul;
- negations leave products: ``Mul(a, Neg(b)) -> Neg(Mul(a, b))`` (negative *numbers* stay as
  factors: their sign is part of the number);
- a one-term Add or Mul is its term; a reciprocal of something that is exactly 0 raises
  ``DivisionByZeroError``.

After ``normalize`` a Neg appears only at the root or as a term of an Add, and its operand is an
Add, Mul or Recip; a Recip's operand is a Number, Add or Mul.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

import sympy

from dag_executor.errors import DigitLimitError, DivisionByZeroError, UnsupportedOperationError

MAX_EXPONENT = 308
"""Numbers need ``10**-308 <= |x| < 10**309`` (or x = 0): float64's range. Beyond it nothing could
execute them, and writing one out (``1e99999999``) would take more memory than the machine has."""


class Expr:
    """Base class of the IR nodes (Number, Add, Mul, Neg, Recip)."""

    __slots__ = ()

    def value(self) -> Fraction:
        """The exact value; raises DivisionByZeroError on a reciprocal of 0."""
        raise NotImplementedError

    def children(self) -> tuple[Expr, ...]:
        """The direct sub-expressions, left to right."""
        raise NotImplementedError

    def to_sympy(self, evaluate: bool = False) -> sympy.Expr:
        """The SymPy expression; unevaluated (same tree) unless ``evaluate=True``."""
        raise NotImplementedError

    def walk(self) -> Iterator[Expr]:
        """Every node of the tree, parents before children, left to right."""
        yield self
        for child in self.children():
            yield from child.walk()

    def numbers(self) -> list[Number]:
        """The Number leaves, left to right (repeats included)."""
        return [node for node in self.walk() if isinstance(node, Number)]


def _canonical_decimal(value: Decimal) -> Decimal:
    """The same value without trailing zeros or exponent notation (``637.180 -> 637.18``)."""
    if value == 0:
        return Decimal(0)
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return Decimal(text)


@dataclass(frozen=True, slots=True)
class Number(Expr):
    """A finite decimal number, stored exactly (``Number("637.18")``, ``Number(-3)``)."""

    decimal: Decimal

    def __init__(self, value: Decimal | int | str) -> None:
        try:
            decimal = Decimal(value) if not isinstance(value, Decimal) else value
        except (InvalidOperation, TypeError, ValueError):
            raise UnsupportedOperationError(f"{value!r} is not a decimal number") from None
        if not decimal.is_finite():
            raise UnsupportedOperationError(f"{value!r} is not a finite number")
        if decimal and abs(decimal.adjusted()) > MAX_EXPONENT:
            raise DigitLimitError(
                f"number {decimal:.6E} is out of range: its decimal exponent must be within "
                f"+-{MAX_EXPONENT} (float64's range)"
            )
        object.__setattr__(self, "decimal", _canonical_decimal(decimal))

    def value(self) -> Fraction:  # noqa: D102
        return Fraction(self.decimal)

    def children(self) -> tuple[Expr, ...]:  # noqa: D102
        return ()

    def to_sympy(self, evaluate: bool = False) -> sympy.Expr:  # noqa: D102
        return sympy.Rational(format(self.decimal, "f"))

    def __str__(self) -> str:
        return format(self.decimal, "f")


@dataclass(frozen=True, slots=True)
class Add(Expr):
    """The sum of two or more terms."""

    terms: tuple[Expr, ...]

    def value(self) -> Fraction:  # noqa: D102
        return sum((term.value() for term in self.terms), Fraction(0))

    def children(self) -> tuple[Expr, ...]:  # noqa: D102
        return self.terms

    def to_sympy(self, evaluate: bool = False) -> sympy.Expr:  # noqa: D102
        return sympy.Add(*(t.to_sympy(evaluate) for t in self.terms), evaluate=evaluate)

    def __str__(self) -> str:
        parts = [_render(self.terms[0], _ADD_OPERAND)]
        for term in self.terms[1:]:
            if isinstance(term, Neg):
                parts.append(f"- {_render(term.operand, _ADD_OPERAND + 1)}")
            elif isinstance(term, Number) and term.decimal < 0:
                parts.append(f"- {Number(-term.decimal)}")
            else:
                parts.append(f"+ {_render(term, _ADD_OPERAND)}")
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class Mul(Expr):
    """The product of two or more factors."""

    factors: tuple[Expr, ...]

    def value(self) -> Fraction:  # noqa: D102
        result = Fraction(1)
        for factor in self.factors:
            result *= factor.value()
        return result

    def children(self) -> tuple[Expr, ...]:  # noqa: D102
        return self.factors

    def to_sympy(self, evaluate: bool = False) -> sympy.Expr:  # noqa: D102
        return sympy.Mul(*(f.to_sympy(evaluate) for f in self.factors), evaluate=evaluate)

    def __str__(self) -> str:
        parts = [_render_factor(self.factors[0])]
        for factor in self.factors[1:]:
            if isinstance(factor, Recip):
                parts.append(f"/ {_render_factor(factor.operand, _MUL_OPERAND + 1)}")
            else:
                parts.append(f"* {_render_factor(factor)}")
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class Neg(Expr):
    """The negation ``-x``."""

    operand: Expr

    def value(self) -> Fraction:  # noqa: D102
        return -self.operand.value()

    def children(self) -> tuple[Expr, ...]:  # noqa: D102
        return (self.operand,)

    def to_sympy(self, evaluate: bool = False) -> sympy.Expr:  # noqa: D102
        return sympy.Mul(sympy.Integer(-1), self.operand.to_sympy(evaluate), evaluate=evaluate)

    def __str__(self) -> str:
        return f"-{_render(self.operand, _UNARY_OPERAND)}"


@dataclass(frozen=True, slots=True)
class Recip(Expr):
    """The reciprocal ``1 / x`` (written ``x**-1``)."""

    operand: Expr

    def value(self) -> Fraction:  # noqa: D102
        denominator = self.operand.value()
        if denominator == 0:
            raise DivisionByZeroError(f"division by zero: {self.operand} is 0 in {self}")
        return 1 / denominator

    def children(self) -> tuple[Expr, ...]:  # noqa: D102
        return (self.operand,)

    def to_sympy(self, evaluate: bool = False) -> sympy.Expr:  # noqa: D102
        return sympy.Pow(self.operand.to_sympy(evaluate), sympy.Integer(-1), evaluate=evaluate)

    def __str__(self) -> str:
        return f"{_render(self.operand, _POWER_BASE + 1)}**-1"


# Binding strength of the position an operand is rendered in: an operand that binds less
# tightly than its position gets parentheses.
_ADD_OPERAND, _MUL_OPERAND, _UNARY_OPERAND, _POWER_BASE = 1, 2, 3, 4


def _binding(expr: Expr) -> int:
    if isinstance(expr, Add):
        return 1
    if isinstance(expr, Mul):
        return 2
    if isinstance(expr, Neg) or (isinstance(expr, Number) and expr.decimal < 0):
        return 3
    if isinstance(expr, Recip):
        return 4
    return 5


def _render(expr: Expr, position: int) -> str:
    text = str(expr)
    return f"({text})" if _binding(expr) < position else text


def _render_factor(expr: Expr, position: int = _MUL_OPERAND) -> str:
    """A factor of a product; negative factors get parentheses: ``(-3) * (-3)``."""
    if _binding(expr) == _UNARY_OPERAND:
        return f"({expr})"
    return _render(expr, position)


# --- normalisation ---------------------------------------------------------------------------


def make_neg(operand: Expr) -> Expr:
    """``-operand`` in normal form (folds double negation and negative numbers)."""
    if isinstance(operand, Neg):
        return operand.operand
    if isinstance(operand, Number):
        return Number(-operand.decimal)
    return Neg(operand)


def make_recip(operand: Expr) -> Expr:
    """``1 / operand`` in normal form; raises DivisionByZeroError if operand is exactly 0."""
    if isinstance(operand, Recip):
        return operand.operand
    if isinstance(operand, Neg):
        return make_neg(make_recip(operand.operand))
    if operand.value() == 0:
        raise DivisionByZeroError(f"division by zero: {operand} is 0 in {Recip(operand)}")
    return Recip(operand)


def make_add(terms: Iterable[Expr]) -> Expr:
    """The flattened sum of normalised terms."""
    flat: list[Expr] = []
    for term in terms:
        flat.extend(term.terms if isinstance(term, Add) else (term,))
    if not flat:
        raise ValueError("an Add needs at least one term")
    return flat[0] if len(flat) == 1 else Add(tuple(flat))


def make_mul(factors: Iterable[Expr]) -> Expr:
    """The flattened product of normalised factors, with negations pulled out in front."""
    flat: list[Expr] = []
    negative = False
    for factor in factors:
        if isinstance(factor, Neg):
            negative = not negative
            factor = factor.operand
        flat.extend(factor.factors if isinstance(factor, Mul) else (factor,))
    if not flat:
        raise ValueError("a Mul needs at least one factor")
    product = flat[0] if len(flat) == 1 else Mul(tuple(flat))
    return make_neg(product) if negative else product


def normalize(expr: Expr) -> Expr:
    """The canonical form of ``expr`` (see the module docstring); its value is unchanged."""
    if isinstance(expr, Number):
        return expr
    if isinstance(expr, Add):
        return make_add(normalize(t) for t in expr.terms)
    if isinstance(expr, Mul):
        return make_mul(normalize(f) for f in expr.factors)
    if isinstance(expr, Neg):
        return make_neg(normalize(expr.operand))
    if isinstance(expr, Recip):
        return make_recip(normalize(expr.operand))
    raise TypeError(f"not an Expr: {expr!r}")


# --- SymPy input -----------------------------------------------------------------------------


def from_sympy(expr: sympy.Basic) -> Expr:
    """The IR of a SymPy expression (not normalised).

    Integers and Floats become Numbers; a Rational ``p/q`` becomes its exact decimal when it has
    one (``Rational(63718, 100)`` is ``637.18``, as ``Number("637.18").to_sympy()`` gives), else
    ``p * q**-1``; ``Mul(-1, x)`` becomes ``Neg(x)``, ``Pow(x, -1)`` becomes ``Recip(x)``. Anything
    else (other powers, functions, symbols) raises UnsupportedOperationError naming the
    sub-expression.
    """
    if isinstance(expr, sympy.Integer):
        return Number(int(expr))
    if isinstance(expr, sympy.Float):
        return Number(Decimal(str(expr)))
    if isinstance(expr, sympy.Rational):
        decimal = _exact_decimal(int(expr.p), int(expr.q))
        if decimal is not None:
            return Number(decimal)
        numerator = Number(int(expr.p))
        return Mul((numerator, Recip(Number(int(expr.q)))))
    if isinstance(expr, sympy.Add):
        return Add(tuple(from_sympy(arg) for arg in expr.args))
    if isinstance(expr, sympy.Mul):
        return _from_sympy_mul(expr)
    if isinstance(expr, sympy.Pow):
        if expr.exp == -1:
            return Recip(from_sympy(expr.base))
        raise UnsupportedOperationError(f"unsupported power {expr} (only **-1 is supported)")
    raise UnsupportedOperationError(
        f"unsupported {type(expr).__name__} {expr}: only numbers, +, -, *, / and **-1"
    )


def _exact_decimal(numerator: int, denominator: int) -> Decimal | None:
    """``numerator / denominator`` as a Decimal if it terminates (denominator = 2**a * 5**b)."""
    rest, twos, fives = denominator, 0, 0
    while rest % 2 == 0:
        rest, twos = rest // 2, twos + 1
    while rest % 5 == 0:
        rest, fives = rest // 5, fives + 1
    if rest != 1:
        return None
    places = max(twos, fives)
    return Decimal(numerator * 10**places // denominator).scaleb(-places)


def _from_sympy_mul(expr: sympy.Mul) -> Expr:
    args = list(expr.args)
    negative = False
    if args and args[0] == -1:
        negative = True
        args = args[1:]
    factors = [from_sympy(arg) for arg in args]
    body = factors[0] if len(factors) == 1 else Mul(tuple(factors))
    return Neg(body) if negative else body
