"""Translation units: a function becomes a result unit, a unit per parameter, one per statement.

A 135M model translates a whole function by copying the nearest example, so a function with one
more statement or parameter than its example loses it, and a long answer drifts into repeating
a line. Translated one piece at a time, every answer is one or two lines next to an example of
the same kind of piece. A Python function ``def f1(...)`` is cut into

- the **result unit**: what decides the result type (the return annotation, every ``return``
  and ``raise``, a returned nested function's signature), marked ``# result`` (with
  ``, returns v3`` when the function returns a local); its Viba is the definition line, the
  result type and the hints (``f1 :=``, ``$v3 str``, ``# recursive``);
- one **parameter unit** per parameter: a signature with that parameter alone (the whole
  signature for an unannotated one, whose type comes from the others) marked
  ``# parameter v2``; its Viba is
  the definition line and that input (``f1 :=`` / ``    <- $v2 str = "s1"``);
- a ``for`` loop is a **loop unit** for its header (``for v3 in v1:`` over ``...``; Viba
  ``For[$v3 <- $v1]``) and a **body unit** per statement of its body, so that a loop with one
  more statement than its example is as easy as one without;
- an ``if`` chain whose branches all return or raise, with its default (its ``else`` or the
  ``return`` after it), is an **arm unit** per branch (``if v1 > 0: return "s1"``; Viba
  ``<- Match[$v1 > 0 -> 's1']``, the default ``_ -> ...``), joined into one ``Match[...]``, so
  that one more branch is as easy as none;
- one **statement unit** per other top-level statement: a signature with the parameters it uses,
  marked ``# statement`` (with ``, returns v3`` when the function returns a local, which
  decides ``$v3 = ...`` against ``$v3 str = ...``), and the statement; its Viba is the
  definition line and that statement's
  block under it (``f1 :=`` / ``    $v2 str = "s1"``). An ``if`` that ends in ``return`` or
  ``raise`` is one unit with the statements up to the next ``return``: together they are one
  ``Match[...]``.

Every answer keeps the definition line: given ``<- $v2`` alone as an example, the model answers
``$v2``, but it keeps a line under a definition line intact. :func:`join_units` puts the answers
together (definition line, result type, inputs, hints, statements), each cut to what its unit
stands for. For training, :func:`split_viba` cuts a reference into the same parts; a pair whose
parts do not line up with its Python is kept whole (:func:`unit_pairs`).
"""

from __future__ import annotations

import ast
import itertools
import textwrap
from dataclasses import dataclass

from viba_trainer.viba import ast as viba_ast
from viba_trainer.viba import parse_viba

RESULT, PARAMETER, STATEMENT = "result", "parameter", "statement"
LOOP, BODY = "loop", "body"  # a for loop's header line, and each statement of its body
ARM = "arm"  # one branch of an if chain that returns or raises: one arm of a Match[...]
KINDS = (RESULT, PARAMETER, STATEMENT, LOOP, BODY, ARM)


@dataclass(frozen=True)
class UnitPair:
    """One translation unit of a pair: its Python and its Viba."""

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
    returns = returned_local(function)
    also = f", returns {returns}" if returns else ""
    units = [f"{_signature(function, set())}  # {RESULT}{also}\n" + _exits(function)]
    for argument in function.args.args:
        # An annotated parameter needs only itself; an unannotated one is typed from the rest.
        alone = argument.annotation is not None
        signature = _signature(function, {argument.arg} if alone else None, returns=not alone)
        units.append(f"{signature}  # {PARAMETER} {argument.arg}\n")
    for group in _statement_groups(function.body):
        if len(group) == 1 and _is_loop(group[0]):
            loop = group[0]
            header = f"for {ast.unparse(loop.target)} in {ast.unparse(loop.iter)}:\n    ..."
            units.append(_unit(function, LOOP, also, [loop.target, loop.iter], header))
            for statement in loop.body:
                units.append(_unit(function, BODY, also, [statement], ast.unparse(statement)))
            continue
        arms = _arms(group)
        if arms is not None:
            for nodes, text in arms:
                units.append(_unit(function, ARM, also, nodes, text))
            continue
        start, end = group[0].lineno, group[-1].end_lineno
        text = textwrap.dedent("".join(lines[start - 1 : end]))
        units.append(_unit(function, STATEMENT, also, group, text))
    return [_normalized(unit) for unit in units]


