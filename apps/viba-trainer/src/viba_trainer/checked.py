"""Checked decoding: a unit's answer is kept only if it agrees with its Python, else asked again.

Greedy decoding with a 135M model gives one answer per prompt, and a wrong example in the prompt
gives a wrong answer. Each unit's answer (:mod:`viba_trainer.units`) can be checked against the
unit itself, without any reference:

- every answer must be strictly valid Viba (:func:`check_strict_viba`) on its own, a piece
  under a header that binds its function's placeholders: no Python left, no ``$var`` the
  function does not have;
- a result type must have one alternative per returned string (``| 's1'``), ``never``
  exactly when the function raises, declare the returned local (``$v3 str``) when there is
  one, and otherwise name the types of the return annotation (``void`` for ``None``);
- a parameter's answer must be one input, ``<- $v2 T``, for that parameter, naming the types of
  its annotation (``list[$elem str]`` for ``list[str]``, a function type for none) and its
  default value;
- a statement's block must use exactly the placeholders (``$v1``, ``f2``, ``s1``), numbers,
  operators and called builtins (``len(`` -> ``Len[``, ``raise`` -> ``Raise[``) of its Python
  statement, the placeholders in the same order and number (where Viba does not reorder them:
  comprehensions, conditional expressions, ``x += y``): a block that copied its example's
  variable, constant, string, call or condition, dropped one or swapped two, disagrees; and it
  must declare a new local with its type (``$v2 str = ...``) but not the returned one
  (``$v3 = ...``).

A unit whose answer fails is translated again with other prompt settings (other examples in the
prompt, a task line that asks to keep the input's names and numbers:
``viba_trainer.translator.CHECKED_RETRIES``); the first answer that passes is kept. Where none passes, the
strictly valid one closest to its Python is; a statement with no valid answer at all, or one
that leaves the joined translation invalid (a variable it should have bound), is left out rather
than break the whole translation. Every round is one batch of LLM calls for the units still
failing.
"""

from __future__ import annotations

import ast
import io
import itertools
import keyword
import re
import textwrap
import tokenize
from collections.abc import Callable, Sequence
from typing import TypeVar

from viba_trainer.units import (
    ARM,
    BODY,
    LOOP,
    PARAMETER,
    RESULT,
    STATEMENT,
    join_units,
    marked_return,
    match_arms,
    result_lines,
    statement_block,
    unit_kind,
    unit_mark,
)
from viba_trainer.viba import check_strict_viba
from viba_trainer.viba.errors import VibaSyntaxError
from viba_trainer.viba.tokenizer import Kind
from viba_trainer.viba.tokenizer import tokenize as viba_tokens

Setting = TypeVar("Setting")
PLACEHOLDER = re.compile(r"^[fvs]\d+$")  # f1 a function, v1 a value, s1 a string


def checked_answers(
    units: Sequence[Sequence[str]],
    translate: Callable[[list[str], Setting], list[str]],
    settings: Sequence[Setting],
    join: Callable[[int, list[str]], str] | None = None,
) -> list[list[str]]:
    """The accepted answer of every unit of every function (``units[i]``: one function's units).

    ``translate(texts, setting)`` answers a batch of unit texts with one prompt setting (e.g.
    how many rows to retrieve); it is called once per entry of ``settings``, in order, for the
    units not yet accepted; a unit keeps the first answer that agrees with it. ``join(i,
    answers)`` is function ``i``'s translation from its answers: when it is not strictly valid,
    statements are left out until it is (:func:`_valid_together`).
    """
    candidates: list[list[list[str]]] = [[[] for _ in function] for function in units]
    accepted: list[list[str | None]] = [[None] * len(function) for function in units]
    for setting in settings:
        pending = [
            (f, u)
            for f, function in enumerate(accepted)
            for u, a in enumerate(function)
            if a is None
        ]
        if not pending:
            break
        answers = translate([units[f][u] for f, u in pending], setting)
        for (f, u), answer in zip(pending, answers, strict=True):
            candidates[f][u].append(answer)  # earlier candidates were judged in their round
            if unit_agrees(units[f][u], answer):
                accepted[f][u] = answer
    answers = [
        [
            a if a is not None else _fallback(unit, c)
            for unit, a, c in zip(function, acc, cand, strict=True)
        ]
        for function, acc, cand in zip(units, accepted, candidates, strict=True)
    ]
    if join is None:
        return answers
    return [
        _valid_together(function, chosen, acc, lambda answers, f=f: join(f, answers))
        for f, (function, chosen, acc) in enumerate(zip(units, answers, accepted, strict=True))
    ]


