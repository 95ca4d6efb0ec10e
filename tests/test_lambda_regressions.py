"""Regressions for the original neurallambda's failures, and its d01 demo programs."""

from __future__ import annotations

import pytest
import torch
from neurallambda import (
    App,
    Free,
    Lam,
    MachineConfig,
    NoNormalFormError,
    ProgramTooLargeError,
    ReductionMachine,
    Var,
    compile_text,
    normalize,
    show,
)

DEFAULT = MachineConfig()  # 64 cells, vec size 512

# (program, true result) for the d01 demo programs; the original's comment for demo 4 was wrong
D01_DEMOS = [
    ("((fn [x] x) 42)", "42"),
    ("((fn [x] '(1 x)) 13)", "'(1 13)"),
    ("((fn [x y z] '(x y z)) 1 2 3)", "'(1 2 3)"),
    ("((fn [x y] '(1 y x)) 10 100)", "'(1 100 10)"),
    ("((fn [x f] (f x)) 42 (fn [y] '(0 y y 100 y)))", "'(0 42 42 100 42)"),
    (
        "((fn [g f z] (g (f z))) (fn [y] '(y y y)) (fn [x] '(x x)))",
        "(fn [z] '('(z z) '(z z) '(z z)))",
    ),
]
Y_COMBINATOR = "(fn [f] ((fn [x] (x x)) (fn [y] (f (fn [z] ((y y) z))))))"


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def machine() -> ReductionMachine:
    return ReductionMachine(DEFAULT)


def run(machine: ReductionMachine, program: str, max_steps: int = 50):
    with torch.no_grad():
        return machine.evaluate([program], max_steps)[0]


def test_argument_named_like_an_inner_binder_is_not_captured(machine):
    result = run(machine, "((fn [x] (fn [y] (x y))) y)").unwrap()
    assert result == Lam("y", App(Free("y"), Var(0)))  # the body's y is still the free one
    assert show(result) == "(fn [y1] (y y1))"


def test_inner_binder_shadows_outer_one(machine):
    assert run(machine, "((fn [x] ((fn [x] x) 5)) 4)").text == "5"


def test_self_application_copies_binders_apart(machine):
    # both copies of (fn [w] ...) end up nested: a name-based machine would produce (fn [w] (w w))
    assert run(machine, "((fn [f] (f f)) (fn [y] (fn [w] (y w))))").text == "(fn [w w1] (w w1))"


@pytest.mark.parametrize(
    ("program", "result"),
    [
        ("(+ 40 2)", "42"),
        ("(- 3 10)", "-7"),
        ("(* -4 5)", "-20"),
        ("(< 1 2)", "true"),
        ("(>= 1 2)", "false"),
        ("(= 7 7)", "true"),
        ("(not true)", "false"),
        ("(if (< 2 1) 10 20)", "20"),
        ("(let [a 6 b (* a 7)] b)", "42"),
        ("(defn sq [n] (* n n)) (sq (sq 3))", "81"),
        ("(car (cdr (cons 1 '(2 3))))", "2"),
    ],
)
def test_arithmetic_and_booleans_evaluate(machine, program, result):
    assert run(machine, program).text == result


@pytest.mark.slow
def test_d01_demos_give_their_true_results_for_20_seeds():
    programs = [program for program, _ in D01_DEMOS]
    expected = [result for _, result in D01_DEMOS]
    assert [show(normalize(compile_text(p)).term) for p in programs] == expected
    for seed in range(20):
        machine = ReductionMachine(MachineConfig(seed=seed))  # the default sizes
        with torch.no_grad():
            outcomes = machine.evaluate(programs, max_steps=20)
        assert [o.text for o in outcomes] == expected, f"seed {seed}"


def test_y_combinator_is_reported_not_corrupted(machine):
    outcome = run(machine, f"({Y_COMBINATOR} (fn [r] r))", max_steps=30)
    assert isinstance(outcome.error, NoNormalFormError | ProgramTooLargeError)
    assert outcome.term is None
