"""Arithmetic questions written as people type them, with exact answers and splits.

A question is a random expression tree (numbers, `+ - * /`, negative numbers, negated groups)
written in one of RENDERINGS:

    spaced   12 + 3.5 * (4 - -7)
    compact  12+3.5*(4--7)
    parens   (12 + ((3.5) * (4 - (-7))))         redundant parentheses, negatives as "(-7)"
    words    12 plus 3.5 times (4 minus negative 7)        "divided by" for /

Its answer is the exact value rounded to two decimals (`format_answer`). Every character also
carries its role and digit (`nanogpt_dag.token_roles`): the targets of the DAG-GPT's head.

Splits (`make_questions`):

    train, test     same distribution (numbers of `digits`, `operands` numbers). An expression
                    belongs to one split by a hash of its commutation-invariant key, so neither
                    a test expression nor a commuted twin (`a + b` for `b + a`) is ever trained on.
    longer_numbers  numbers of `longer_digits` integer digits, `operands` numbers
    more_operands   numbers of `digits`, `more_operands` numbers

The two extrapolation splits hold only shapes the training split never has, and stay within the
DAG's capacity (`dag_config`), so a model that executes its DAG can answer them.
Every question set is free of duplicate expressions.
"""

from __future__ import annotations

import hashlib
import operator
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

from dag_executor import DagConfig, DagError, expression_to_dag

from nanogpt_dag.token_roles import (
    CLOSE,
    DIGIT,
    DIVIDE,
    MINUS,
    NONE,
    OPEN,
    PLUS,
    POINT,
    TIMES,
    canonical_text,
)

RENDERINGS = ("spaced", "compact", "parens", "words")
"""The ways a question is written (module docstring)."""

SPLITS = ("train", "test", "longer_numbers", "more_operands")

QUESTION_ALPHABET = "0123456789.+-*/() =;abcdefghijklmnopqrstuvwxyz"
"""Every character of a question-and-answer line (`;` ends an answer)."""

MAX_ANSWER = 10**8
"""Questions whose value reaches this magnitude are not drawn (answers stay short)."""

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
_SYMBOL_ROLES = {"+": PLUS, "-": MINUS, "*": TIMES, "/": DIVIDE}
_ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
_WORDS = {"+": "plus", "-": "minus", "*": "times", "/": "divided by"}


@dataclass(frozen=True)
class Question:
    """One question: its text, answer, rendering, per-character roles and digits, exact value,
    and `key`, the same for every rendering of the expression and for its commuted twins."""

    text: str
    answer: str
    rendering: str
    roles: tuple[int, ...]
    digits: tuple[int, ...]
    value: Fraction
    key: str

    @property
    def canonical(self) -> str:
        """The plain arithmetic text the roles spell (what the DAG is built from)."""
        return canonical_text(self.roles, self.digits)


def format_answer(value: Fraction | float) -> str:
    """`value` rounded to two decimals (half to even), without trailing zeros: 7, -3.5, 0.33."""
    exact = (
        Decimal(value.numerator) / Decimal(value.denominator)
        if isinstance(value, Fraction)
        else Decimal(value)
    )
    rounded = exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN).normalize()
    text = format(rounded, "f")
    return "0" if text in ("-0", "0") else text


@dataclass(frozen=True)
class QuestionShape:
    """What a split draws: integer digits per number and numbers per expression (inclusive)."""

    digits: tuple[int, int] = (1, 2)
    operands: tuple[int, int] = (2, 3)
    decimal_probability: float = 0.2
    negative_probability: float = 0.15
    negation_probability: float = 0.08


def split_shapes(
    digits: tuple[int, int] = (1, 2),
    operands: tuple[int, int] = (2, 3),
    longer_digits: tuple[int, int] = (3, 4),
    more_operands: tuple[int, int] = (4, 5),
) -> dict[str, QuestionShape]:
    """The shape of each split (module docstring)."""
    return {
        "train": QuestionShape(digits, operands),
        "test": QuestionShape(digits, operands),
        "longer_numbers": QuestionShape(longer_digits, operands),
        "more_operands": QuestionShape(digits, more_operands),
    }


def dag_config_for(shapes: dict[str, QuestionShape]) -> DagConfig:
    """The smallest DagConfig that holds every split of `shapes` (one decimal place)."""
    return DagConfig(
        depth=max(s.operands[1] for s in shapes.values()) - 1,
        max_digits=max(s.digits[1] for s in shapes.values()),
        max_decimals=1,
    )


# --- expression trees ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Number:
    text: str  # unsigned, e.g. "12.5"
    negative: bool

    @property
    def value(self) -> Fraction:
        return -Fraction(self.text) if self.negative else Fraction(self.text)

    @property
    def key(self) -> str:
        return ("-" if self.negative else "") + self.text


@dataclass(frozen=True)
class _Operation:
    op: str
    left: _Node
    right: _Node
    negated: bool  # written -( ... )

    @property
    def value(self) -> Fraction:
        a, b = self.left.value, self.right.value
        if self.op == "/" and b == 0:
            raise ZeroDivisionError
        result = _ARITHMETIC[self.op](a, b)
        return -result if self.negated else result

    @property
    def key(self) -> str:
        """Equal for commuted twins: the operands of + and * are sorted."""
        left, right = self.left.key, self.right.key
        if self.op in "+*":
            left, right = sorted((left, right))
        return ("neg" if self.negated else "") + f"({left}{self.op}{right})"


_Node = _Number | _Operation


def _random_number(rng: random.Random, shape: QuestionShape, digits: int) -> _Number:
    first = str(rng.randint(1, 9)) if digits > 1 else str(rng.randint(0, 9))
    text = first + "".join(str(rng.randint(0, 9)) for _ in range(digits - 1))
    if rng.random() < shape.decimal_probability:
        text += "." + str(rng.randint(0, 9))
    return _Number(text, rng.random() < shape.negative_probability)


