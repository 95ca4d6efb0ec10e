"""Exact arithmetic expression IR, fixed-size DAG tensors and a differentiable float64 executor.

- ``dag_executor.ir``: the IR (Number, Add, Mul, Neg, Recip), ``normalize``, SymPy import/export.
- ``dag_executor.parser``: ``parse_expression`` (text -> IR, decimals kept exact).
- ``dag_executor.tensors``: the tensor layout (read its docstring), ``DagTensors``,
  ``expression_to_dag`` and ``dag_to_expression``.
- ``dag_executor.executor``: ``DagExecutor`` (nn.Module, batched, float64, straight-through).
- ``dag_executor.generator``: ``ExpressionGenerator`` (seeded, disjoint splits).
"""

from dag_executor.config import DEFAULT_CONFIG, DagConfig
from dag_executor.errors import (
    DagError,
    DagShapeError,
    DigitLimitError,
    DivisionByZeroError,
    ExpressionSyntaxError,
    MagnitudeRangeError,
    TooManyNumbersError,
    TooManyStepsError,
    UnsupportedOperationError,
)
from dag_executor.executor import DagExecutor, harden, straight_through
from dag_executor.generator import ExpressionGenerator, split_of
from dag_executor.ir import Add, Expr, Mul, Neg, Number, Recip, from_sympy, normalize
from dag_executor.parser import parse_expression
from dag_executor.tensors import DagTensors, dag_to_expression, expression_to_dag, to_expr

__all__ = [
    "DEFAULT_CONFIG",
    "Add",
    "DagConfig",
    "DagError",
    "DagExecutor",
    "DagShapeError",
    "DagTensors",
    "DigitLimitError",
    "DivisionByZeroError",
    "Expr",
    "ExpressionGenerator",
    "ExpressionSyntaxError",
    "MagnitudeRangeError",
    "Mul",
    "Neg",
    "Number",
    "Recip",
    "TooManyNumbersError",
    "TooManyStepsError",
    "UnsupportedOperationError",
    "dag_to_expression",
    "expression_to_dag",
    "from_sympy",
    "harden",
    "normalize",
    "parse_expression",
    "split_of",
    "straight_through",
    "to_expr",
]
