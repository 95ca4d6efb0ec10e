"""Statement-level translation units: a function becomes a header unit and one unit per statement.

A 135M model translates a whole function by copying the nearest example, so a function with one
more statement than its example loses that statement, and a long answer drifts into repeating a
line. Translated one statement at a time, every answer is one or two lines next to an example of
the same kind of statement. A Python function ``def f1(...)`` is cut into

- the **header unit**: the whole function, marked ``# header`` on its ``def`` line; its Viba is
  the definition line, the result type, the inputs and the hints (``f1 :=``, ``$v3 str``,
  ``<- $v1 str``, ``# inline``);
- one **statement unit** per top-level statement: the ``def`` line marked ``# statement`` (with
  ``, returns v3`` when the function returns a local, which decides ``$v3 = ...`` against
  ``$v3 str = ...``) and the statement; its Viba is the definition line and that statement's
  block under it (``f1 :=`` / ``    $v2 str = "s1"``): a 135M model given ``<- $v2`` as the
  whole example answers ``$v2``, but keeps a block under a definition line intact. An ``if`` that ends in ``return`` or ``raise`` is one unit with the statements up to the
  next ``return``: together they are one ``Match[...]``.

The answers, joined in order, are the translation (:func:`join_units`). For training,
:func:`split_viba` cuts a reference into the same parts; a pair whose parts do not line up with
its statements is kept whole (:func:`unit_pairs`).
"""

from __future__ import annotations

import ast
import itertools
import re
import textwrap
from dataclasses import dataclass

from viba_trainer.viba import ast as viba_ast
from viba_trainer.viba import parse_viba

HEADER_MARK = "header"
STATEMENT_MARK = "statement"


@dataclass(frozen=True)
class UnitPair:
    """One translation unit of a pair: its Python and (when known) its Viba."""

    python: str
    viba: str


