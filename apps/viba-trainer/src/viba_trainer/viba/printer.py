"""Viba pretty-printer: syntax tree -> canonical source (``parse_viba(format_viba(m)) == m``).

Parentheses are added exactly where precedence needs them; bodies are indented by 4 spaces.
"""

from __future__ import annotations

from viba_trainer.viba import ast

INDENT = "    "
# Binding strength of each printed form (higher binds tighter), mirroring the parser's levels.
_SUM, _ARROW, _OR, _AND, _NOT, _COMPARE, _ADDITIVE, _PRODUCT, _UNARY, _JUXT, _POSTFIX, _ATOM = (
    range(1, 13)
)
_BINARY = {
    "<-": _ARROW, "or": _OR, "and": _AND, "+": _ADDITIVE, "-": _ADDITIVE,
    "*": _PRODUCT, "/": _PRODUCT, "//": _PRODUCT, "%": _PRODUCT,
}  # fmt: skip


def _binary_level(op: str) -> int:
    return _BINARY.get(op, _COMPARE)


def _args(items: tuple[ast.Expr, ...]) -> str:
    return ", ".join(format_expr(item, 0) for item in items)


def _render(node: ast.Expr) -> tuple[str, int]:
    """Source of ``node`` and how tightly it binds."""
    match node:
        case ast.Name(name) | ast.Literal(_, name):
            return name, _ATOM
        case ast.Var(name):
            return f"${name}", _ATOM
        case ast.Tag(name):
            return f"`{name}", _ATOM
        case ast.Ellipsis():
            return "...", _ATOM
        case ast.Unit():
            return "()", _ATOM
        case ast.Import(path):
            return f"Import[{path}]", _ATOM
        case ast.Tuple(items):
            return f"({_args(items)}{',' if len(items) == 1 else ''})", _ATOM
        case ast.ListLiteral(items):
            return f"[{_args(items)}]", _ATOM
        case ast.Apply(target, args):
            return f"{format_expr(target, _POSTFIX)}[{_args(args)}]", _POSTFIX
        case ast.Attribute(target, name):
            return f"{format_expr(target, _POSTFIX)}.{name}", _POSTFIX
        case ast.Juxt(items):
            parts = [format_expr(items[0], _POSTFIX)]
            for item in items[1:]:
                # '[' right after a term would read as an application: group a list literal.
                level = _ATOM + 1 if isinstance(item, ast.ListLiteral) else _POSTFIX
                parts.append(format_expr(item, level))
            return " ".join(parts), _JUXT
        case ast.Unary("-", operand):
            return f"-{format_expr(operand, _UNARY)}", _UNARY
        case ast.Unary(op, operand):
            return f"{op} {format_expr(operand, _NOT)}", _NOT
        case ast.Binary("<-", left, right):
            return f"{format_expr(left, _ARROW + 1)} <- {format_expr(right, _ARROW)}", _ARROW
        case ast.Binary(op, left, right):
            level = _binary_level(op)
            return f"{format_expr(left, level)} {op} {format_expr(right, level + 1)}", level
        case ast.Sum(alternatives):
            return " | ".join(format_expr(alt, _ARROW) for alt in alternatives), _SUM
        case ast.Case(condition, result):
            return f"{format_expr(condition, _SUM)} -> {format_expr(result, _SUM)}", 0
        case ast.Entry(key, value):
            return f"{format_expr(key, _SUM)} = {format_expr(value, _SUM)}", 0
    raise TypeError(f"not a Viba expression: {node!r}")


def format_expr(node: ast.Expr, level: int = _SUM) -> str:
    """Source of an expression, parenthesized when it binds looser than ``level``."""
    text, binds = _render(node)
    return f"({text})" if binds < level else text


def _with_hint(text: str, hint: str | None) -> str:
    return f"{text}  # {hint}" if hint is not None else text


def _statement_lines(node: ast.Statement, depth: int) -> list[str]:
    pad = INDENT * depth
    if isinstance(node, ast.Hint):
        return [f"{pad}# {node.text}"]
    if isinstance(node, ast.Definition):
        head = "" if node.head is None else " " + _head(node.head)
        lines = [pad + _with_hint(f"{node.name} :={head}", node.hint)]
        body = node.body
    else:
        lines = [pad + _with_hint(_binding(node), node.hint)]
        body = node.block
    for statement in body:
        lines.extend(_statement_lines(statement, depth + 1))
    return lines


def _head(expr: ast.Expr) -> str:
    if isinstance(expr, ast.Sum) and len(expr.alternatives) == 1:
        return "| " + format_expr(expr.alternatives[0], _ARROW)
    return format_expr(expr)


def _binding(binding: ast.Binding) -> str:
    if binding.kind in ("input", "result"):
        text = "<- " + format_expr(binding.expr)
    elif binding.kind == "alternative":
        text = _head(binding.expr)
        text = text if text.startswith("| ") else "| " + text
    else:
        text = format_expr(binding.expr)
    if binding.value is not None:
        text += " = " + format_expr(binding.value)
    return text


def format_viba(module: ast.Module) -> str:
    """Canonical source of a whole module, one blank line between top-level statements."""
    blocks = ["\n".join(_statement_lines(s, 0)) for s in module.statements]
    return "\n\n".join(blocks) + "\n"
