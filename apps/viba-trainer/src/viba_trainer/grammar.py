"""Constrained decoding: a GBNF grammar per translation unit, so the model can only write Viba
made of the unit's own atoms.

A 135M model copies its example: asked for ``v4 = v1 + "s1" + v2`` next to an example that
assigns ``$v2``, it answers ``$v3 = $v4 + "s1" + $v1 + "s2"``, the example's variables and
string. Checked decoding (:mod:`viba_trainer.checked`) rejects such an answer, but greedy
decoding gives the same answer again to the same prompt. :func:`unit_grammar` writes a grammar
(llama.cpp's GBNF) that lets the model choose only among what a translation of that unit can
contain, so the copied atoms cannot be written at all:

- the unit's placeholders (``$v1``, ``f1`` and ``$f1``, strings ``"s1"`` / ``'s1'``), its
  numbers and its operators, plus Viba's punctuation (``:=``, ``<-``, ``->``, ``=``, ``|``, a
  comma after an item) and ``$elem``;
- Viba's constructs (``Match``, ``For``, ``Map``, ``Filter``, ``Format``, ``Raise``), the
  builtins the unit calls, capitalized (``len`` -> ``Len``), and its exception names as tags
  (`` `IndexError ``);
- the types it names (``str``, ``int`` ...; ``dict`` for ``{}``, ``list`` for ``[]``,
  ``void`` for ``None``, ``never`` where it raises), ``_``, and the hints ``# recursive``,
  ``# inline``;
- single spaces between atoms, brackets balanced on every line, lines indented under the
  definition line ``f1 :=``;
- a statement that assigns one name is one line in Viba's declaration rule, the rule checked
  decoding enforces: ``$v2 T = ...`` for a new local (the model chooses the type ``T``; the
  value holds neither ``$v2`` nor a type but a literal's, ``dict[]``), ``$v2 = ...`` for a
  parameter, the returned local, or an augmented assignment;
- a parameter unit is its input line, ``<- $v2 T`` (a function type ``(r <- a)`` for an
  unannotated parameter), with `` = default`` when it has one.

Every atom that checked decoding requires is allowed (it requires the unit's own), so the grammar
never rules out an answer the checks would accept; it rules out most that they would reject.
"""

from __future__ import annotations

import ast
import io
import json
import re
import tokenize

from viba_trainer.checked import (
    CONSTRUCTS,
    OPERATORS,
    PLACEHOLDER,
    TYPE_NAMES,
    format_templates,
)
from viba_trainer.units import BODY, PARAMETER, STATEMENT, marked_return, unit_kind, unit_mark

PUNCTUATION = (":=", "<-", "->", "=", "|")
TYPES = tuple(name for name in TYPE_NAMES if name != "tuple")  # a tuple is written (a, b)
LITERAL_TYPES = {"dict", "list", "set"}  # ``dict[]``: a type that is also a value
HINTS = ("# recursive", "# inline")
_LINE = r'''line ::= ("    " | "        " | "            ") items "\n"'''


def _expression_rules(prefix: str, atom: str, negative: bool) -> list[str]:
    """Rules ``{prefix}items``: atoms (``{atom}``) with single spaces between them, a bracket
    group or an application (``Len[...]``, ``$v1[...]``) as one item, a comma after an item;
    a unary minus only where the unit has ``-``."""
    sign = '"-"? ' if negative else ""
    return [
        f'{prefix}items ::= {prefix}item (" " {prefix}item)*',
        f'{prefix}item ::= {sign}{prefix}core ("[" {prefix}items? "]")* ","?',
        f'{prefix}core ::= {atom} | "(" {prefix}items? ")" | "[" {prefix}items? "]"',
    ]


