"""Viba syntax tree: frozen dataclasses, every node located by 1-based line and column.

Expressions are type expressions (Viba values are singleton types), so one tree serves both:
``Sum`` is ``|``, ``Binary('*')`` is the product, ``Juxt`` is product by adjacency (``$n int``
declares a component named ``n`` of type ``int``), ``Binary('<-')`` is the exponent (function
type ``int <- str``: a function from ``str`` to ``int``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal as _Literal


@dataclass(frozen=True)
class Node:
    """Base of every node; the location does not take part in equality."""

    line: int = field(default=0, compare=False, kw_only=True)
    column: int = field(default=0, compare=False, kw_only=True)


# -- expressions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Name(Node):
    """A type or function name: ``int``, ``dict``, ``Match``, ``void``, ``never``, ``_``."""

    name: str


@dataclass(frozen=True)
class Var(Node):
    """A variable, written ``$name``."""

    name: str


@dataclass(frozen=True)
class Tag(Node):
    """A type-level tag, written with a backtick: `` `JSON ``."""

    name: str


LiteralKind = _Literal["int", "float", "bool", "string", "triple_string", "code_block"]


@dataclass(frozen=True)
class Literal(Node):
    """A literal, kept as written (quotes and braces included)."""

    kind: LiteralKind
    text: str


@dataclass(frozen=True)
class Ellipsis(Node):
    """``...``: an elided part."""


@dataclass(frozen=True)
class Unit(Node):
    """``()``: the unit type (same as ``void``)."""


@dataclass(frozen=True)
class Tuple(Node):
    """``(A, B)``: a tuple, sugar for the product ``A * B``."""

    items: tuple[Expr, ...]


@dataclass(frozen=True)
class ListLiteral(Node):
    """``[a, b, c]``."""

    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Case(Node):
    """``condition -> result``, an arm of ``Match[...]`` (or a lambda ``($x int) -> body``)."""

    condition: Expr
    result: Expr


@dataclass(frozen=True)
class Entry(Node):
    """``key = value``, an entry of ``dict[...]`` or a keyword argument."""

    key: Expr
    value: Expr


@dataclass(frozen=True)
class Apply(Node):
    """``target[args]``: generics (``list[$elem int]``), ``Match[...]``, calls (``f[$x]``)."""

    target: Expr
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Attribute(Node):
    """``target.name``."""

    target: Expr
    name: str


@dataclass(frozen=True)
class Import(Node):
    """``Import[path/to/file.viba]``."""

    path: str


@dataclass(frozen=True)
class Unary(Node):
    """``-x`` or ``not x``."""

    op: str
    operand: Expr


@dataclass(frozen=True)
class Binary(Node):
    """``left op right`` for ``<-``, ``*``, arithmetic, comparisons, ``and``/``or``/``in``."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Juxt(Node):
    """Adjacent terms, a product by adjacency: ``$n int``, `` `Error str ``."""

    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Sum(Node):
    """``A | B | C``: a tagged union."""

    alternatives: tuple[Expr, ...]


Expr = (
    Name | Var | Tag | Literal | Ellipsis | Unit | Tuple | ListLiteral | Case | Entry | Apply
    | Attribute | Import | Unary | Binary | Juxt | Sum
)  # fmt: skip


# -- statements ---------------------------------------------------------------------------------

BindingKind = _Literal["input", "result", "declaration", "alternative", "assignment", "component"]


@dataclass(frozen=True)
class Hint(Node):
    """A ``# ...`` line inside a definition, e.g. ``# inline``; ``text`` excludes the ``#``."""

    text: str


@dataclass(frozen=True)
class Binding(Node):
    """One line of a definition body.

    ``kind`` says which form it is: ``<- $x int`` input, ``<- expr`` result, ``$x int``
    declaration, ``| T`` alternative, ``lhs = rhs`` assignment, a bare ``T`` component.
    ``value`` holds what follows ``=``; ``block`` the indented lines under it (``For[...]``).
    """

    kind: BindingKind
    expr: Expr
    value: Expr | None = None
    hint: str | None = None
    block: tuple[Statement, ...] = ()


@dataclass(frozen=True)
class Definition(Node):
    """``name := head`` with an optional indented body."""

    name: str
    head: Expr | None
    body: tuple[Statement, ...]
    hint: str | None = None


Statement = Hint | Binding | Definition


@dataclass(frozen=True)
class Module(Node):
    """A whole Viba file: definitions, imports and hints."""

    statements: tuple[Statement, ...]

    @property
    def definitions(self) -> list[Definition]:
        """The top-level definitions, in order."""
        return [s for s in self.statements if isinstance(s, Definition)]