def _random_tree(rng: random.Random, shape: QuestionShape, count: int) -> _Node:
    """A random binary tree over `count` numbers (split points uniform: balanced, lopsided or
    chains)."""
    numbers = iter(_random_number(rng, shape, rng.randint(*shape.digits)) for _ in range(count))

    def build(n: int) -> _Node:
        if n == 1:
            return next(numbers)
        left = rng.randint(1, n - 1)
        op = rng.choices("+-*/", weights=(1.0, 1.0, 1.0, 0.6))[0]
        negated = rng.random() < shape.negation_probability
        return _Operation(op, build(left), build(n - left), negated)

    return build(count)


# --- rendering ----------------------------------------------------------------------------


class _Writer:
    """Appends characters with their roles and digits."""

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.roles: list[int] = []
        self.digits: list[int] = []

    def word(self, text: str, role: int) -> None:
        """`text` whose last character carries `role` (the others none)."""
        for i, ch in enumerate(text):
            self.chars.append(ch)
            self.roles.append(role if i == len(text) - 1 else NONE)
            self.digits.append(0)

    def number(self, text: str) -> None:
        for ch in text:
            self.chars.append(ch)
            self.roles.append(POINT if ch == "." else DIGIT)
            self.digits.append(0 if ch == "." else int(ch))


def _render(tree: _Node, rendering: str, rng: random.Random) -> _Writer:
    out = _Writer()
    spaced = rendering != "compact"

    def operator(op: str) -> None:
        if rendering == "words":
            out.word(" " + _WORDS[op] + " ", NONE)
            out.roles[-2] = _SYMBOL_ROLES[op]  # the word's last letter, before the space
        else:
            out.word(f" {op} " if spaced else op, NONE)
            out.roles[-2 if spaced else -1] = _SYMBOL_ROLES[op]

    def minus() -> None:
        if rendering == "words":
            out.word("negative", MINUS)
            out.word(" ", NONE)
        else:
            out.word("-", MINUS)

    def write(node: _Node, parenthesize: bool) -> None:
        redundant = rendering == "parens" and rng.random() < 0.4
        if isinstance(node, _Number):
            wrap = node.negative and rendering == "parens"
            if wrap:
                out.word("(", OPEN)
            if node.negative:
                minus()
            out.number(node.text)
            if wrap:
                out.word(")", CLOSE)
            return
        wrap = parenthesize or redundant
        if wrap:
            out.word("(", OPEN)
        if node.negated:
            minus()
            out.word("(", OPEN)
        precedence = _PRECEDENCE[node.op]
        left_prec = _PRECEDENCE.get(getattr(node.left, "op", ""), 3)
        right_prec = _PRECEDENCE.get(getattr(node.right, "op", ""), 3)
        write(node.left, left_prec < precedence and not _negated(node.left))
        operator(node.op)
        right_needs = right_prec < precedence or (right_prec == precedence and node.op in "-/")
        write(node.right, right_needs and not _negated(node.right))
        if node.negated:
            out.word(")", CLOSE)
        if wrap:
            out.word(")", CLOSE)

    write(tree, rendering == "parens" and rng.random() < 0.3)
    return out


def _negated(node: _Node) -> bool:
    """A negated group is written -( ... ): its own parentheses already group it."""
    return isinstance(node, _Operation) and node.negated


# --- sampling -----------------------------------------------------------------------------


def _split_of_key(key: str, test_fraction: float) -> str:
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return "test" if int.from_bytes(digest, "big") / 2**64 < test_fraction else "train"


def _question(
    rng: random.Random, shape: QuestionShape, config: DagConfig, rendering: str
) -> Question | None:
    """A question of `shape`, or None when the draw does not make a good one."""
    tree = _random_tree(rng, shape, rng.randint(*shape.operands))
    try:
        value = tree.value
    except ZeroDivisionError:
        return None
    if abs(value) >= MAX_ANSWER or (value * 100).denominator == 2:  # a rounding tie
        return None
    written = _render(tree, rendering, rng)
    question = Question(
        "".join(written.chars),
        format_answer(value),
        rendering,
        tuple(written.roles),
        tuple(written.digits),
        value,
        tree.key,
    )
    try:
        expression_to_dag(question.canonical, config)
    except DagError:  # beyond the DAG's capacity
        return None
    return question


def iterate_questions(
    split: str,
    shape: QuestionShape,
    config: DagConfig,
    seed: int | str = 0,
    test_fraction: float = 0.1,
) -> Iterator[Question]:
    """An endless stream of questions of one split, renderings in turn, a function of
    (`seed`, `split`) alone.

    train and test draw from the same shape and keep the expressions whose key hashes into
    their split; the extrapolation splits keep every draw.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    rng = random.Random(f"{seed}/{split}")
    index = 0
    while True:
        question = _question(rng, shape, config, RENDERINGS[index % len(RENDERINGS)])
        if question is None:
            continue
        if split in ("train", "test") and _split_of_key(question.key, test_fraction) != split:
            continue
        index += 1
        yield question


def make_questions(
    split: str, count: int, shape: QuestionShape, config: DagConfig, seed: int = 0
) -> list[Question]:
    """`count` questions of `split`, renderings in turn, no expression twice (not even
    commuted)."""
    seen: set[str] = set()
    questions: list[Question] = []
    for question in iterate_questions(split, shape, config, seed):
        if question.key not in seen:
            seen.add(question.key)
            questions.append(question)
        if len(questions) == count:
            return questions
    raise AssertionError("unreachable: the stream is endless")