def _unit(function: ast.FunctionDef, kind: str, also: str, nodes: list, text: str) -> str:
    """A unit of ``kind`` for ``text`` (Python at the function's indentation), under a
    signature with the parameters ``nodes`` use."""
    used = {n.id for node in nodes for n in ast.walk(node) if isinstance(n, ast.Name)}
    return f"{_signature(function, used)}  # {kind}{also}\n" + textwrap.indent(text, "    ")


def _arms(group: list[ast.stmt]) -> list[tuple[list[ast.AST], str]] | None:
    """The arms of an if chain whose every branch returns or raises, ending in a default (its
    ``else``, or the ``return`` after it): ``if v1 > 0: return "s1"`` ... ``return "s3"``.
    None for any other group."""
    if not isinstance(group[0], ast.If):
        return None
    arms, node = [], group[0]
    while isinstance(node, ast.If):
        if len(node.body) != 1 or not _ends_function(node.body[0]):
            return None
        arms.append(
            (
                [node.test, node.body[0]],
                f"if {ast.unparse(node.test)}:\n    {ast.unparse(node.body[0])}",
            )
        )
        node = node.orelse[0] if len(node.orelse) == 1 else None if not node.orelse else False
        if node is False:
            return None
    default = [node] if node is not None else group[1:]
    if len(default) != 1 or not _ends_function(default[0]) or (node is not None and group[1:]):
        return None
    arms.append(([default[0]], ast.unparse(default[0])))
    return arms


def _is_loop(statement: ast.stmt) -> bool:
    """A ``for`` loop translated header and body apart: ``For[$x <- ...]`` over its lines."""
    return isinstance(statement, ast.For) and not statement.orelse


def _signature(function: ast.FunctionDef, keep: set[str] | None, *, returns: bool = True) -> str:
    """``def f(...) -> T:`` with only the parameters in ``keep`` (all when None)."""
    arguments = function.args.args
    defaults = [None] * (len(arguments) - len(function.args.defaults)) + function.args.defaults
    written = []
    for argument, default in zip(arguments, defaults, strict=True):
        if keep is not None and argument.arg not in keep:
            continue
        text = argument.arg
        if argument.annotation is not None:
            text += f": {ast.unparse(argument.annotation)}"
        if default is not None:
            text += (
                f" = {ast.unparse(default)}" if argument.annotation else f"={ast.unparse(default)}"
            )
        written.append(text)
    result = function.returns
    arrow = f" -> {ast.unparse(result)}" if returns and result is not None else ""
    return f"def {function.name}({', '.join(written)}){arrow}:"


def split_viba(text: str) -> list[str] | None:
    """The parts of a one-definition Viba text in :func:`split_python`'s order (result type and
    hints, each input, each top-level statement block); None when it has no such shape."""
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
    starts = [statement.line - 1 for statement in body] + [len(lines)]
    pieces = [_dedented("".join(lines[a:b])) for a, b in itertools.pairwise(starts)]
    header = list(zip(body[:count], pieces[:count], strict=True))
    inputs = [p for s, p in header if isinstance(s, viba_ast.Binding) and s.kind == "input"]
    result = [p for s, p in header if not (isinstance(s, viba_ast.Binding) and s.kind == "input")]
    parts = ["".join(result), *inputs]
    for statement, piece in zip(body[count:], pieces[count:], strict=True):
        arms = match_arms(piece)
        if arms is not None:  # <- Match[a, b, c]: one part per arm
            parts += [f"<- Match[{arm}]\n" for arm in arms]
        elif isinstance(statement, viba_ast.Binding) and statement.block:  # For[...] and its lines
            block_lines = piece.splitlines(keepends=True)
            inner = [s.line - statement.line for s in statement.block] + [len(block_lines)]
            parts.append(block_lines[0])
            parts += [_dedented("".join(block_lines[a:b])) for a, b in itertools.pairwise(inner)]
        else:
            parts.append(piece)
    return [f"{name} :=\n" + textwrap.indent(part, "    ") for part in parts]


def unit_mark(text: str) -> str | None:
    """The mark on a unit's ``def`` line (``parameter v2``, ``statement, returns v3``), if any."""
    first = text.split("\n", 1)[0]
    if not first.startswith("def ") or "  # " not in first:
        return None
    return first.rsplit("  # ", 1)[1]


def unit_kind(text: str) -> str | None:
    """The kind (``result``, ``parameter``, ``statement``, ``loop``, ``body``, ``arm``) of a
    unit of :func:`split_python`, or None for anything else."""
    mark = unit_mark(text)
    return next((kind for kind in KINDS if mark.startswith(kind)), None) if mark else None


