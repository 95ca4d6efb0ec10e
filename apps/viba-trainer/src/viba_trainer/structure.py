"""Retrieval by program structure: keywords that describe what a Python function does.

Lexical keywords (the words of the text) retrieve a function that shares names with the input,
which for code of one's own is mostly noise: a ``while`` loop over ``words`` finds the closure
that happens to use ``words``. :class:`PythonStructureKeywords` describes a function by its
shape instead: statement and expression kinds (``for``, ``if``, ``listcomp``, ``raise``, a nested
``def``), operators, the builtins and methods it calls, its annotations, its arity, and whether it
returns a local, a literal or a call; then, to rank functions of one shape, its tokens
(``tok_v1``, ``tok_plus``, ``num_0``). A translation unit (:mod:`viba_trainer.units`) has every
keyword prefixed with its kind (``result_for``, ``statement_for``), so that a result unit is
never retrieved for a statement. Text that is not Python falls back to its
words, so experience rows of any content stay comparable.
"""

from __future__ import annotations

import ast
import builtins
import io
import re
import tokenize
from collections.abc import Sequence

from symtensor_autograd import LexicalKeywords, normalize_keywords

from viba_trainer.units import unit_kind, unit_mark

_SKIPPED = (ast.Module, ast.Load, ast.Store, ast.Del, ast.Name, ast.arg, ast.arguments)


class PythonStructureKeywords:
    """A :class:`symtensor_autograd.KeywordExtractor` over the structure of Python functions."""

    def __init__(self) -> None:
        self._words = LexicalKeywords()

    def __call__(self, texts: Sequence[str]) -> list[list[str]]:
        """One keyword list per text (its words when the text is not Python)."""
        return [self._one(text or "") for text in texts]

    def _one(self, text: str) -> list[str]:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            return self._words([text])[0]
        words = structure_words(tree) + token_words(text)
        kind = unit_kind(text)
        if kind:  # what the unit is about: "parameter v2" -> mark_v2
            words += [f"mark_{word}" for word in re.findall(r"\w+", unit_mark(text))[1:]]
        # Units of different kinds share no keyword, so one is never retrieved for another.
        return normalize_keywords(f"{kind}_{word}" if kind else word for word in words)


def structure_words(tree: ast.AST) -> list[str]:
    """The structural keywords of a parsed module (see the module docstring)."""
    words: list[str] = []
    bound = {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.operator | ast.cmpop | ast.boolop | ast.unaryop):
            words.append(f"op_{type(node).__name__}")
            continue
        if not isinstance(node, _SKIPPED):
            words.append(type(node).__name__)
        if isinstance(node, ast.FunctionDef):
            words += _function_words(node, bound)
        elif isinstance(node, ast.Call):
            words.append(_callee(node.func))
        elif isinstance(node, ast.Constant):
            words.append(f"const_{type(node.value).__name__}")
    return words


def token_words(text: str) -> list[str]:
    """A keyword per name, number and operator token (``tok_v1``, ``num_0``, ``tok_plus``):
    ties between functions of one shape are broken by their details, and a function's own
    source matches it best. Keywords are made of word characters only, as the experience's
    query column stores them (:func:`symtensor_autograd.parse_keyword_text`)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return []
    words = []
    for token in tokens:
        if token.type == tokenize.NAME:
            words.append(f"tok_{token.string}")
        elif token.type == tokenize.NUMBER:
            words.append("num_" + re.sub(r"\W", "_", token.string))
        elif token.type == tokenize.OP:
            words.append(f"tok_{tokenize.tok_name[token.exact_type].lower()}")
    return words


def _function_words(function: ast.FunctionDef, bound: set[str]) -> list[str]:
    args = function.args
    words = [f"arity_{len(args.args)}", f"statements_{len(function.body)}"]
    words += [f"defaults_{len(args.defaults)}"] if args.defaults else []
    words += [f"returns_{_annotation(function.returns)}"]
    words += [f"arg_{_annotation(a.annotation)}" for a in args.args]
    for statement in ast.walk(function):
        if isinstance(statement, ast.Return) and statement.value is not None:
            words.append(f"return_{_returned(statement.value, bound)}")
    return words


def _annotation(node: ast.expr | None) -> str:
    if node is None:
        return "none"
    if isinstance(node, ast.Subscript):
        return _annotation(node.value)
    if isinstance(node, ast.Name):
        return node.id
    return type(node).__name__


def _returned(value: ast.expr, bound: set[str]) -> str:
    if isinstance(value, ast.Name):
        return "local" if value.id in bound else "name"
    return type(value).__name__


def _callee(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return f"method_{func.attr}"
    if isinstance(func, ast.Name):
        return f"call_{func.id}" if hasattr(builtins, func.id) else "call"
    return "call"
