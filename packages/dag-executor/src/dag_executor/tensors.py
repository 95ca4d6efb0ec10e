"""IR <-> fixed-size DAG tensors.

The DAG of depth d has ``N = 2d + 1`` nodes: nodes ``0 .. d`` are the *initial* nodes (the
numbers of the expression, left to right), node ``d + 1 + i`` is the result of *step* i.
Every tensor is float64 (masks are bool) and may carry any leading batch dims ``...``:

``digits``    (..., d+1, M+K, 10)  one-hot digits of ``|number|`` per initial node, most
              significant first; place p has weight ``10**(M-1-p)`` (M integer digits, then K
              decimals). Unused initial nodes hold the number 0.
``signs``     (..., 2d+1)  +1/-1. Entry j <= d is the sign of initial number j. Entry d+1+i is
              the *output sign* of step i: the step's result is multiplied by it.
``operands``  (..., d, 2d+1)  coefficients in {-1, 0, +1}; row i is step i, column j says how
              node j enters the step. Causal: only columns ``j < d + 1 + i`` are used (the rest
              are 0 in converted tensors and ignored by the executor).
``gates``     (..., d)  1 = linear domain, 0 = log domain. With node values ``v_j``, step i is

              - linear (G=1):  ``s_i * sum_j c_ij * v_j``      (+ and -: c = -1 subtracts)
              - log    (G=0):  ``s_i * prod_j sign(v_j)**|c_ij| * |v_j|**c_ij``
                (x and /: c = -1 is the reciprocal; signs are tracked apart from magnitudes,
                so (-3) * (-3) = 9)
``step_mask`` (..., d)   bool, the steps that are real operations (a prefix).
``node_mask`` (..., d+1) bool, the initial nodes that hold a number of the expression (a prefix).

Unused steps copy the result (linear, coefficient +1 on the result node, sign +1), so the value
of the expression is always the value of the last node ``2d``; it is also the node of the last
used step (node 0 when the expression is a single number).

``expression_to_dag`` first normalises (see ``dag_executor.ir``) and then maps:
a Number to an initial node (its sign into ``signs``); an Add to a linear step over its terms;
a Mul to a log step over its factors; ``Neg(x)`` as an Add term to coefficient -1 on x's node;
``Recip(x)`` as a Mul factor to coefficient -1 on x's node; ``Recip(x)`` elsewhere to a log step
with the single coefficient -1; ``Neg(x)`` at the root to the output sign -1 of the last step.
Nodes are allocated depth first, left to right (numbers in reading order, steps after their
operands), and every node is used exactly once, so coefficients never exceed 1 in magnitude and
``dag_to_expression`` recovers the term order from the position of each operand's first number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from decimal import Decimal

import sympy
import torch
from torch import Tensor

from dag_executor.config import DEFAULT_CONFIG, DagConfig
from dag_executor.errors import (
    DagShapeError,
    DigitLimitError,
    TooManyNumbersError,
    TooManyStepsError,
)
from dag_executor.ir import Add, Expr, Mul, Neg, Number, Recip, from_sympy, normalize
from dag_executor.parser import _abbreviate, parse_expression

LINEAR, LOG = 1.0, 0.0


@dataclass
class DagTensors:
    """The DAG tensors of one expression, or of a batch with leading dims (layout: module doc).

    digits (..., d+1, M+K, 10) one-hot float64; signs (..., 2d+1) +-1 float64;
    operands (..., d, 2d+1) in {-1, 0, 1} float64; gates (..., d) float64 (1 linear, 0 log);
    step_mask (..., d) bool; node_mask (..., d+1) bool.
    """

    digits: Tensor
    signs: Tensor
    operands: Tensor
    gates: Tensor
    step_mask: Tensor
    node_mask: Tensor

    @classmethod
    def stack(cls, items: Sequence[DagTensors]) -> DagTensors:
        """Stack same-shaped DagTensors along a new leading batch dim."""
        if not items:
            raise DagShapeError("DagTensors.stack needs at least one item")
        return cls(
            **{f.name: torch.stack([getattr(t, f.name) for t in items]) for f in fields(cls)}
        )

    def to(self, device: torch.device | str) -> DagTensors:
        """The same tensors on ``device``."""
        return DagTensors(**{f.name: getattr(self, f.name).to(device) for f in fields(self)})

    def __getitem__(self, index: int | slice) -> DagTensors:
        """Index the leading batch dim."""
        return DagTensors(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def __len__(self) -> int:
        if self.signs.dim() < 2:
            raise TypeError("an unbatched DagTensors has no len()")
        return self.signs.shape[0]

    @property
    def batch_shape(self) -> torch.Size:
        """The leading batch dims (empty for one expression)."""
        return self.signs.shape[:-1]

    def equal(self, other: DagTensors) -> bool:
        """True when every field has the same shape and values."""
        return all(
            getattr(self, f.name).shape == getattr(other, f.name).shape
            and torch.equal(getattr(self, f.name), getattr(other, f.name))
            for f in fields(self)
        )

    def digit_targets(self) -> Tensor:
        """Digit class indices (..., d+1, M+K), int64 (argmax of ``digits``)."""
        return self.digits.argmax(-1)

    def operand_targets(self) -> Tensor:
        """Operand coefficient classes (..., d, 2d+1), int64: 0 for -1, 1 for 0, 2 for +1."""
        return self.operands.round().long() + 1


# --- IR -> tensors ---------------------------------------------------------------------------


def _digits_of(number: Number, config: DagConfig) -> list[int]:
    """The M+K digits of |number|; DigitLimitError when it does not fit exactly."""
    magnitude = abs(number.decimal)
    scaled = magnitude.scaleb(config.max_decimals)
    if scaled != scaled.to_integral_value():
        places = -magnitude.as_tuple().exponent
        raise DigitLimitError(
            f"number {number} has {places} decimal places; the limit is max_decimals="
            f"{config.max_decimals}"
        )
    if magnitude >= Decimal(10) ** config.max_digits:
        raise DigitLimitError(
            f"number {number} needs more than max_digits={config.max_digits} integer digits"
        )
    text = str(int(scaled)).rjust(config.num_places, "0")
    return [int(ch) for ch in text]


class _Builder:
    """Allocates nodes depth first while walking a normalised expression."""

    def __init__(self, root: Expr, config: DagConfig) -> None:
        self.root = root
        self.config = config
        self.numbers: list[Number] = []
        self.digit_rows: list[list[int]] = []
        self.steps: list[tuple[float, dict[int, float], float]] = []  # (gate, row, out sign)

    def leaf(self, number: Number) -> int:
        # there is room: expression_to_dag counted the numbers first (_check_number_count)
        self.digit_rows.append(_digits_of(number, self.config))
        self.numbers.append(number)
        return len(self.numbers) - 1

    def step(self, expr: Expr, gate: float, row: dict[int, float], sign: float = 1.0) -> int:
        if len(self.steps) == self.config.depth:
            raise TooManyStepsError(
                f"{self.root} needs more than depth={self.config.depth} steps "
                f"(no step left for {expr})"
            )
        self.steps.append((gate, row, sign))
        return self.config.num_initial + len(self.steps) - 1

    def operand(self, expr: Expr, log_domain: bool) -> tuple[int, float]:
        """(node, coefficient) of ``expr`` used as a term (linear) or a factor (log domain)."""
        if isinstance(expr, Number):
            return self.leaf(expr), 1.0
        if isinstance(expr, Neg) and not log_domain:
            return self.node(expr.operand), -1.0
        if isinstance(expr, Recip) and log_domain:
            return self.node(expr.operand), -1.0
        return self.node(expr), 1.0

    def node(self, expr: Expr) -> int:
        """The node holding the value of ``expr`` (a new step unless it is a Number)."""
        if isinstance(expr, Number):
            return self.leaf(expr)
        if isinstance(expr, Add):
            row = dict(self.operand(t, log_domain=False) for t in expr.terms)
            return self.step(expr, LINEAR, row)
        if isinstance(expr, Mul):
            row = dict(self.operand(f, log_domain=True) for f in expr.factors)
            return self.step(expr, LOG, row)
        if isinstance(expr, Recip):
            return self.step(expr, LOG, dict([self.operand(expr, log_domain=True)]))
        if isinstance(expr, Neg):  # normalised: the root, over an Add, Mul or Recip step
            index = self.node(expr.operand)
            gate, row, sign = self.steps[-1]
            self.steps[-1] = (gate, row, -sign)
            return index
        raise TypeError(f"not an Expr: {expr!r}")

    def tensors(self) -> DagTensors:
        config = self.config
        d, n = config.depth, config.num_nodes
        result = self.node(self.root)
        # plain lists first, one tensor per field at the end (element writes are slow)
        digit_rows = self.digit_rows + [[0] * config.num_places] * (d + 1 - len(self.numbers))
        signs = [-1.0 if number.decimal < 0 else 1.0 for number in self.numbers]
        signs += [1.0] * (n - len(signs))
        copy_result = [1.0 if j == result else 0.0 for j in range(n)]  # unused steps copy it
        operands = [list(copy_result) for _ in range(d)]
        gates = [LINEAR] * d
        for i, (gate, row, sign) in enumerate(self.steps):
            operands[i] = [row.get(j, 0.0) for j in range(n)]
            gates[i] = gate
            signs[config.num_initial + i] = sign
        return DagTensors(
            digits=torch.nn.functional.one_hot(torch.tensor(digit_rows), 10).double(),
            signs=torch.tensor(signs, dtype=torch.float64),
            operands=torch.tensor(operands, dtype=torch.float64),
            gates=torch.tensor(gates, dtype=torch.float64),
            step_mask=torch.arange(d) < len(self.steps),
            node_mask=torch.arange(config.num_initial) < len(self.numbers),
        )


def _raw_ir(expression: Expr | str | sympy.Basic) -> Expr:
    """The IR (not yet normalised) of an IR tree, arithmetic text or a SymPy expression."""
    if isinstance(expression, str):
        return parse_expression(expression)
    if isinstance(expression, sympy.Basic):
        return from_sympy(expression)
    if not isinstance(expression, Expr):
        raise TypeError(f"expected Expr, str or sympy expression, got {type(expression).__name__}")
    return expression


def to_expr(expression: Expr | str | sympy.Basic) -> Expr:
    """The normalised IR of an IR tree, arithmetic text or a SymPy expression."""
    return normalize(_raw_ir(expression))


def _check_number_count(expr: Expr, source: object, config: DagConfig) -> None:
    """TooManyNumbersError before any recursive pass, so that ``1+1+...+1`` with thousands of
    terms is this error, not a RecursionError (normalisation keeps the number of leaves)."""
    numbers, stack = [], [expr]
    while stack:  # depth first, left to right, without recursion
        node = stack.pop()
        if isinstance(node, Number):
            numbers.append(node)
        else:
            stack.extend(reversed(node.children()))
    if len(numbers) > config.num_initial:
        try:
            text = source if isinstance(source, str) else str(expr)
        except RecursionError:
            text = "the expression"
        raise TooManyNumbersError(
            f"{_abbreviate(text)} has {len(numbers)} numbers but depth {config.depth} allows "
            f"{config.num_initial} (number {numbers[config.num_initial]} does not fit)"
        )


def expression_to_dag(
    expression: Expr | str | sympy.Basic, config: DagConfig = DEFAULT_CONFIG
) -> DagTensors:
    """The DAG tensors (unbatched, layout in the module docstring) of one expression.

    Raises TooManyNumbersError, TooManyStepsError, DigitLimitError, DivisionByZeroError or
    UnsupportedOperationError (all DagError) naming the offending sub-expression.
    """
    raw = _raw_ir(expression)
    _check_number_count(raw, expression, config)
    expr = normalize(raw)
    expr.value()  # raises DivisionByZeroError on a reciprocal of an expression equal to 0
    return _Builder(expr, config).tensors()


# --- tensors -> IR ---------------------------------------------------------------------------


def _check_shapes(t: DagTensors, config: DagConfig) -> None:
    d, n, places = config.depth, config.num_nodes, config.num_places
    expected = {
        "digits": (d + 1, places, 10),
        "signs": (n,),
        "operands": (d, n),
        "gates": (d,),
        "step_mask": (d,),
        "node_mask": (d + 1,),
    }
    for name, shape in expected.items():
        actual = tuple(getattr(t, name).shape)
        if actual != shape:
            raise DagShapeError(
                f"{name} must have shape {shape} for {config} (unbatched), got {actual}"
            )


class _Reader:
    """Rebuilds the IR of one unbatched, hard DagTensors."""

    def __init__(self, t: DagTensors, config: DagConfig) -> None:
        self.config = config
        self.digits = t.digits.argmax(-1).tolist()
        self.signs = [1.0 if s >= 0 else -1.0 for s in t.signs.tolist()]
        self.operands = t.operands.clamp(-1, 1).round().tolist()
        self.gates = [g >= 0.5 for g in t.gates.tolist()]
        self.first_number: dict[int, float] = {}

    def number(self, index: int) -> Number:
        mantissa = int("".join(str(digit) for digit in self.digits[index]))
        magnitude = Decimal(mantissa).scaleb(-self.config.max_decimals)
        return Number(-magnitude if self.signs[index] < 0 else magnitude)

    def first(self, node: int) -> float:
        """Index of the first number feeding ``node`` (orders a step's operands)."""
        if node <= self.config.depth:
            return node
        if node not in self.first_number:
            step = node - self.config.num_initial
            used = [j for j in range(node) if self.operands[step][j] != 0]
            self.first_number[node] = min((self.first(j) for j in used), default=float("inf"))
        return self.first_number[node]

    def expr(self, node: int) -> Expr:
        if node <= self.config.depth:
            return self.number(node)
        step = node - self.config.num_initial
        row = self.operands[step]
        used = sorted((j for j in range(node) if row[j] != 0), key=self.first)
        linear = self.gates[step]
        parts = [self._operand(self.expr(j), row[j], linear) for j in used]
        if not parts:
            body: Expr = Number(0 if linear else 1)
        elif len(parts) == 1:
            body = parts[0]
        else:
            body = Add(tuple(parts)) if linear else Mul(tuple(parts))
        return Neg(body) if self.signs[node] < 0 else body

    @staticmethod
    def _operand(expr: Expr, coefficient: float, linear: bool) -> Expr:
        if coefficient > 0:
            return expr
        return Neg(expr) if linear else Recip(expr)


def dag_to_expression(tensors: DagTensors, config: DagConfig = DEFAULT_CONFIG) -> Expr:
    """The IR of one (unbatched) DagTensors; soft tensors are read by argmax / sign / rounding.

    For tensors made by ``expression_to_dag`` the result is the normalised expression, and
    converting it again gives the same tensors. Index a batch first (``batch[i]``).
    """
    _check_shapes(tensors, config)
    steps_used = int(tensors.step_mask.sum())
    result = config.num_initial + steps_used - 1 if steps_used else 0
    return _Reader(tensors, config).expr(result)