def _valid_together(
    units: Sequence[str],
    answers: list[str],
    accepted: list[str | None],
    join: Callable[[list[str]], str],
) -> list[str]:
    """``answers``, or, when their translation is not strictly valid, the same with the fewest
    statements left out that makes it valid: one, else two, statements whose answer did not
    agree tried first (a wrong statement that does not bind its variable breaks the one that
    uses it; both missing is better than an invalid translation)."""
    if check_strict_viba(join(answers)) is None:
        return answers
    statements = [
        index
        for index, unit in enumerate(units)
        if answers[index] and unit_kind(unit) in (STATEMENT, BODY, ARM)
    ]
    statements.sort(key=lambda index: (accepted[index] is not None, -index))
    for size in (1, 2):
        for dropped in itertools.combinations(statements, size):
            trial = [("" if i in dropped else a) for i, a in enumerate(answers)]
            if check_strict_viba(join(trial)) is None:
                return trial
    return answers


def _fallback(unit: str, candidates: list[str]) -> str:
    """For a unit no answer of which agrees: of the strictly valid ones, the one whose atoms
    differ least from its Python's (the first on a tie), or nothing for a statement (left out,
    it keeps the rest of the translation valid)."""
    valid = [c for c in candidates if check_strict_viba(_alone(unit, c)) is None]
    if not valid:
        return "" if unit_kind(unit) in (STATEMENT, BODY, ARM) else candidates[0]
    return min(valid, key=lambda candidate: _distance(unit, candidate))


def _piece(unit: str) -> str:
    """The Python a unit translates: its lines under the ``def`` line, unindented."""
    return textwrap.dedent(unit.split("\n", 1)[1]) if "\n" in unit else ""


def _distance(unit: str, answer: str) -> int:
    """How many atoms a piece's answer has that its Python lacks, or lacks that it has."""
    want = _python_atoms(_piece(unit)) or set()
    got = _viba_atoms(statement_block(answer)) or set()
    return len(want ^ got)


def unit_agrees(unit: str, answer: str) -> bool:
    """True when ``answer`` passes the checks of the module docstring for ``unit``.

    Each unit is judged on its own, so that one wrong answer does not fail the others: a piece
    is checked under a header that binds every placeholder of its function.
    """
    if check_strict_viba(_alone(unit, answer)) is not None:
        return False
    kind = unit_kind(unit)
    if kind == RESULT:
        return _result_agrees(unit, answer)
    block = statement_block(answer)
    if kind == PARAMETER:
        return _parameter_agrees(unit, block)
    python = _piece(unit)
    if kind == LOOP:
        header, line = python.split("\n", 1)[0], block.split("\n", 1)[0]  # for ...: / For[...]
        return line.startswith("For[") and _python_atoms(header) == _viba_atoms(line)
    if kind == ARM:
        arms = match_arms(block)
        if arms is None or len(arms) != 1 or arms[0].startswith("_") == python.startswith("if "):
            return False
        return _python_atoms(python) == _viba_atoms(block) and _same_order(python, block)
    if kind in (STATEMENT, BODY):
        return (
            _python_atoms(python) == _viba_atoms(block)
            and _declarations_agree(unit, block)
            and _same_order(python, block)
        )
    return True


def _same_order(python: str, block: str) -> bool:
    """The placeholders come in the same order and number in the Viba as in the Python, unless
    the Python has a construct that Viba writes otherwise (a comprehension, whose source comes
    first in ``Map[...]``; a conditional expression, whose condition comes first in
    ``Match[...]``; ``x += y``, which is ``$x = $x + $y``): ``$v1 + " " + $v2`` is not
    ``" " + $v1 + $v2``, and ``$v1[$v1[$v2]]`` is not ``v1(v1(v1(v2)))``."""
    try:
        nodes = list(ast.walk(ast.parse(python)))
    except SyntaxError:
        return True
    reordering = ast.comprehension | ast.IfExp | ast.Lambda | ast.AugAssign
    if any(isinstance(n, reordering) for n in nodes):
        return True
    python_order = re.findall(r"\b[vfs]\d+\b", python)
    viba_order = re.findall(r"(?<![\w.])\$?([vfs]\d+)\b", block)
    return python_order == viba_order


