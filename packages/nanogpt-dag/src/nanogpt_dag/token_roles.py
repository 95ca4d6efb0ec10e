"""What each character of an arithmetic question stands for, and the DAG it spells.

The DAG-GPT's head predicts, at every position, the *role* of that character (ROLES) and, for a
digit, its value. `canonical_text` turns a sequence of roles and digits into plain arithmetic
text, which `dag_executor` parses into the DAG that the executor runs; `digit_places` says which
DAG digit slot (initial node, place) each digit character fills, so that the executor can read
the head's digit probabilities directly (the execution loss reaches the digit scores).

A word spells its operator on its last letter ("plus" is none, none, none, plus), so a causal
model has read the whole word when it names the operator. Unary and binary minus share one role:
the parser tells them apart from their neighbours.
"""

from __future__ import annotations

from collections.abc import Sequence

from dag_executor import DagConfig

ROLES = ("none", "digit", "point", "plus", "minus", "times", "divide", "open", "close")
"""Role classes, in the order of the head's role scores."""

NONE, DIGIT, POINT, PLUS, MINUS, TIMES, DIVIDE, OPEN, CLOSE = range(len(ROLES))

ROLE_SYMBOLS = {POINT: ".", PLUS: "+", MINUS: "-", TIMES: "*", DIVIDE: "/", OPEN: "(", CLOSE: ")"}
"""The character each role other than none and digit writes in canonical text."""


def canonical_text(roles: Sequence[int], digits: Sequence[int]) -> str:
    """Plain arithmetic text spelled by per-character `roles` and `digits`.

    Digits and points that stand next to each other form one number; any other character ends
    it, so "1 2" spells two numbers (and does not parse). Lexemes are joined by single spaces.

    >>> from nanogpt_dag.token_roles import DIGIT, NONE, PLUS
    >>> canonical_text([DIGIT, DIGIT, NONE, PLUS, NONE, DIGIT], [1, 2, 0, 0, 0, 7])
    '12 + 7'
    """
    lexemes: list[str] = []
    number = ""
    for role, digit in zip(roles, digits, strict=True):
        if role in (DIGIT, POINT):
            number += str(digit) if role == DIGIT else "."
            continue
        if number:
            lexemes.append(number)
            number = ""
        if role != NONE:
            lexemes.append(ROLE_SYMBOLS[role])
    if number:
        lexemes.append(number)
    return " ".join(lexemes)


def digit_places(roles: Sequence[int], config: DagConfig) -> list[tuple[int, int, int]]:
    """(character index, initial node, place) of every digit character that fits `config`.

    Numbers are initial nodes in reading order (as `dag_executor.expression_to_dag` allocates
    them); integer digits are right-aligned on the M integer places, decimals fill the K places
    after them. Digits beyond the DAG's capacity are left out (the DAG itself will not build).
    """
    places: list[tuple[int, int, int]] = []
    node, start = -1, None
    for index in range(len(roles) + 1):
        in_number = index < len(roles) and roles[index] in (DIGIT, POINT)
        if in_number and start is None:
            node, start = node + 1, index
        if not in_number and start is not None:
            places.extend(_number_places(roles, start, index, node, config))
            start = None
    return places


def _number_places(
    roles: Sequence[int], start: int, end: int, node: int, config: DagConfig
) -> list[tuple[int, int, int]]:
    """The places of the digits of one number, characters start..end-1."""
    if node >= config.num_initial:
        return []
    span = list(range(start, end))
    point = next((i for i in span if roles[i] == POINT), end)
    integer = [i for i in span if i < point and roles[i] == DIGIT]
    decimals = [i for i in span if i > point and roles[i] == DIGIT]
    places = [
        (i, node, config.max_digits - len(integer) + k)
        for k, i in enumerate(integer)
        if k >= len(integer) - config.max_digits
    ]
    places += [
        (i, node, config.max_digits + k) for k, i in enumerate(decimals) if k < config.max_decimals
    ]
    return places
