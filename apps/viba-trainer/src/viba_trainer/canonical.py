"""Canonical names: translate a function's shape, not its vocabulary.

A 135M model copies an example it has seen far better than it adapts one. Two functions of the
same pattern differ mostly in their names and string literals, so before translation every name
the Python source binds (the function, its parameters, locals, loop and comprehension variables,
nested functions) becomes a placeholder in order of first appearance (``f1`` for functions,
``v1``, ``v2``, ... for variables) and every plain string literal ``s1``, ``s2``, ...; the Viba
answer gets the real names back. The experience stores canonical pairs, so ``split_name`` and
``split_path`` become one and the same example.

``Renaming.of(python)`` finds the names; ``python()``, ``viba()`` and ``restore()`` apply it.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass

# A Viba string literal or a (possibly $-prefixed) identifier; strings first so that words inside
# them are left alone.
_VIBA_PIECE = re.compile(r"""'''.*?'''|\"\"\".*?\"\"\"|'[^'\n]*'|"[^"\n]*"|\$?[A-Za-z_]\w*""", re.S)


@dataclass(frozen=True)
class Renaming:
    """Real name -> placeholder for identifiers, literal text -> placeholder for strings."""

    names: dict[str, str]
    strings: dict[str, str]

    @classmethod
    def of(cls, python: str) -> Renaming:
        """The renaming of ``python`` (which must parse); placeholders never clash with its words."""
        tree = ast.parse(python)
        functions, variables, literals = [], [], []
        formatted: set[int] = set()  # the text parts of f-strings stay as they are
        for node in _in_source_order(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                functions.append(node.name)
                variables.extend(a.arg for a in _arguments(node.args))
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                variables.append(node.id)
            elif isinstance(node, ast.JoinedStr):
                formatted.update(id(part) for part in node.values)
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in formatted
            ):
                literals.append(node.value)
        taken = set(re.findall(r"\w+", python))
        names = _placeholders(functions, "f", taken)
        names |= _placeholders([v for v in variables if v not in names and v != "_"], "v", taken)
        strings = _placeholders([s for s in literals if _plain_literal(s)], "s", taken)
        return cls(names, strings)

    def python(self, source: str) -> str:
        """``source`` with bound names and plain string literals replaced by placeholders."""
        lines = source.splitlines(keepends=True)
        edits, previous = [], None
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            text = token.string
            if token.type == tokenize.NAME and text in self.names and previous != ".":
                edits.append((token.start, token.end, self.names[text]))
            elif token.type == tokenize.STRING and token.start[0] == token.end[0]:
                renamed = _replace_string_token(text, self.strings, self.names)
                if renamed != text:
                    edits.append((token.start, token.end, renamed))
            if token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT):
                previous = text
        for (row, start), (_, end), text in reversed(edits):  # right to left keeps columns valid
            line = lines[row - 1]
            lines[row - 1] = line[:start] + text + line[end:]
        return "".join(lines)

    def viba(self, text: str) -> str:
        """Viba ``text`` written with the real names, in placeholders (for a reference)."""
        return _rename_viba(text, self.names, self.strings)

    def restore(self, text: str) -> str:
        """Viba ``text`` written with placeholders, back in the real names (for an answer)."""
        names = {v: k for k, v in self.names.items()}
        strings = {v: k for k, v in self.strings.items()}
        return _rename_viba(text, names, strings)


_PLACEHOLDER = re.compile(r"\b([fvs])(\d+)\b")


@dataclass(frozen=True)
class Renumbering:
    """Placeholders of one translation unit numbered afresh, in order of first appearance.

    A unit about a function's second parameter or fifth local reads the same as one about a
    first parameter or local: ``def f1(v2: int)  # parameter v2`` becomes ``def f1(v1: int)
    # parameter v1``, so that units of one shape are one text, which the experience holds once
    and recalls exactly.
    """

    mapping: dict[str, str]

    @classmethod
    def of(cls, unit: str) -> Renumbering:
        """The renumbering of the canonical placeholders of ``unit``."""
        mapping: dict[str, str] = {}
        counts: dict[str, int] = {}
        for match in _PLACEHOLDER.finditer(unit):
            if match.group(0) not in mapping:
                counts[match.group(1)] = counts.get(match.group(1), 0) + 1
                mapping[match.group(0)] = f"{match.group(1)}{counts[match.group(1)]}"
        return cls(mapping)

    def apply(self, text: str) -> str:
        """``text`` (the unit, or its Viba) in the unit's own numbering."""
        return _PLACEHOLDER.sub(lambda m: self.mapping.get(m.group(0), m.group(0)), text)

    def restore(self, text: str) -> str:
        """An answer in the unit's numbering, back in the function's."""
        inverse = {v: k for k, v in self.mapping.items()}
        return _PLACEHOLDER.sub(lambda m: inverse.get(m.group(0), m.group(0)), text)


def _in_source_order(tree: ast.AST) -> list[ast.AST]:
    nodes = [n for n in ast.walk(tree) if hasattr(n, "lineno")]
    return sorted(nodes, key=lambda n: (n.lineno, n.col_offset))


def _arguments(args: ast.arguments) -> list[ast.arg]:
    found = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    return found + [a for a in (args.vararg, args.kwarg) if a is not None]


def _placeholders(words: list[str], prefix: str, taken: set[str]) -> dict[str, str]:
    """Distinct ``words`` in order -> ``prefix1``, ``prefix2``, ... skipping words in ``taken``."""
    mapping: dict[str, str] = {}
    number = 0
    for word in words:
        if word in mapping:
            continue
        number += 1
        while f"{prefix}{number}" in taken:
            number += 1
        mapping[word] = f"{prefix}{number}"
    return mapping


def _plain_literal(text: str) -> bool:
    """Worth renaming: a one-line string a Viba answer can quote as it is."""
    return bool(text) and "\n" not in text and "'" not in text and '"' not in text


_FIELD = re.compile(r"(\{)([A-Za-z_]\w*)")
_PREFIXED = re.compile(r"^([rRbBuUfF]*)(['\"]{1,3})(.*)\2$", re.S)


def _replace_string_token(token: str, strings: dict[str, str], names: dict[str, str]) -> str:
    match = _PREFIXED.match(token)
    if match is not None and "f" in match.group(1).lower():  # before Python 3.12: one token
        return _FIELD.sub(lambda m: m.group(1) + names.get(m.group(2), m.group(2)), token)
    if match is None or match.group(3) not in strings:
        return token
    prefix, quote, body = match.groups()
    return f"{prefix}{quote}{strings[body]}{quote}"


def _rename_viba(text: str, names: dict[str, str], strings: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        piece = match.group(0)
        if piece[0] in "'\"":
            quote = piece[:3] if piece[:3] in ("'''", '"""') else piece[0]
            body = piece[len(quote) : -len(quote)]
            return f"{quote}{strings[body]}{quote}" if body in strings else piece
        sigil, name = ("$", piece[1:]) if piece.startswith("$") else ("", piece)
        return sigil + names[name] if name in names else piece

    return _VIBA_PIECE.sub(replace, text)
