"""Arithmetic questions: answers are exact, roles spell the expression, splits never leak."""

import re
from fractions import Fraction

import pytest
from dag_executor import expression_to_dag, to_expr
from nanogpt_dag.questions import (
    QUESTION_ALPHABET,
    RENDERINGS,
    SPLITS,
    dag_config_for,
    format_answer,
    iterate_questions,
    make_questions,
    split_shapes,
)
from nanogpt_dag.token_roles import DIGIT, NONE, POINT, ROLE_SYMBOLS

SHAPES = split_shapes()
CONFIG = dag_config_for(SHAPES)


@pytest.fixture(scope="module")
def question_sets():
    return {split: make_questions(split, 200, SHAPES[split], CONFIG, seed=3) for split in SPLITS}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(7), "7"),
        (Fraction(-7, 2), "-3.5"),
        (Fraction(1, 3), "0.33"),
        (Fraction(2, 3), "0.67"),
        (Fraction(-1, 1000), "0"),
        (Fraction(123456789, 100), "1234567.89"),
        (491.00000000001, "491"),
        (-3.4999999999, "-3.5"),
    ],
)
def test_format_answer_rounds_to_two_decimals(value, text):
    assert format_answer(value) == text


def test_every_answer_is_the_value_of_the_spelled_expression(question_sets):
    for questions in question_sets.values():
        for q in questions:
            assert Fraction(to_expr(q.canonical).value()) == q.value, q.text
            assert q.answer == format_answer(q.value)
            expression_to_dag(q.canonical, CONFIG)  # fits the DAG, or raises


def test_roles_name_the_characters_they_sit_on(question_sets):
    for questions in question_sets.values():
        for q in questions:
            assert len(q.roles) == len(q.digits) == len(q.text)
            assert set(q.text + "=;") <= set(QUESTION_ALPHABET)
            for ch, role, digit in zip(q.text, q.roles, q.digits, strict=True):
                if role == DIGIT:
                    assert ch == str(digit)
                elif role == POINT:
                    assert ch == "."
                elif role != NONE and q.rendering != "words":
                    assert ch == ROLE_SYMBOLS[role]
                elif role == NONE:
                    assert not ch.isdigit() and ch not in "+-*/()."


def test_renderings_look_as_documented(question_sets):
    by_rendering = {r: [q for q in question_sets["test"] if q.rendering == r] for r in RENDERINGS}
    assert all(len(qs) >= 40 for qs in by_rendering.values())
    assert all(" " not in q.text for q in by_rendering["compact"])
    assert all(re.search(r"[+*/]| - ", q.text) for q in by_rendering["spaced"])
    words = " ".join(q.text for q in by_rendering["words"])
    assert not re.search(r"[+*/]|\d -|- \d", words)
    assert all(f" {w} " in words for w in ("plus", "minus", "times", "divided by", "negative"))
    negatives = [q.text for q in by_rendering["parens"] if "-" in q.text]
    assert negatives and all(re.search(r"\(-", t) for t in negatives if re.search(r"-\d", t))
    assert any(text.count("(") > 1 for text in (q.text for q in by_rendering["parens"]))


def test_splits_are_disjoint_even_when_commuted():
    train_keys = {q.key for q in _take(iterate_questions("train", SHAPES["train"], CONFIG), 4000)}
    test = make_questions("test", 400, SHAPES["test"], CONFIG)
    assert not train_keys & {q.key for q in test}
    assert len({q.key for q in test}) == len(test)  # no duplicates


def test_commuted_twins_share_a_key():
    # keys sort the operands of + and *: find a twin pair in a stream and check they collide
    pool = make_questions("train", 3000, SHAPES["train"], CONFIG, seed=5)
    assert len({q.key for q in pool}) == len(pool)
    twins = {q.key for q in pool if re.fullmatch(r"\(\d+\+\d+\)", q.key)}
    for key in twins:
        a, b = key[1:-1].split("+")
        assert key == f"({min(a, b)}+{max(a, b)})"


def test_extrapolation_splits_hold_only_unseen_shapes(question_sets):
    for q in question_sets["longer_numbers"]:
        numbers = re.findall(r"\d+(?:\.\d)?", q.canonical)
        assert all(len(n.split(".")[0]) >= 3 for n in numbers), q.text
        assert 2 <= len(numbers) <= 3
    for q in question_sets["more_operands"]:
        numbers = re.findall(r"\d+(?:\.\d)?", q.canonical)
        assert 4 <= len(numbers) <= 5, q.text
        assert all(len(n.split(".")[0]) <= 2 for n in numbers)
    for q in question_sets["train"]:
        numbers = re.findall(r"\d+(?:\.\d)?", q.canonical)
        assert 2 <= len(numbers) <= 3 and all(len(n.split(".")[0]) <= 2 for n in numbers)


def test_streams_are_seeded():
    first = _take(iterate_questions("test", SHAPES["test"], CONFIG, seed=9), 30)
    again = _take(iterate_questions("test", SHAPES["test"], CONFIG, seed=9), 30)
    other = _take(iterate_questions("test", SHAPES["test"], CONFIG, seed=10), 30)
    assert first == again and first != other


def test_unknown_split_is_named():
    with pytest.raises(ValueError, match="split must be one of"):
        next(iterate_questions("valid", SHAPES["train"], CONFIG))


def _take(stream, n):
    return [next(stream) for _ in range(n)]
