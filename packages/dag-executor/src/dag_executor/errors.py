"""Domain exceptions of dag_executor; every message names the offending (sub-)expression."""


class DagError(ValueError):
    """Base class of every error raised by dag_executor for bad input."""


class ExpressionSyntaxError(DagError):
    """The expression text cannot be parsed (the message gives the position)."""


class UnsupportedOperationError(DagError):
    """The expression uses something outside Add/Mul/Neg/Recip and decimal numbers.

    Examples: powers other than -1 (``2**3``), functions (``sin(1)``), symbols (``x``).
    """


class DivisionByZeroError(DagError):
    """A reciprocal of a sub-expression whose exact value is 0."""


class DigitLimitError(DagError):
    """A number needs more integer digits or decimal places than the DagConfig allows."""


class TooManyNumbersError(DagError):
    """The expression has more numbers than the depth-d DAG has initial nodes (d + 1)."""


class TooManyStepsError(DagError):
    """The expression needs more operation steps than the DAG depth d."""


class DagShapeError(DagError):
    """Tensors whose shapes do not match the DagConfig."""


class MagnitudeRangeError(DagError):
    """A hard execution reached the executor's magnitude limit (``max_magnitude``), so its result
    would not be the expression's value."""
