"""Constrained decoding's grammars admit every reference answer and rule out copied ones.

llama.cpp is the grammar's real reader (an ``llm`` test of llm-backends runs one); here a small
recognizer of the GBNF subset the grammars use (literals, rule names, groups, ``|``, ``?``,
``*``, ``+``) checks which answers a unit's grammar admits.
"""

import json
import re
from functools import cache

import pytest

from viba_trainer.dataset import PAIR_NAMES, load_pairs
from viba_trainer.grammar import unit_grammar
from viba_trainer.translator import Translation

_TOKEN = re.compile(r'\s*("(?:\\.|[^"\\])*"|[A-Za-z][\w-]*|::=|[|()?*+])')


def admits(grammar: str, text: str) -> bool:
    """Whether ``text`` is a sentence of ``grammar``'s ``root``."""
    rules = {}
    for line in grammar.strip().splitlines():
        name, body = line.split("::=", 1)
        tokens = _TOKEN.findall(body)
        expression, rest = _alternatives(tokens)
        assert not rest, line
        rules[name.strip()] = expression

    @cache
    def rule_ends(name, start):
        return frozenset(ends(rules[name], start))

    def ends(node, start):
        kind = node[0]
        if kind == "literal":
            return {start + len(node[1])} if text.startswith(node[1], start) else set()
        if kind == "rule":
            return rule_ends(node[1], start)
        if kind == "alt":
            return set().union(*(ends(option, start) for option in node[1]))
        if kind == "seq":
            positions = {start}
            for item in node[1]:
                positions = set().union(*(ends(item, p) for p in positions)) if positions else set()
            return positions
        item, low = node[1], (1 if kind == "+" else 0)  # "?", "*", "+"
        reached, frontier, count = ({start} if low == 0 else set()), {start}, 0
        while frontier and (kind != "?" or count < 1):
            frontier = set().union(*(ends(item, p) for p in frontier)) - reached
            reached |= frontier
            count += 1
        return reached

    return len(text) in rule_ends("root", 0)


def _alternatives(tokens):
    options, rest = [], tokens
    while True:
        sequence, rest = _sequence(rest)
        options.append(sequence)
        if not rest or rest[0] != "|":
            return ("alt", tuple(options)), rest
        rest = rest[1:]


def _sequence(tokens):
    items, rest = [], tokens
    while rest and rest[0] not in ("|", ")"):
        head, rest = rest[0], rest[1:]
        if head == "(":
            item, rest = _alternatives(rest)
            rest = rest[1:]  # ")"
        elif head.startswith('"'):
            item = ("literal", json.loads(head))
        else:
            item = ("rule", head)
        if rest and rest[0] in ("?", "*", "+"):
            item, rest = (rest[0], item), rest[1:]
        items.append(item)
    return ("seq", tuple(items)), rest


def test_the_recognizer_reads_repetition_options_and_groups():
    grammar = 'root ::= "a" ("b" | "c")* x?\nx ::= "d"+'
    assert all(admits(grammar, t) for t in ("a", "abcb", "ad", "acddd"))
    assert not any(admits(grammar, t) for t in ("", "b", "abx", "ada"))


@pytest.mark.parametrize("name", PAIR_NAMES)
def test_every_reference_unit_is_admitted_by_its_grammar(name):
    (pair,) = load_pairs([name])
    translation = Translation.of(
        [pair.python], canonical=True, statements=True, references=[pair.viba]
    )
    for unit, target in zip(translation.units[0], translation.unit_targets[0], strict=True):
        grammar = unit_grammar(unit)
        assert grammar is not None, unit
        assert admits(grammar, target), (unit, target)


STATEMENT = 'def f1(v1: str, v2: str) -> str:  # statement, returns v3\n    v4 = v1 + "s1" + v2\n'
BODY = "def f1() -> int:  # body, returns v1\n    v2 = v3 * v3\n"
ARM = (
    "def f1(v1: list[str], v2: int) -> str:  # arm\n"
    "    if v2 >= len(v1):\n"
    "        raise IndexError('s1')\n"
)
NEAR_MISSES = [
    # (unit, answer): what the 135M model wrote, copying its example
    (STATEMENT, 'f1 :=\n    $v3 = $v4 + "s1" + $v1 + "s2"\n'),  # the example's names and string
    (STATEMENT, 'f1 :=\n    $v4 = $v1 + "s1" + $v2\n'),  # a new local without its type
    (STATEMENT, 'f1 :=\n    v4 = v1 + "s1" + v2\n'),  # Python left
    (BODY, "f1 :=\n    $v2 int = $v2 * $v3\n"),  # the new local on its own right-hand side
    (BODY, "f1 :=\n    $v2 int = $v3 * 2\n"),  # a number the unit does not have
    (BODY, "f1 :=\n    $v2 int = $v3 + $v3\n"),  # an operator it does not have
    (ARM, "f1 :=\n    <- Match[$v1 >= ][$v2 -> 's1']\n"),  # brackets that do not balance
    (ARM, "f1 :=\n    <- Match[$v2 >= Size[$v1] -> Raise[`IndexError 's1']]\n"),  # a call it lacks
    (ARM, "f1 :=\n    <- Match[$v2 >= Len[$v1] -> Raise[`ValueError 's1']]\n"),  # another tag
]


@pytest.mark.parametrize(("unit", "answer"), NEAR_MISSES)
def test_copied_and_python_answers_are_ruled_out(unit, answer):
    assert not admits(unit_grammar(unit), answer)


def test_the_right_answers_of_those_units_are_admitted():
    assert admits(unit_grammar(STATEMENT), 'f1 :=\n    $v4 str = $v1 + "s1" + $v2\n')
    assert admits(unit_grammar(BODY), "f1 :=\n    $v2 int = $v3 * $v3\n")
    answer = "f1 :=\n    <- Match[$v2 >= Len[$v1] -> Raise[`IndexError 's1']]\n"
    assert admits(unit_grammar(ARM), answer)


def test_text_that_is_not_a_canonical_unit_is_translated_unconstrained():
    assert unit_grammar("def add(a, b):\n    return a + b\n") is None
    assert unit_grammar("plain text") is None
