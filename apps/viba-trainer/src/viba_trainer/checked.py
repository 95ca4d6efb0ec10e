"""Checked decoding: a unit's answer is kept only if it agrees with its Python, else asked again.

Greedy decoding with a 135M model gives one answer per prompt, and a wrong example in the prompt
gives a wrong answer. Each unit's answer (:mod:`viba_trainer.units`) can be checked against the
unit itself, without any reference:

- a header must be strictly valid Viba (:func:`check_strict_viba`), declare one input per
  Python parameter, in order, naming the types of its annotation (``<- $v1 list[$elem str]``
  for ``v1: list[str]``, a function type for an unannotated one), one alternative per returned
  string (``| 's1'``), and ``never`` exactly when the function raises;
- a statement's block must be strictly valid under a header that binds its function's
  placeholders: no Python left, no ``$var`` the function does not have;
- a statement's block must use exactly the placeholders (``v1``, ``f2``, ``s1``) and numbers of
  its Python statement: a block that copied its example's variable, constant or string, or
  dropped one, disagrees.

A unit whose answer fails is translated again with other retrieval settings (top-k 1, then 3:
other examples in the prompt); the first answer that passes is kept. Where none passes, the first
strictly valid one is, and a statement with no valid answer at all is left out rather than break
the whole translation. Every round is one batch of LLM calls for the units still failing.
"""

from __future__ import annotations

import ast
import io
import re
import textwrap
import tokenize
from collections.abc import Callable, Sequence

from viba_trainer.units import header_lines, join_units, statement_block
from viba_trainer.viba import check_strict_viba
from viba_trainer.viba.errors import VibaSyntaxError
from viba_trainer.viba.tokenizer import Kind
from viba_trainer.viba.tokenizer import tokenize as viba_tokens

_PLACEHOLDER = re.compile(r"^[fvs]\d+$")


def checked_answers(
    units: Sequence[Sequence[str]],
    translate: Callable[[list[str], int], list[str]],
    top_ks: Sequence[int],
) -> list[list[str]]:
    """The accepted answer of every unit of every function (``units[i]``: one function's units).

    ``translate(texts, top_k)`` answers a batch of unit texts with ``top_k`` retrieved rows;
    it is called once per entry of ``top_ks`` for the units not yet accepted.
    """
    candidates: list[list[list[str]]] = [[[] for _ in function] for function in units]
    accepted: list[list[str | None]] = [[None] * len(function) for function in units]
    for top_k in top_ks:
        pending = [
            (f, u)
            for f, function in enumerate(accepted)
            for u, a in enumerate(function)
            if a is None
        ]
        if not pending:
            break
        answers = translate([units[f][u] for f, u in pending], top_k)
        for (f, u), answer in zip(pending, answers, strict=True):
            candidates[f][u].append(answer)
        for f, function in enumerate(units):
            _accept_in_order(function, candidates[f], accepted[f])
    return [
        [
            a if a is not None else _fallback(unit, c, first=u == 0, alone=len(function) == 1)
            for u, (unit, a, c) in enumerate(zip(function, acc, cand, strict=True))
        ]
        for function, acc, cand in zip(units, accepted, candidates, strict=True)
    ]


def _fallback(unit: str, candidates: list[str], *, first: bool, alone: bool) -> str:
    """For a unit no answer of which agrees: the first that is at least strictly valid Viba, or
    nothing (a statement left out keeps the rest of the translation valid)."""
    for candidate in candidates:
        if first or alone:
            if check_strict_viba(header_lines(candidate) if first else candidate) is None:
                return candidate
        elif _valid_block(unit, statement_block(candidate)):
            return candidate
    return candidates[0] if first or alone else ""


def _accept_in_order(
    units: Sequence[str], candidates: list[list[str]], accepted: list[str | None]
) -> None:
    """Accept, unit by unit, the first candidate that passes with the answers before it."""
    for index, unit in enumerate(units):
        if accepted[index] is not None:
            continue
        for candidate in candidates[index]:
            if unit_agrees(unit, candidate, first=index == 0, alone=len(units) == 1):
                accepted[index] = candidate
                break


