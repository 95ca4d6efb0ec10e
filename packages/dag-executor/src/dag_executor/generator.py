"""Seeded random expression trees with disjoint train / val / test splits.

Every example is a function of ``(seed, split, index)`` alone: it draws from its own
``random.Random`` stream whose integer seed ``((seed * 2**64 + index) * 3 + split_id)`` differs for
every triple, so the splits never share a stream. On top of that each *expression* belongs to
exactly one split: its normalised text is hashed (BLAKE2b) to a number in [0, 1) that is compared
with ``split_fractions``, and a generator only emits expressions of its own split (it redraws,
from the same stream, otherwise). So train, val and test never overlap, by construction.

Trees are random binary trees over 1..max_numbers numbers whose split points are uniform, so they
are balanced, unbalanced or chains; each internal node is one of ``+ - * /`` drawn from
``operation_weights``; a subtree may be negated and a number may be negative.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Literal

from dag_executor.config import DEFAULT_CONFIG, DagConfig
from dag_executor.errors import DagError
from dag_executor.ir import Add, Expr, Mul, Neg, Number, Recip, normalize
from dag_executor.parser import parse_expression
from dag_executor.tensors import DagTensors, expression_to_dag

Split = Literal["train", "val", "test"]
SPLITS: tuple[Split, ...] = ("train", "val", "test")
_OPERATIONS = ("+", "-", "*", "/")


def split_of(expr: Expr, split_fractions: tuple[float, float, float] = (0.8, 0.1, 0.1)) -> Split:
    """The split a (normalised) expression belongs to, from a hash of its text."""
    digest = hashlib.blake2b(str(expr).encode(), digest_size=8).digest()
    position = int.from_bytes(digest, "big") / 2**64
    edge = 0.0
    for split, fraction in zip(SPLITS, split_fractions, strict=True):
        edge += fraction
        if position < edge:
            return split
    return SPLITS[-1]


class ExpressionGenerator:
    """Random arithmetic expressions that fit a DagConfig, deterministic per (seed, split, index).

    Args:
        config: depth and digit limits; every expression converts with ``expression_to_dag``.
        split: "train", "val" or "test".
        seed: base seed (>= 0).
        operation_weights: relative frequency of "+", "-", "*", "/" (missing ones are 0).
        min_numbers, max_numbers: numbers per expression (default 2 .. depth + 1).
        negative_probability: chance that a number is negative.
        negation_probability: chance that a subtree of two or more numbers is negated.
        split_fractions: the share of all expressions that belongs to train, val and test.

    ``sample(index)`` returns ``(text, expr)``: the text as a person would write it and its
    normalised IR (``normalize(parse_expression(text)) == expr``). Iterating yields
    ``sample(0), sample(1), ...``.
    """

    def __init__(
        self,
        config: DagConfig = DEFAULT_CONFIG,
        split: Split = "train",
        seed: int = 0,
        *,
        operation_weights: Mapping[str, float] | None = None,
        min_numbers: int = 2,
        max_numbers: int | None = None,
        negative_probability: float = 0.2,
        negation_probability: float = 0.1,
        split_fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
    ) -> None:
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        if seed < 0:
            raise ValueError(f"seed must be >= 0, got {seed}")
        weights = dict.fromkeys(_OPERATIONS, 1.0) if operation_weights is None else {}
        for op, weight in (operation_weights or {}).items():
            if op not in _OPERATIONS:
                raise ValueError(f"unknown operation {op!r}; choose from {_OPERATIONS}")
            weights[op] = float(weight)
        self.max_numbers = config.num_initial if max_numbers is None else max_numbers
        if not 1 <= min_numbers <= self.max_numbers <= config.num_initial:
            raise ValueError(
                f"need 1 <= min_numbers <= max_numbers <= depth + 1 = {config.num_initial}, "
                f"got {min_numbers} and {self.max_numbers}"
            )
        if self.max_numbers > 1 and sum(weights.values()) <= 0:
            raise ValueError("operation_weights must give some operation a positive weight")
        if split_fractions[SPLITS.index(split)] <= 0:
            raise ValueError(f"split {split!r} has no share in split_fractions={split_fractions}")
        self.config = config
        self.split = split
        self.seed = seed
        self.min_numbers = min_numbers
        self.operations = [op for op in _OPERATIONS if weights.get(op, 0) > 0]
        self.weights = [weights[op] for op in self.operations]
        self.negative_probability = negative_probability
        self.negation_probability = negation_probability
        self.split_fractions = split_fractions

    def _stream(self, index: int) -> random.Random:
        if index < 0:
            raise IndexError(f"index must be >= 0, got {index}")
        return random.Random((self.seed * 2**64 + index) * 3 + SPLITS.index(self.split))

    def sample(self, index: int) -> tuple[str, Expr]:
        """The example number ``index`` of this (seed, split): ``(text, normalised expr)``."""
        text, expr, _ = self.sample_with_dag(index)
        return text, expr

    def sample_with_dag(self, index: int) -> tuple[str, Expr, DagTensors]:
        """``sample(index)`` plus its ``expression_to_dag(expr, config)`` tensors, which the
        generator builds anyway to check that the expression fits the config."""
        rng = self._stream(index)
        while True:
            count = rng.randint(self.min_numbers, self.max_numbers)
            text = str(self._tree(rng, count))
            try:
                expr = normalize(parse_expression(text))
                if split_of(expr, self.split_fractions) != self.split:
                    continue  # the expression belongs to another split: draw again
                tensors = expression_to_dag(expr, self.config)
            except DagError:  # e.g. a division by an expression equal to 0: draw again
                continue
            return text, expr, tensors

    def __iter__(self) -> Iterator[tuple[str, Expr]]:
        index = 0
        while True:
            yield self.sample(index)
            index += 1

    def longest_text(self) -> str:
        """A longest text this generator can write: no ``sample(i)[0]`` is longer.

        Built, not sampled: for each count of numbers it keeps, per way a parent renders a
        subtree (``_rendering_class``), the longest subtree, so the few survivors are combined
        with every operation and negation the generator may draw, from numbers of the most
        digits (negative ones when it draws those). A parent's length is its children's plus
        what their classes add, so the longest of each class is all it needs.
        """
        digits = "9" * self.config.max_digits
        if self.config.max_decimals:
            digits += "." + "9" * self.config.max_decimals
        numbers = [Number(Decimal(digits))]
        if self.negative_probability > 0:
            numbers.append(Number(-Decimal(digits)))
        longest: dict[int, list[Expr]] = {1: numbers}
        for count in range(2, self.max_numbers + 1):
            by_class: dict[tuple[object, ...], Expr] = {}
            for left_count in range(1, count):
                for left in longest[left_count]:
                    for right in longest[count - left_count]:
                        for op in self.operations:
                            node = _apply(op, left, right)
                            negated = [Neg(node)] if self.negation_probability > 0 else []
                            for tree in (node, *negated):
                                key = _rendering_class(tree)
                                if key not in by_class or len(str(tree)) > len(str(by_class[key])):
                                    by_class[key] = tree
            longest[count] = list(by_class.values())
        candidates = (
            tree for n in range(self.min_numbers, self.max_numbers + 1) for tree in longest[n]
        )
        return max((str(tree) for tree in candidates), key=len)

    def _tree(self, rng: random.Random, count: int) -> Expr:
        if count == 1:
            return self._number(rng)
        left_count = rng.randint(1, count - 1)
        left, right = self._tree(rng, left_count), self._tree(rng, count - left_count)
        node = _apply(rng.choices(self.operations, self.weights)[0], left, right)
        return Neg(node) if rng.random() < self.negation_probability else node

    def _number(self, rng: random.Random) -> Number:
        integer_digits = rng.randint(1, self.config.max_digits)
        decimals = rng.randint(0, self.config.max_decimals)
        mantissa = rng.randrange(10 ** (integer_digits + decimals))
        value = Decimal(mantissa).scaleb(-decimals)
        return Number(-value if rng.random() < self.negative_probability else value)


def _apply(op: str, left: Expr, right: Expr) -> Expr:
    """The tree of ``left op right`` as the generator writes it (``a - b`` is ``a + -b``)."""
    if op == "+":
        return Add((left, right))
    if op == "-":
        return Add((left, Neg(right)))
    if op == "*":
        return Mul((left, right))
    return Mul((left, Recip(right)))


def _rendering_class(expr: Expr) -> tuple[object, ...]:
    """All that a parent's rendering looks at in ``expr`` besides its text: its kind, whether
    it is a negative number, and for a negation the same of its operand."""

    def kind(e: Expr) -> tuple[object, ...]:
        return type(e), isinstance(e, Number) and e.decimal < 0

    return kind(expr), kind(expr.operand) if isinstance(expr, Neg) else None