def unit_grammar(unit: str) -> str | None:
    """The GBNF grammar of the answers to a canonical translation unit (``def f1(...)``, see
    :mod:`viba_trainer.units`), or None for other text (it is translated unconstrained)."""
    if not unit.startswith("def f1("):
        return None
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(unit).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    names = {t.string for t in tokens if t.type == tokenize.NAME}
    atoms = {"$elem", "_", *PUNCTUATION, *HINTS, *CONSTRUCTS, "Raise"}
    for token, after in zip(tokens, [*tokens[1:], None], strict=True):
        text = token.string
        if token.type == tokenize.NAME and PLACEHOLDER.match(text) and text[0] != "s":
            atoms.update({f"${text}", text} if text[0] == "f" else {f"${text}"})
        elif token.type == tokenize.NUMBER or (token.type == tokenize.NAME and text in OPERATORS):
            atoms.add(text)  # a number, or ``and`` / ``or`` / ``not``
        elif token.type == tokenize.STRING:
            strings = re.findall(r"\bs\d+\b", text)
            atoms.update(q + s + q for s in strings for q in "'\"")
        elif token.type == tokenize.OP and text in OPERATORS:
            atoms.add(text)
        elif token.type == tokenize.OP and text.removesuffix("=") in OPERATORS:
            atoms.add(text.removesuffix("="))  # ``+=`` is written ``$v1 = $v1 + ...``
        elif token.type == tokenize.NAME and after is not None and after.string == "(":
            if text[:1].isupper():  # an exception, raised: a tag
                atoms.add(f"`{text}")
            elif text.islower() and text not in TYPES and text != "def":
                atoms.add(text[0].upper() + text[1:])  # a builtin or method: len -> Len
    nodes = _nodes(unit)
    types = names & set(TYPES)
    types.update({"dict"} if any(isinstance(n, ast.Dict | ast.DictComp) for n in nodes) else ())
    types.update({"list"} if any(isinstance(n, ast.List | ast.ListComp) for n in nodes) else ())
    types.update({"void"} if "None" in names else ())
    types.update({"never"} if "raise" in names else ())
    atoms.update(types)
    atoms.update({"true", "True"} if "True" in names else set())
    atoms.update({"false", "False"} if "False" in names else set())
    atoms.update(q + t + q for t in format_templates(unit) for q in "'\"")
    body, assigned = _body(unit, nodes)
    negative = "-" in atoms
    rules = [
        f"root ::= {body}",
        _LINE,
        *_expression_rules("", "atom", negative),
        # a value: not the new local itself, and no type but a literal's (``dict[]``)
        *_expression_rules("rhs", "rhsatom", negative),
        f"atom ::= {_alternatives(atoms)}",
        f"rhsatom ::= {_alternatives(atoms - {f'${assigned}'} - (types - LITERAL_TYPES))}",
        f"typename ::= {_alternatives(types or set(TYPES))}",
    ]
    return "\n".join(rules) + "\n"


def _alternatives(texts: set[str]) -> str:
    return " | ".join(json.dumps(text) for text in sorted(texts))


def _body(unit: str, nodes: list[ast.AST]) -> tuple[str, str | None]:
    """The rule of the answer after the definition line, and the new local it declares, if any:
    a parameter's input line, a one-name assignment in the declaration rule, else any lines."""
    function = next((n for n in nodes if isinstance(n, ast.FunctionDef)), None)
    kind = unit_kind(unit)
    if function is not None and kind == PARAMETER:
        return _input_line(unit, function), None
    if kind not in (STATEMENT, BODY) or function is None or len(function.body) != 1:
        return r'"f1 :=\n" line+', None
    (statement,) = function.body
    if isinstance(statement, ast.AugAssign) and isinstance(statement.target, ast.Name):
        name, declared = statement.target.id, False
    elif (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
    ):
        name = statement.targets[0].id
        given = {argument.arg for argument in function.args.args} | {marked_return(unit)}
        declared = name not in given
    else:
        return r'"f1 :=\n" line+', None
    if declared:
        return rf'"f1 :=\n    ${name} " typename " = " rhsitems "\n"', name
    return rf'"f1 :=\n    ${name} = " items "\n"', None


def _input_line(unit: str, function: ast.FunctionDef) -> str:
    """``<- $v2 T`` for the unit's parameter: an annotated one with a type (``list[...]``,
    ``(a, b)``), an unannotated one with a function type ``(r <- a)``, `` = default`` when it has
    one (the rule checked decoding enforces)."""
    name = (unit_mark(unit) or "").rsplit(" ", 1)[-1]  # "parameter v2"
    parameters = function.args.args
    index = next((i for i, a in enumerate(parameters) if a.arg == name), None)
    if index is None:
        return r'"f1 :=\n" line+'
    annotated = parameters[index].annotation is not None
    kind = (
        'typename ("[" items "]")? | "(" items ")"' if annotated else '"(" items " <- " items ")"'
    )
    has_default = index >= len(parameters) - len(function.args.defaults)
    default = ' " = " items' if has_default else ""
    return rf'"f1 :=\n    <- ${name} " ({kind}){default} "\n"'


def _nodes(unit: str) -> list[ast.AST]:
    """The unit's syntax nodes; a parameter unit, a signature alone, gets a body to parse."""
    for source in (unit, unit + "    ...\n"):
        try:
            return list(ast.walk(ast.parse(source)))
        except SyntaxError:
            continue
    return []