def _declarations_agree(unit: str, block: str) -> bool:
    """A new local is declared with its type where it is first assigned (``$v2 str = ...``); the
    returned local, declared as the result, and a parameter are assigned without one."""
    function = _function(unit)
    if function is None:
        return False
    given = {a.arg for a in function.args.args} | {marked_return(unit)}
    for node in ast.walk(function):
        targets = node.targets if isinstance(node, ast.Assign) else []
        names = [name for target in targets for name in _bound(target)]
        for name in (n for n in names if n != "_"):
            typed = re.search(rf"\${name}\s+[^\s=,)\]]", block) is not None
            if typed == (name in given):
                return False
    return True


def _alone(unit: str, answer: str) -> str:
    """The answer as a Viba text of its own: a piece under a header binding the function's
    placeholders, a result answer as it is, a whole-function answer joined."""
    kind = unit_kind(unit)
    if kind == RESULT:
        definition, result, hints = result_lines(answer)
        return definition + textwrap.indent("".join(result + hints), "    ") if result else ""
    if kind is None:
        return join_units([unit], [answer])
    placeholders = {atom.lstrip("$") for atom in _python_atoms(unit) or ()}
    names = sorted(n for n in placeholders if PLACEHOLDER.match(n) and n[0] in "fv")
    header = "f :=\n    void\n" + "".join(f"    <- ${name} _\n" for name in names)
    return header + textwrap.indent(statement_block(answer), "    ")


def _function(unit: str) -> ast.FunctionDef | None:
    """The unit's function; a parameter unit, a signature alone, gets a body to parse."""
    try:
        function = ast.parse(unit if unit_kind(unit) != PARAMETER else unit + "    ...\n").body[0]
    except (SyntaxError, IndexError):
        return None
    return function if isinstance(function, ast.FunctionDef) else None


def _result_agrees(unit: str, answer: str) -> bool:
    """An alternative per returned string (``| 's1'``), ``never`` exactly when it raises."""
    function = _function(unit)
    if function is None:
        return False
    _, result, _ = result_lines(answer)
    nodes = list(ast.walk(function))
    returned = {
        n.value.value
        for n in nodes
        if isinstance(n, ast.Return)
        and isinstance(n.value, ast.Constant)
        and isinstance(n.value.value, str)
    }
    text = "".join(result)
    alternatives = set(re.findall(r"^\|\s*['\"](\w+)['\"]", text, flags=re.M))
    raises = any(isinstance(n, ast.Raise) for n in nodes)
    if alternatives != returned or raises != bool(re.search(r"\bnever\b", text)):
        return False
    local = marked_return(unit)
    if (local is not None) != text.startswith("$") or (local and not text.startswith(f"${local} ")):
        return False
    nested = [n for n in nodes[1:] if isinstance(n, ast.FunctionDef)]
    if nested:  # a returned function: its type, (result <- parameters)
        types = [a.annotation for a in nested[0].args.args] + [nested[0].returns]
        return "<-" in text and all(_names_the_type(t, text) for t in types if t is not None)
    annotation = function.returns
    if annotation is None or returned:
        return True
    if isinstance(annotation, ast.Constant) and annotation.value is None:
        return "void" in text
    return _names_the_type(annotation, text)


def _bound(target: ast.expr) -> list[str]:
    """The names an assignment target binds (``x``, ``a, b``), not those it indexes."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [name for item in target.elts for name in _bound(item)]
    return []


def _names_the_type(annotation: ast.expr, declared: str) -> bool:
    """``declared`` names the types of a Python annotation (``tuple`` is written ``(a, b)``),
    with ``$elem`` for a list's elements."""
    names = {n.id for n in ast.walk(annotation) if isinstance(n, ast.Name)} - {"tuple"}
    words = set(re.findall(r"\w+", declared))
    return names <= words and ("list" not in names or "$elem" in declared)


def _parameter_agrees(unit: str, block: str) -> bool:
    """``<- $v2 T``: the unit's parameter, the types of its annotation (a function type when it
    has none) and its default value."""
    function = _function(unit)
    name = (unit_mark(unit) or "").rsplit(" ", 1)[-1]  # "parameter v2"
    match = re.fullmatch(r"<-\s*\$(\w+)(.*)\n", block, flags=re.S)
    if function is None or match is None or match.group(1) != name:
        return False
    parameters = function.args.args
    index = next((i for i, a in enumerate(parameters) if a.arg == name), None)
    if index is None:
        return False
    declared, annotation = match.group(2), parameters[index].annotation
    if annotation is None:
        if not re.search(r"\(.*<-.*\)", declared):
            return False
    elif not _names_the_type(annotation, declared.split("=", 1)[0]):
        return False
    defaults = function.args.defaults
    default = (
        defaults[index - (len(parameters) - len(defaults))]
        if index >= len(parameters) - len(defaults)
        else None
    )
    if default is None:
        return "=" not in declared
    return _python_atoms(ast.unparse(default)) == _viba_atoms(declared.split("=", 1)[-1])


