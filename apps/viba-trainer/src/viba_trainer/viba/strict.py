"""The strict Viba check behind every "valid Viba" figure: parses, binds, and is not Python.

Parsing alone accepts too much: ``name :=\\n    return x`` parses (``return x`` is a product of
two names), and so do ``print(line)`` and ``text = f"..."``. On top of :func:`parse_viba`, a
strictly valid translation

- uses no Python keyword (``def``, ``return``, ``for``, ``if``, ``else``, ``lambda``, ...),
  no f-string and no line ending in ``:``;
- applies functions with brackets (``Print[$x]``): a name or variable directly followed by ``(``
  is a Python call;
- assigns only to variables (``$x = ...``, ``$d[$k] = ...``, ``($a str, _, $b str) = ...``);
- binds every ``$var`` it uses: as an input or declaration (``$x T``), an assignment target, a
  ``For[$i <- ...]`` binder or a lambda parameter ``($x T) -> ...``, anywhere in its definition.
"""

from __future__ import annotations

import dataclasses
import itertools

from viba_trainer.viba import ast
from viba_trainer.viba.errors import VibaSyntaxError
from viba_trainer.viba.parser import parse_viba
from viba_trainer.viba.tokenizer import Kind, Token, tokenize

PYTHON_KEYWORDS = frozenset(
    [
        "def",
        "return",
        "for",
        "if",
        "elif",
        "else",
        "while",
        "lambda",
        "import",
        "from",
        "class",
        "pass",
        "with",
        "yield",
        "print",
        "try",
        "except",
        "raise",
        "assert",
        "del",
        "global",
        "nonlocal",
        "is",
    ]
)


def check_strict_viba(text: str) -> VibaSyntaxError | None:
    """The first problem that makes ``text`` not strictly valid Viba, or None."""
    try:
        _check_lines(text)
        tokens = tokenize(text)
        _check_tokens(tokens)
        module = parse_viba(text)
        for definition in module.definitions:
            _check_definition(definition)
    except VibaSyntaxError as error:
        return error
    return None


def is_strict_viba(text: str) -> bool:
    """True when ``text`` passes :func:`check_strict_viba`."""
    return check_strict_viba(text) is None


def _check_lines(text: str) -> None:
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.rstrip()
        if stripped.endswith(":") and not stripped.lstrip().startswith("#"):
            raise VibaSyntaxError(
                "line ends with ':' (a Python block opener)", number, len(stripped)
            )
        for operator in ("+=", "-=", "*=", "/="):
            if operator in stripped and not stripped.lstrip().startswith("#"):
                column = stripped.index(operator) + 1
                raise VibaSyntaxError(
                    f"Python augmented assignment '{operator}': write '$x = $x {operator[0]} ...'",
                    number,
                    column,
                )


def _check_tokens(tokens: list[Token]) -> None:
    for token, after in itertools.pairwise(tokens):
        if token.kind is Kind.NAME and token.text in PYTHON_KEYWORDS:
            raise VibaSyntaxError(f"Python keyword '{token.text}'", token.line, token.column)
        adjacent = after.line == token.line and after.column == token.column + len(token.text)
        if token.kind is Kind.NAME and after.kind is Kind.STRING and adjacent:
            raise VibaSyntaxError(
                f"Python string prefix {token.text}{after.text[:1]}...: Viba has no f-strings "
                "(use Format['...', ...])",
                token.line,
                token.column,
            )
        if token.kind in (Kind.NAME, Kind.VAR) and after.text == "(" and adjacent:
            raise VibaSyntaxError(
                f"call with parentheses {token.text}(...): Viba applies with brackets, "
                f"{token.text}[...]",
                token.line,
                token.column,
            )


def _check_definition(definition: ast.Definition) -> None:
    bound: set[str] = set()
    used: list[ast.Var] = []
    for node in _walk(definition):
        if isinstance(node, ast.Juxt) and isinstance(node.items[0], ast.Var):
            bound.add(node.items[0].name)  # $x T: an input, declaration or lambda parameter
        elif isinstance(node, ast.Apply) and _is_name(node.target, "For"):
            for arg in node.args:
                if isinstance(arg, ast.Binary) and arg.op == "<-":
                    bound.update(v.name for v in _walk(arg.left) if isinstance(v, ast.Var))
        elif isinstance(node, ast.Binding) and node.kind == "assignment":
            _check_assignment_target(node.expr)
            bound.update(v.name for v in _targets(node.expr))
        elif isinstance(node, ast.Var):
            used.append(node)
    for var in used:
        if var.name not in bound:
            raise VibaSyntaxError(
                f"${var.name} is used but never bound (no input, declaration, assignment, "
                "For or lambda binds it)",
                var.line,
                var.column,
            )


def _check_assignment_target(target: ast.Expr) -> None:
    if isinstance(target, ast.Name):
        raise VibaSyntaxError(
            f"assignment to '{target.name}' without '$': write ${target.name} = ...",
            target.line,
            target.column,
        )
    if not any(isinstance(node, ast.Var) for node in _walk(target)):
        raise VibaSyntaxError("assignment target holds no $variable", target.line, target.column)


def _targets(target: ast.Expr) -> list[ast.Var]:
    """The variables an assignment binds: ``$x``, each ``$x`` of a tuple; not ``$d`` of ``$d[k]``."""
    if isinstance(target, ast.Var):
        return [target]
    if isinstance(target, ast.Tuple):
        return [var for item in target.items for var in _targets(item)]
    if isinstance(target, ast.Juxt) and isinstance(target.items[0], ast.Var):
        return [target.items[0]]
    return []


def _is_name(expr: ast.Expr, name: str) -> bool:
    return isinstance(expr, ast.Name) and expr.name == name


def _walk(node: object):
    """Every syntax-tree node under ``node`` (itself included), depth first."""
    if isinstance(node, tuple):
        for item in node:
            yield from _walk(item)
        return
    if not isinstance(node, ast.Node):
        return
    yield node
    for field in dataclasses.fields(node):
        yield from _walk(getattr(node, field.name))
