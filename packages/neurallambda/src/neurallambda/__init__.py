"""A differentiable lambda-calculus machine for a small Lisp, checked against a reference interpreter.

Pipeline: text -> :func:`parse` -> :func:`to_core` (de Bruijn core terms) -> :func:`to_memory`
(pre-order address memory) -> :class:`Codebook` (tensors) -> :class:`ReductionMachine`
(differentiable normal-order steps) -> read back -> :func:`show`. The symbolic
:func:`normalize` gives the ground truth, step for step.
"""

from neurallambda.codebook import Codebook
from neurallambda.errors import (
    ConfigurationError,
    IntegerRangeError,
    NeurallambdaError,
    NoNormalFormError,
    ParseError,
    ProgramTooLargeError,
    ReadBackError,
    VectorSizeError,
)
from neurallambda.machine import MachineConfig, MachineState, Outcome, ReductionMachine
from neurallambda.memory import AddressMemory, format_memory, from_memory, to_memory
from neurallambda.reference import Normalization, normalize, step, trace
from neurallambda.syntax import (
    BoolLiteral,
    Call,
    Defn,
    Fn,
    IntLiteral,
    Let,
    Primitive,
    Program,
    Quote,
    Symbol,
    format_expr,
    format_program,
    parse,
    parse_expr,
)
from neurallambda.terms import (
    App,
    Bool,
    Cons,
    Free,
    Int,
    Lam,
    Nil,
    Prim,
    Term,
    Var,
    compile_text,
    show,
    size,
    to_core,
    to_surface,
)

__all__ = [
    "AddressMemory",
    "App",
    "Bool",
    "BoolLiteral",
    "Call",
    "Codebook",
    "ConfigurationError",
    "Cons",
    "Defn",
    "Fn",
    "Free",
    "Int",
    "IntLiteral",
    "IntegerRangeError",
    "Lam",
    "Let",
    "MachineConfig",
    "MachineState",
    "NeurallambdaError",
    "Nil",
    "NoNormalFormError",
    "Normalization",
    "Outcome",
    "ParseError",
    "Prim",
    "Primitive",
    "Program",
    "ProgramTooLargeError",
    "Quote",
    "ReadBackError",
    "ReductionMachine",
    "Symbol",
    "Term",
    "Var",
    "VectorSizeError",
    "compile_text",
    "format_expr",
    "format_memory",
    "format_program",
    "from_memory",
    "normalize",
    "parse",
    "parse_expr",
    "show",
    "size",
    "step",
    "to_core",
    "to_memory",
    "to_surface",
    "trace",
]