def unit_pairs(python: str, viba: str) -> list[UnitPair]:
    """The units of a (Python, Viba) pair, or the whole pair when its parts do not line up."""
    sources, targets = split_python(python), split_viba(viba)
    if targets is None or len(targets) != len(sources):
        return [UnitPair(python, viba)]
    return [UnitPair(s, t) for s, t in zip(sources, targets, strict=True)]


def join_units(units: list[str], answers: list[str]) -> str:
    """The translation of a function from its units' answers (same order as ``units``).

    Each answer is cut to what its unit stands for: the result answer to its definition line,
    result type and hints, a parameter answer to its input line, a statement answer to its
    first block. A small model that does not stop repeats lines after its answer; the unit's
    shape says where the answer ends.
    """
    kinds = [unit_kind(unit) for unit in units]
    if RESULT not in kinds:
        return "".join(_normalized(answer) for answer in answers if answer.strip())
    definition, result, hints = result_lines(answers[kinds.index(RESULT)])
    inputs, blocks, previous = [], [], None
    for kind, answer in zip(kinds, answers, strict=True):
        block = statement_block(answer)
        if kind == PARAMETER:
            inputs.append(block)
        elif kind == STATEMENT:
            blocks.append(block)
        elif kind == LOOP:  # its header line only: its body comes from the body units
            blocks.append(block.split("\n", 1)[0] + "\n" if block.strip() else "")
        elif kind == BODY:
            blocks.append(textwrap.indent(block, "    "))
        elif kind == ARM:  # consecutive arms are one Match
            arm = (match_arms(block) or [""])[0]
            if blocks and blocks[-1].startswith("<- Match[") and previous == ARM:
                blocks[-1] = blocks[-1][:-2] + f", {arm}]\n"
            elif arm:
                blocks.append(f"<- Match[{arm}]\n")
        previous = kind
    body = "".join([*result, *inputs, *hints, *blocks])
    return definition + textwrap.indent(body, "    ")


def match_arms(piece: str) -> list[str] | None:
    """The arms of a one-line ``<- Match[...]``, split at its top-level commas; else None."""
    line = piece.strip()
    if not (line.startswith("<- Match[") and line.endswith("]")) or "\n" in line:
        return None
    arms, depth, quote, start = [], 0, None, len("<- Match[")
    for index, char in enumerate(line[start:-1], start):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"`":
            quote = char if char != "`" else None
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            arms.append(line[start:index].strip())
            start = index + 1
    arms.append(line[start:-1].strip())
    return arms if all(arms) else None


def result_lines(answer: str) -> tuple[str, list[str], list[str]]:
    """A result answer's definition line, result type lines and hint lines (unindented)."""
    lines = [line.strip() for line in answer.strip("\n").splitlines() if line.strip()]
    if not lines or not lines[0].endswith(":="):
        return "", [], []
    rest = [line + "\n" for line in lines[1:]]
    result = [line for n, line in enumerate(rest) if n == 0 or line.startswith("|")]
    hints = [line for line in rest if line.startswith("#")]
    return lines[0] + "\n", [line for line in result if not line.startswith(("<-", "#"))], hints


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


def returned_local(function: ast.FunctionDef) -> str | None:
    """The local (assigned or defined in the body) a function ends by returning, if any."""
    last = function.body[-1]
    if not (isinstance(last, ast.Return) and isinstance(last.value, ast.Name)):
        return None
    nodes = list(ast.walk(function))
    stored = {n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    defined = {n.name for n in nodes[1:] if isinstance(n, ast.FunctionDef)}
    return last.value.id if last.value.id in stored | defined else None


def marked_return(unit: str) -> str | None:
    """The returned local a unit's mark names (``# statement, returns v3``), if any."""
    mark = unit_mark(unit) or ""
    return mark.rsplit(", returns ", 1)[1].strip() if ", returns " in mark else None


def _exits(function: ast.FunctionDef) -> str:
    """What decides a result type: every ``return`` and ``raise`` of the function, in order, and
    the signature of a nested function it returns (``...`` when there is none)."""
    returned = returned_local(function)
    lines, pending = [], list(function.body)
    while pending:  # the function's own statements, not those of nested functions
        node = pending.pop(0)
        if isinstance(node, ast.Return | ast.Raise):
            lines.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.FunctionDef):
            if node.name == returned:
                lines.append((node.lineno, _signature(node, None) + " ..."))
        else:
            pending += [n for n in ast.iter_child_nodes(node) if isinstance(n, ast.stmt)]
    return "".join(f"    {line}\n" for _, line in sorted(lines)) or "    ...\n"


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
