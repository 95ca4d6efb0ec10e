"""Core terms: the desugared language the interpreter and the machine both run.

Bound variables are de Bruijn indices (``Var(0)`` is the nearest enclosing ``Lam``), so
substitution can never capture a name; ``Lam.hint`` only remembers the source name for printing.
Free variables stay named (``Free``). Lists are ``Cons``/``Nil`` data; ``(cons a b)`` reduces to
``Cons(a, b)``.

``to_core`` desugars a :class:`~neurallambda.syntax.Program` (``defn``/``let`` become applied
functions, multi-argument functions and calls are curried, ``'(a b)`` becomes ``Cons`` cells) and
``to_surface`` goes back, choosing binder names that neither shadow a name used inside nor clash
with a free variable.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from neurallambda import syntax as s


@dataclass(frozen=True)
class Var:
    """A bound variable as a de Bruijn index."""

    index: int


@dataclass(frozen=True)
class Free:
    """A free (unbound) variable, kept by name."""

    name: str


@dataclass(frozen=True)
class Lam:
    """A one-parameter function; ``hint`` is the source name of the parameter.

    The hint takes no part in equality, so ``==`` on terms is alpha-equivalence.
    """

    hint: str = field(compare=False)
    body: Term


@dataclass(frozen=True)
class App:
    """Application of ``fn`` to one ``arg``."""

    fn: Term
    arg: Term


@dataclass(frozen=True)
class Int:
    """An integer literal."""

    value: int


@dataclass(frozen=True)
class Bool:
    """A boolean literal."""

    value: bool


@dataclass(frozen=True)
class Prim:
    """A primitive operator (see :data:`neurallambda.syntax.PRIMITIVES`)."""

    op: str


@dataclass(frozen=True)
class Nil:
    """The empty list."""


@dataclass(frozen=True)
class Cons:
    """A list cell."""

    head: Term
    tail: Term


Term = Var | Free | Lam | App | Int | Bool | Prim | Nil | Cons


def children(term: Term) -> tuple[Term, ...]:
    """Sub-terms in pre-order (left to right)."""
    match term:
        case Lam(_, body):
            return (body,)
        case App(fn, arg):
            return (fn, arg)
        case Cons(head, tail):
            return (head, tail)
    return ()


def preorder(term: Term) -> Iterator[Term]:
    """Every node of ``term``, parents before children, left before right."""
    stack = [term]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


def size(term: Term) -> int:
    """Number of nodes, which is the number of memory cells the term occupies."""
    return sum(1 for _ in preorder(term))


# --- desugaring ----------------------------------------------------------------------------------


def to_core(program: s.Program | s.Expr) -> Term:
    """Desugar a parsed program (or a bare expression) into a core term."""
    if isinstance(program, s.Program):
        expr: s.Expr = program.body
        for definition in reversed(program.definitions):
            fn = s.Fn(definition.params, definition.body)
            expr = s.Let(((definition.name, fn),), expr)
        return _desugar(expr, ())
    return _desugar(program, ())


def _desugar(expr: s.Expr, scope: tuple[str, ...]) -> Term:
    """``scope`` lists bound names, innermost last."""
    match expr:
        case s.IntLiteral(value):
            return Int(value)
        case s.BoolLiteral(value):
            return Bool(value)
        case s.Primitive(op):
            return Prim(op)
        case s.Symbol(name):
            for depth, bound in enumerate(reversed(scope)):
                if bound == name:
                    return Var(depth)
            return Free(name)
        case s.Fn(params, body):
            result = _desugar(body, scope + params)
            for param in reversed(params):
                result = Lam(param, result)
            return result
        case s.Call(fn, args):
            result = _desugar(fn, scope)
            for arg in args:
                result = App(result, _desugar(arg, scope))
            return result
        case s.Quote(items):
            result = Nil()
            for item in reversed(items):
                result = Cons(_desugar(item, scope), result)
            return result
        case s.Let(bindings, body):
            (name, value), rest = bindings[0], bindings[1:]
            inner = s.Let(rest, body) if rest else body
            return App(Lam(name, _desugar(inner, (*scope, name))), _desugar(value, scope))
    raise TypeError(f"not an expression: {expr!r}")


# --- resugaring ----------------------------------------------------------------------------------


def free_names(term: Term) -> set[str]:
    """Names of the free variables of ``term``."""
    return {node.name for node in preorder(term) if isinstance(node, Free)}


def to_surface(term: Term) -> s.Expr:
    """Turn a core term back into a surface expression with safe, readable binder names.

    Nested ``Lam`` become one multi-parameter ``fn``, nested ``App`` one call, ``Cons`` chains
    ending in ``Nil`` a quoted list (other ``Cons`` print as ``(cons h t)``).
    """
    return _resugar(term, [], free_names(term))


def _fresh(hint: str, taken: set[str]) -> str:
    if hint not in taken:
        return hint
    n = 1
    while f"{hint}{n}" in taken:
        n += 1
    return f"{hint}{n}"


def _resugar(term: Term, scope: list[str], free: set[str]) -> s.Expr:
    match term:
        case Var(index):
            if index >= len(scope):
                return s.Symbol(f"_unbound{index - len(scope)}")
            return s.Symbol(scope[len(scope) - 1 - index])
        case Free(name):
            return s.Symbol(name)
        case Int(value):
            return s.IntLiteral(value)
        case Bool(value):
            return s.BoolLiteral(value)
        case Prim(op):
            return s.Primitive(op)
        case Nil():
            return s.Quote(())
        case Lam():
            params: list[str] = []
            body: Term = term
            while isinstance(body, Lam):
                name = _fresh(body.hint, set(scope) | set(params) | free)
                params.append(name)
                body = body.body
            return s.Fn(tuple(params), _resugar(body, scope + params, free))
        case App():
            args: list[Term] = []
            head: Term = term
            while isinstance(head, App):
                args.append(head.arg)
                head = head.fn
            return s.Call(
                _resugar(head, scope, free),
                tuple(_resugar(a, scope, free) for a in reversed(args)),
            )
        case Cons():
            items: list[Term] = []
            tail: Term = term
            while isinstance(tail, Cons):
                items.append(tail.head)
                tail = tail.tail
            if isinstance(tail, Nil):
                return s.Quote(tuple(_resugar(i, scope, free) for i in items))
            return s.Call(
                s.Primitive("cons"),
                (_resugar(term.head, scope, free), _resugar(term.tail, scope, free)),
            )
    raise TypeError(f"not a term: {term!r}")


def show(term: Term) -> str:
    """The program text of a core term."""
    return s.format_expr(to_surface(term))


def compile_text(text: str) -> Term:
    """Parse and desugar program text in one go."""
    return to_core(s.parse(text))