OPERATORS = {"+", "-", "*", "/", "//", "%", "<", ">", "<=", ">=", "==", "!=", "and", "or", "not"}


def _python_atoms(source: str) -> set[str] | None:
    """What a Viba translation of a Python fragment must use: its placeholders (``$v1`` for a
    value, ``f1`` for a called or defined function, ``s1`` for a string), numbers and
    operators (``x += y`` counts as ``+``)."""
    atoms: set[str] = set()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    for token, after in itertools.pairwise([*tokens, None]):
        text = token.string
        if token.type == tokenize.NAME and PLACEHOLDER.match(text):
            called = after is not None and after.string == "("
            atoms.add(text if text[0] == "f" and called else _placeholder(text))
        elif token.type == tokenize.NUMBER:
            atoms.add(_number(text))
        elif token.type == tokenize.STRING:
            atoms.update(_placeholder(w) for w in re.findall(r"\w+", text) if PLACEHOLDER.match(w))
        elif text in OPERATORS or (text.endswith("=") and text[:-1] in OPERATORS - {"<", ">"}):
            atoms.add(f"op {text.removesuffix('=') if text not in OPERATORS else text}")
        elif token.type == tokenize.NAME and (text == "raise" or _calls_builtin(text, after)):
            atoms.add(f"call {text[0].upper()}{text[1:]}")
    return atoms | {f"fmt {template}" for template in format_templates(source)}


def _calls_builtin(name: str, after: tokenize.TokenInfo | None) -> bool:
    """``len(`` or ``.get(``: a call that Viba writes as a builtin (``Len[``, ``Get[``); not a
    keyword, a type (``dict()`` is ``dict[]``) or an exception (a tag in ``Raise[...]``)."""
    return (
        after is not None
        and after.string == "("
        and name.islower()
        and not keyword.iskeyword(name)
        and name not in TYPE_NAMES
    )


TYPE_NAMES = ("str", "int", "float", "bool", "dict", "list", "set", "tuple")
# Viba's own constructs: what a Python statement, comprehension or f-string becomes (no call).
CONSTRUCTS = ("Match", "For", "Map", "Filter", "Format")


def format_templates(source: str) -> set[str]:
    """``{}: {:.1f}`` for ``f"{a}: {b:.1f}"``: the templates a ``Format['...']`` must hold."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    templates = set()
    nodes = list(ast.walk(tree))
    specs = {id(n.format_spec) for n in nodes if isinstance(n, ast.FormattedValue)}
    for node in nodes:
        if isinstance(node, ast.JoinedStr) and id(node) not in specs:
            parts = []
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    spec = ast.unparse(value.format_spec)[2:-1] if value.format_spec else ""
                    parts.append("{" + (f":{spec}" if spec else "") + "}")
                else:
                    parts.append(str(value.value))
            templates.add("".join(parts))
    return templates


def _viba_atoms(block: str) -> set[str] | None:
    """The same atoms of a Viba fragment (``$v1`` a value, ``f1`` a function name)."""
    try:
        tokens = viba_tokens(block)
    except VibaSyntaxError:
        return None
    atoms: set[str] = set()
    for token, after in itertools.pairwise([*tokens, None]):
        name = token.text.lstrip("$")
        if token.kind in (Kind.NAME, Kind.VAR) and PLACEHOLDER.match(name):
            atoms.add(token.text)
        elif token.kind in (Kind.INT, Kind.FLOAT):
            atoms.add(_number(token.text))
        elif token.kind is Kind.STRING:
            atoms.update(
                _placeholder(w) for w in re.findall(r"\w+", token.text) if PLACEHOLDER.match(w)
            )
            if "{" in token.text:  # a Format template
                atoms.add("fmt " + token.text[1:-1])
        elif token.text in OPERATORS and token.kind in (Kind.OP, Kind.NAME):
            atoms.add(f"op {token.text}")
        elif (
            token.kind is Kind.NAME
            and token.text[:1].isupper()
            and token.text not in CONSTRUCTS
            and after is not None
            and after.text == "["
        ):
            atoms.add(f"call {token.text}")
    return atoms


def _placeholder(name: str) -> str:
    """How a placeholder is written in Viba: ``$v1`` and ``$f1`` as values, ``s1`` as a string."""
    return name if name[0] == "s" else f"${name}"


def _number(text: str) -> str:
    try:
        return repr(float(text))
    except ValueError:
        return text