def split_python(source: str) -> list[str]:
    """The units of a one-function module; ``[source]`` for anything else."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return [source]
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.FunctionDef):
        return [source]
    function = tree.body[0]
    lines = source.splitlines(keepends=True)
    signature_end = function.body[0].lineno - 1  # lines before the first statement
    signature = "".join(lines[:signature_end]).rstrip("\n")
    returns = _returned_name(function)
    context = f"{signature}  # {STATEMENT_MARK}" + (f", returns {returns}" if returns else "")
    header = f"{signature}  # {HEADER_MARK}\n" + "".join(lines[signature_end:])
    units = [_normalized(header)]
    for group in _statement_groups(function.body):
        start, end = group[0].lineno, group[-1].end_lineno
        units.append(_normalized(context + "\n" + "".join(lines[start - 1 : end])))
    return units


def split_viba(text: str) -> list[str] | None:
    """The header and the top-level statement blocks of a one-definition Viba text, else None."""
    try:
        module = parse_viba(text)
    except ValueError:
        return None
    if len(module.statements) != 1 or not isinstance(module.statements[0], viba_ast.Definition):
        return None
    name, body = module.statements[0].name, module.statements[0].body
    count = 0
    while count < len(body) and _is_header(body[count], first=count == 0):
        count += 1
    if count == len(body):
        return None
    lines = text.splitlines(keepends=True)
    starts = [statement.line - 1 for statement in body[count:]] + [len(lines)]
    blocks = ["".join(lines[a:b]) for a, b in itertools.pairwise(starts)]
    header = _normalized("".join(lines[: starts[0]]))
    return [header] + [f"{name} :=\n" + textwrap.indent(_dedented(b), "    ") for b in blocks]


def unit_kind(text: str) -> str | None:
    """``header`` or ``statement`` for a unit made by :func:`split_python`, else None."""
    first = text.split("\n", 1)[0]
    if not first.startswith("def ") or "  # " not in first:
        return None
    mark = first.rsplit("  # ", 1)[1]
    return next((k for k in (HEADER_MARK, STATEMENT_MARK) if mark.startswith(k)), None)


def unit_pairs(python: str, viba: str) -> list[UnitPair]:
    """The units of a (Python, Viba) pair, or the whole pair when its parts do not line up."""
    sources, targets = split_python(python), split_viba(viba)
    if targets is None or len(targets) != len(sources):
        return [UnitPair(python, viba)]
    return [UnitPair(s, t) for s, t in zip(sources, targets, strict=True)]


def join_units(answers: list[str]) -> str:
    """The translation of a function from its units' answers, in order.

    Each answer is cut to what its unit stands for: the header answer to its header lines, a
    statement answer to its first block (indented under the header however the model indented
    it). A small model that does not stop repeats lines after its answer; the unit's shape says
    where the answer ends.
    """
    if len(answers) == 1:
        return _normalized(answers[0])
    blocks = [statement_block(a) for a in answers[1:]]
    body = "".join(textwrap.indent(block, "    ") for block in blocks if block.strip())
    return header_lines(answers[0]) + body


_INPUT = re.compile(r"^<-\s*\$\w+\s+\S")  # <- $x T: an input (a result has no type after it)


def header_lines(answer: str) -> str:
    """The definition line, the result type, then alternatives, inputs and hints: up to the
    first line that is none of them."""
    lines = [line.rstrip() for line in answer.strip("\n").splitlines()]
    if not lines or not lines[0].endswith(":="):
        return _normalized(answer) if answer.strip() else ""
    kept = lines[:2]
    for line in lines[2:]:
        stripped = line.strip()
        if not (stripped.startswith(("|", "#")) or _INPUT.match(stripped)):
            break
        kept.append(line)
    return _normalized("\n".join(kept))


def statement_block(answer: str) -> str:
    """The block a statement unit's answer stands for: under its definition line, if any, the
    first line with the lines indented under it, unindented."""
    return first_block(_without_definition_line(answer))


def first_block(answer: str) -> str:
    """The first line of ``answer`` with the lines indented under it, unindented."""
    lines = [line.rstrip() for line in answer.splitlines() if line.strip()]
    if not lines:
        return ""
    base = _indent(lines[0])
    block = [lines[0]]
    for line in lines[1:]:
        if _indent(line) <= base:
            break
        block.append(line)
    return _normalized("\n".join(line[base:] for line in block))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _without_definition_line(answer: str) -> str:
    first, _, rest = answer.lstrip("\n").partition("\n")
    return rest if first.rstrip().endswith(":=") else answer


def _dedented(text: str) -> str:
    return _normalized(textwrap.dedent(text.strip("\n")))


def _normalized(text: str) -> str:
    """Trailing blank lines and spaces dropped, one final newline."""
    return "\n".join(line.rstrip() for line in text.rstrip().splitlines()) + "\n"


def _returned_name(function: ast.FunctionDef) -> str | None:
    last = function.body[-1]
    if isinstance(last, ast.Return) and isinstance(last.value, ast.Name):
        return last.value.id
    return None


def _ends_function(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Return | ast.Raise)


def _statement_groups(body: list[ast.stmt]) -> list[list[ast.stmt]]:
    """Top-level statements, an ``if`` that returns or raises joined with what follows up to the
    next ``return`` (a guard or a base case: one ``Match`` in Viba)."""
    groups: list[list[ast.stmt]] = []
    index = 0
    while index < len(body):
        statement = body[index]
        group = [statement]
        if isinstance(statement, ast.If) and _ends_function(statement.body[-1]):
            while index + 1 < len(body) and not isinstance(group[-1], ast.Return):
                index += 1
                group.append(body[index])
        groups.append(group)
        index += 1
    return groups


def _is_header(statement: viba_ast.Statement, *, first: bool) -> bool:
    """Result type, inputs and hints: the lines a Viba definition opens with."""
    if isinstance(statement, viba_ast.Hint):
        return True
    if not isinstance(statement, viba_ast.Binding) or statement.block:
        return False
    if statement.kind in ("alternative", "input"):
        return True
    return first and statement.value is None and statement.kind in ("component", "declaration")
