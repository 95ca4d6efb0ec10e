"""Random closed programs, for benchmarks and capacity measurements."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator

from neurallambda.errors import NeurallambdaError
from neurallambda.reference import Normalization, normalize
from neurallambda.terms import App, Bool, Cons, Int, Lam, Nil, Prim, Term, Var, size

_BINARY = ("+", "-", "*", "=", "<", ">")
_HINTS = ("x", "y", "f", "g", "n")


def random_term(rng: random.Random, depth: int = 3, binders: int = 0) -> Term:
    """A random closed, well-scoped term (beta redexes, arithmetic, if, lists) of bounded depth.

    ``binders`` is the number of enclosing ``Lam``; variables only refer to those.
    """
    kinds = ["leaf"] if depth == 0 else ["leaf", "fn", "redex", "redex", "binary", "if", "list"]
    kind = rng.choice(kinds)
    inner = depth - 1
    if kind == "fn":
        return Lam(rng.choice(_HINTS), random_term(rng, inner, binders + 1))
    if kind == "redex":
        fn = Lam(rng.choice(_HINTS), random_term(rng, inner, binders + 1))
        return App(fn, random_term(rng, inner, binders))
    if kind == "binary":
        op = Prim(rng.choice(_BINARY))
        return App(App(op, random_term(rng, inner, binders)), random_term(rng, inner, binders))
    if kind == "if":
        cond = App(
            App(Prim(rng.choice(("<", "="))), Int(rng.randint(-3, 3))), Int(rng.randint(-3, 3))
        )
        then, otherwise = random_term(rng, inner, binders), random_term(rng, inner, binders)
        return App(App(App(Prim("if"), cond), then), otherwise)
    if kind == "list":
        items = [random_term(rng, inner, binders) for _ in range(rng.randint(0, 2))]
        result: Term = Nil()
        for item in reversed(items):
            result = Cons(item, result)
        return (
            App(Prim(rng.choice(("car", "cdr"))), result)
            if items and rng.random() < 0.5
            else result
        )
    choices: list[Term] = [Int(rng.randint(-5, 5)), Bool(rng.random() < 0.5)]
    if binders:
        choices += [Var(rng.randrange(binders))] * 2
    return rng.choice(choices)


def random_terms(count: int, max_cells: int, seed: int = 0, depth: int = 3) -> list[Term]:
    """``count`` random terms of at most ``max_cells`` nodes (deterministic for a seed)."""
    rng = random.Random(seed)
    terms: list[Term] = []
    while len(terms) < count:
        term = random_term(rng, depth)
        if size(term) <= max_cells:
            terms.append(term)
    return terms


def reductions(
    terms: Iterable[Term],
    max_steps: int,
    *,
    max_cells: int,
    int_range: tuple[int, int] | None = None,
    min_steps: int = 1,
) -> Iterator[tuple[Term, Normalization]]:
    """Each term that the reference reduces, within these limits, to a normal form in at least
    ``min_steps`` steps, with that normalization (terms the limits stop are skipped)."""
    for term in terms:
        try:
            result = normalize(term, max_steps, max_cells=max_cells, int_range=int_range)
        except NeurallambdaError:
            continue
        if result.steps >= min_steps:
            yield term, result