def unit_agrees(unit: str, answer: str, *, first: bool, alone: bool) -> bool:
    """True when ``answer`` passes the checks of the module docstring for ``unit``.

    Each unit is judged on its own, so that one wrong answer does not fail the others: a
    statement's block is checked under a header that binds every placeholder of its function.
    """
    if alone:
        return check_strict_viba(join_units([answer])) is None
    if first:
        return _header_agrees(unit, header_lines(answer))
    python = textwrap.dedent(unit.split("\n", 1)[1] if "\n" in unit else "")
    block = statement_block(answer)
    return _valid_block(unit, block) and _python_atoms(python) == _viba_atoms(block)


def _valid_block(unit: str, block: str) -> bool:
    """Strictly valid under a header that binds every placeholder of the unit's function."""
    binding_all = "f :=\n    void\n" + "".join(
        f"    <- ${name} _\n" for name in sorted(_python_atoms(unit) or ()) if name[0] in "fv"
    )
    return check_strict_viba(binding_all + textwrap.indent(block, "    ")) is None


def _header_agrees(unit: str, header: str) -> bool:
    """One input per parameter, in order, naming its annotation's types (a function type for
    an unannotated one); an alternative per returned string; ``never`` exactly when it raises."""
    try:
        function = ast.parse(unit).body[0]
    except (SyntaxError, IndexError):
        return False
    if not isinstance(function, ast.FunctionDef) or check_strict_viba(header) is not None:
        return False
    inputs = re.findall(r"^\s*<-\s*\$(\w+)(.*)$", header, flags=re.M)
    if [name for name, _ in inputs] != [a.arg for a in function.args.args]:
        return False
    for (_, declared), parameter in zip(inputs, function.args.args, strict=True):
        if parameter.annotation is None:
            if not re.search(r"\(.*<-.*\)", declared):
                return False
        elif not _names(parameter.annotation) <= set(re.findall(r"\w+", declared)):
            return False
    nodes = list(ast.walk(function))
    returned = {
        n.value.value
        for n in nodes
        if isinstance(n, ast.Return)
        and isinstance(n.value, ast.Constant)
        and isinstance(n.value.value, str)
    }
    alternatives = set(re.findall(r"^\s*\|\s*['\"](\w+)['\"]", header, flags=re.M))
    raises = any(isinstance(n, ast.Raise) for n in nodes)
    return alternatives == returned and raises == bool(re.search(r"\bnever\b", header))


def _names(annotation: ast.expr) -> set[str]:
    return {n.id for n in ast.walk(annotation) if isinstance(n, ast.Name)}


def _python_atoms(source: str) -> set[str] | None:
    """Placeholders (names, and strings holding one) and numbers of a Python fragment."""
    atoms: set[str] = set()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    for token in tokens:
        if token.type == tokenize.NAME and _PLACEHOLDER.match(token.string):
            atoms.add(token.string)
        elif token.type == tokenize.NUMBER:
            atoms.add(_number(token.string))
        elif token.type == tokenize.STRING:
            atoms.update(w for w in re.findall(r"\w+", token.string) if _PLACEHOLDER.match(w))
    return atoms


def _viba_atoms(block: str) -> set[str] | None:
    """Placeholders and numbers of a Viba fragment (``$v1`` counts as ``v1``)."""
    try:
        tokens = viba_tokens(block)
    except VibaSyntaxError:
        return None
    atoms: set[str] = set()
    for token in tokens:
        name = token.text.lstrip("$")
        if token.kind in (Kind.NAME, Kind.VAR) and _PLACEHOLDER.match(name):
            atoms.add(name)
        elif token.kind in (Kind.INT, Kind.FLOAT):
            atoms.add(_number(token.text))
        elif token.kind is Kind.STRING:
            atoms.update(w for w in re.findall(r"\w+", token.text) if _PLACEHOLDER.match(w))
    return atoms


def _number(text: str) -> str:
    try:
        return repr(float(text))
    except ValueError:
        return text
