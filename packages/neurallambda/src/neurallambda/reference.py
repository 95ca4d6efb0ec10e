"""The symbolic reference interpreter: normal-order (leftmost-outermost) reduction of core terms.

One :func:`step` contracts the first redex met in a pre-order walk, which is the
leftmost-outermost one. Redexes:

- beta: ``((fn [x] body) arg)`` -> ``body[x := arg]`` (de Bruijn substitution, capture-free);
- arithmetic / comparison: ``(op a b)`` with ``a`` and ``b`` integer literals;
- ``(not b)``, ``(if b then else)`` with ``b`` a boolean literal (the branches stay unevaluated);
- ``(cons h t)`` -> the list cell ``Cons(h, t)``; ``(car (Cons h t))`` -> ``h``, ``cdr`` -> ``t``.

Anything else is stuck, e.g. ``(+ x 1)`` with ``x`` free, or ``(car 5)``. Reduction goes under
binders, so results are full normal forms. The machine performs exactly these steps in exactly
this order, so :func:`trace` is step-aligned with :meth:`ReductionMachine.step`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from neurallambda.errors import IntegerRangeError, NoNormalFormError, ProgramTooLargeError
from neurallambda.terms import App, Bool, Cons, Int, Lam, Prim, Term, Var, preorder, size

INT_OPS: dict[str, Callable[[int, int], int]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
}
COMPARISONS: dict[str, Callable[[int, int], bool]] = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


def shift(term: Term, amount: int, cutoff: int = 0) -> Term:
    """Add ``amount`` to every variable index ``>= cutoff`` (the free ones at this depth)."""
    match term:
        case Var(index):
            return Var(index + amount) if index >= cutoff else term
        case Lam(hint, body):
            return Lam(hint, shift(body, amount, cutoff + 1))
        case App(fn, arg):
            return App(shift(fn, amount, cutoff), shift(arg, amount, cutoff))
        case Cons(head, tail):
            return Cons(shift(head, amount, cutoff), shift(tail, amount, cutoff))
    return term


def substitute(body: Term, arg: Term, depth: int = 0) -> Term:
    """``body`` with variable ``depth`` replaced by ``arg`` and the binder removed."""
    match body:
        case Var(index):
            if index == depth:
                return shift(arg, depth)
            return Var(index - 1) if index > depth else body
        case Lam(hint, inner):
            return Lam(hint, substitute(inner, arg, depth + 1))
        case App(fn, a):
            return App(substitute(fn, arg, depth), substitute(a, arg, depth))
        case Cons(head, tail):
            return Cons(substitute(head, arg, depth), substitute(tail, arg, depth))
    return body


def contract(term: Term) -> Term | None:
    """The contractum if ``term`` itself is a redex, else ``None``."""
    match term:
        case App(Lam(_, body), arg):
            return substitute(body, arg)
        case App(App(Prim(op), Int(a)), Int(b)) if op in INT_OPS:
            return Int(INT_OPS[op](a, b))
        case App(App(Prim(op), Int(a)), Int(b)) if op in COMPARISONS:
            return Bool(COMPARISONS[op](a, b))
        case App(Prim("not"), Bool(value)):
            return Bool(not value)
        case App(App(App(Prim("if"), Bool(value)), then), otherwise):
            return then if value else otherwise
        case App(App(Prim("cons"), head), tail):
            return Cons(head, tail)
        case App(Prim("car"), Cons(head, _)):
            return head
        case App(Prim("cdr"), Cons(_, tail)):
            return tail
    return None


def step(term: Term) -> Term | None:
    """Contract the leftmost-outermost redex; ``None`` when ``term`` is in normal form."""
    reduced = contract(term)
    if reduced is not None:
        return reduced
    match term:
        case Lam(hint, body):
            inner = step(body)
            return None if inner is None else Lam(hint, inner)
        case App(fn, arg):
            left = step(fn)
            if left is not None:
                return App(left, arg)
            right = step(arg)
            return None if right is None else App(fn, right)
        case Cons(head, tail):
            left = step(head)
            if left is not None:
                return Cons(left, tail)
            right = step(tail)
            return None if right is None else Cons(head, right)
    return None


def trace(term: Term) -> Iterator[Term]:
    """``term`` and each of its normal-order reducts in turn (endless if there is no normal form)."""
    current: Term | None = term
    while current is not None:
        yield current
        current = step(current)


@dataclass(frozen=True)
class Normalization:
    """The result of :func:`normalize`: the normal form and the number of reduction steps."""

    term: Term
    steps: int


def normalize(
    term: Term,
    max_steps: int = 1000,
    *,
    max_cells: int | None = None,
    int_range: tuple[int, int] | None = None,
) -> Normalization:
    """Reduce to normal form.

    Args:
        term: the core term.
        max_steps: the reduction budget; :class:`NoNormalFormError` when it runs out.
        max_cells: if given, :class:`ProgramTooLargeError` as soon as a reduct has more nodes
            (the machine's memory limit).
        int_range: if given, ``(lo, hi)``; :class:`IntegerRangeError` for literals or results
            outside it (the machine's integer codebook).
    """
    current, steps = term, 0
    while True:
        _check_limits(current, steps, max_cells, int_range)
        reduct = step(current)
        if reduct is None:
            return Normalization(current, steps)
        if steps == max_steps:
            raise NoNormalFormError(f"no normal form within {max_steps} steps")
        current, steps = reduct, steps + 1


def peak_size(term: Term, max_steps: int = 1000) -> int:
    """The most memory cells ``term`` occupies while it reduces (at most ``max_steps`` steps).

    The machine lays a term out one node per cell, so this is the memory a program needs.
    """
    peak, steps = size(term), 0
    while steps < max_steps and (reduct := step(term)) is not None:
        term, steps = reduct, steps + 1
        peak = max(peak, size(term))
    return peak


def _check_limits(
    term: Term, steps: int, max_cells: int | None, int_range: tuple[int, int] | None
) -> None:
    if max_cells is not None and (n := size(term)) > max_cells:
        raise ProgramTooLargeError(
            f"after {steps} steps the term needs {n} cells, more than the {max_cells} available"
        )
    if int_range is not None:
        lo, hi = int_range
        for node in preorder(term):
            if isinstance(node, Int) and not lo <= node.value <= hi:
                raise IntegerRangeError(
                    f"after {steps} steps the integer {node.value} is outside [{lo}, {hi}]"
                )
