"""Address memory: a term as ``{address: (tag, col1, col2)}``, laid out in pre-order.

The root is at address 0 and every node's first child is at the next address, so a term of n
nodes fills addresses 0..n-1 and the rest of memory is ``Empty``. Columns hold symbols
(hashable tuples, projected to vectors by :class:`~neurallambda.codebook.Codebook`) or ``None``:

==========  ===================  =====================
tag         col1                 col2
==========  ===================  =====================
App         ("addr", fn)         ("addr", arg)
Lam         ("name", hint)       ("addr", body)
Var         ("idx", de Bruijn)   None
Free        ("name", name)       None
Int         ("int", value)       None
Bool        ("bool", value)      None
Prim        ("prim", op)         None
Nil         None                 None
Cons        ("addr", head)       ("addr", tail)
Empty       None                 None
==========  ===================  =====================

Binders are de Bruijn indices, so one cell per variable occurrence, and a copy of a function can
never capture a variable of its argument.
"""

from __future__ import annotations

from collections.abc import Hashable

from neurallambda.errors import ProgramTooLargeError, ReadBackError
from neurallambda.terms import App, Bool, Cons, Free, Int, Lam, Nil, Prim, Term, Var

TAGS: tuple[str, ...] = ("App", "Lam", "Var", "Free", "Int", "Bool", "Prim", "Nil", "Cons", "Empty")
ARITY: dict[str, int] = {"App": 2, "Lam": 1, "Cons": 2}  # every other tag is a leaf

Cell = tuple[str, Hashable | None, Hashable | None]
AddressMemory = dict[int, Cell]


def to_memory(term: Term, cells: int) -> AddressMemory:
    """Lay ``term`` out in pre-order over ``cells`` addresses (unused ones are ``Empty``)."""
    memory: AddressMemory = {}
    _write(term, 0, memory, cells)
    for address in range(len(memory), cells):
        memory[address] = ("Empty", None, None)
    return memory


def _write(term: Term, address: int, memory: AddressMemory, cells: int) -> int:
    """Write ``term`` at ``address``; return the first address after it."""
    if address >= cells:
        raise ProgramTooLargeError(
            f"the program needs more than the {cells} memory cells available; "
            "raise --cells or shorten the program"
        )
    match term:
        case App(fn, arg):
            arg_at = _write(fn, address + 1, memory, cells)
            memory[address] = ("App", ("addr", address + 1), ("addr", arg_at))
            return _write(arg, arg_at, memory, cells)
        case Cons(head, tail):
            tail_at = _write(head, address + 1, memory, cells)
            memory[address] = ("Cons", ("addr", address + 1), ("addr", tail_at))
            return _write(tail, tail_at, memory, cells)
        case Lam(hint, body):
            memory[address] = ("Lam", ("name", hint), ("addr", address + 1))
            return _write(body, address + 1, memory, cells)
        case Var(index):
            memory[address] = ("Var", ("idx", index), None)
        case Free(name):
            memory[address] = ("Free", ("name", name), None)
        case Int(value):
            memory[address] = ("Int", ("int", value), None)
        case Bool(value):
            memory[address] = ("Bool", ("bool", value), None)
        case Prim(op):
            memory[address] = ("Prim", ("prim", op), None)
        case Nil():
            memory[address] = ("Nil", None, None)
        case _:
            raise TypeError(f"not a term: {term!r}")
    return address + 1


def from_memory(memory: AddressMemory, root: int = 0) -> Term:
    """Read the term at ``root`` back by following the address columns.

    Raises :class:`ReadBackError` for a missing cell, a column of the wrong kind, a pointer
    cycle, or a variable index that points past every enclosing binder.
    """
    return _read(memory, root, depth=0, visiting=set())


def _column(memory: AddressMemory, address: int, column: int, kind: str) -> Hashable:
    value = memory[address][column]
    if not (isinstance(value, tuple) and len(value) == 2 and value[0] == kind):
        tag = memory[address][0]
        raise ReadBackError(
            f"cell {address} ({tag}): column {column} should hold a {kind}, got {value!r}"
        )
    return value[1]


def _read(memory: AddressMemory, address: int, depth: int, visiting: set[int]) -> Term:
    if address not in memory:
        raise ReadBackError(f"pointer to address {address}, which is outside memory")
    if address in visiting:
        raise ReadBackError(f"pointer cycle through address {address}")
    tag = memory[address][0]
    visiting = visiting | {address}

    def child(column: int, inner_depth: int) -> Term:
        target = _column(memory, address, column, "addr")
        return _read(memory, int(target), inner_depth, visiting)

    match tag:
        case "App":
            return App(child(1, depth), child(2, depth))
        case "Cons":
            return Cons(child(1, depth), child(2, depth))
        case "Lam":
            return Lam(str(_column(memory, address, 1, "name")), child(2, depth + 1))
        case "Var":
            index = int(_column(memory, address, 1, "idx"))
            if index >= depth:
                raise ReadBackError(f"cell {address}: variable index {index} under {depth} binders")
            return Var(index)
        case "Free":
            return Free(str(_column(memory, address, 1, "name")))
        case "Int":
            return Int(int(_column(memory, address, 1, "int")))
        case "Bool":
            return Bool(bool(_column(memory, address, 1, "bool")))
        case "Prim":
            return Prim(str(_column(memory, address, 1, "prim")))
        case "Nil":
            return Nil()
    raise ReadBackError(f"cell {address} has tag {tag!r}, which is not a term")


def format_memory(memory: AddressMemory, limit: int | None = None) -> str:
    """One line per non-empty cell, e.g. ``0: (App, A1, A3)``."""

    def show(value: Hashable | None) -> str:
        if value is None:
            return "-"
        kind, payload = value  # type: ignore[misc]
        return {"addr": f"A{payload}", "idx": f"#{payload}", "bool": str(payload).lower()}.get(
            kind, str(payload)
        )

    lines = []
    for address in sorted(memory)[:limit]:
        tag, col1, col2 = memory[address]
        if tag != "Empty":
            lines.append(f"{address}: ({tag}, {show(col1)}, {show(col2)})")
    return "\n".join(lines)
