import pytest
from neurallambda import (
    IntegerRangeError,
    NoNormalFormError,
    ProgramTooLargeError,
    compile_text,
    normalize,
    show,
    trace,
)


def evaluate(text: str, **limits) -> str:
    return show(normalize(compile_text(text), **limits).term)


@pytest.mark.parametrize(
    ("program", "result"),
    [
        ("((fn [x] x) 42)", "42"),
        ("((fn [x] (fn [y] (x y))) y)", "(fn [y1] (y y1))"),
        ("((fn [x] ((fn [x] x) 5)) 4)", "5"),
        ("(+ 2 (* 3 -4))", "-10"),
        ("(- 1 5)", "-4"),
        ("(<= 3 3)", "true"),
        ("(if (> 1 2) 10 20)", "20"),
        ("(not (= 1 1))", "false"),
        ("(car (cdr '(1 2 3)))", "2"),
        ("(cdr (cons 1 '()))", "'()"),
        ("(fn [x] ((fn [y] y) x))", "(fn [x] x)"),
        ("(+ z 1)", "(+ z 1)"),
        ("(car 5)", "(car 5)"),
        ("(defn twice [f x] (f (f x))) (twice (fn [n] (* n 2)) 3)", "12"),
    ],
)
def test_normal_forms(program, result):
    assert evaluate(program) == result


def test_if_does_not_evaluate_the_branch_it_drops():
    omega = "((fn [w] (w w)) (fn [w] (w w)))"
    assert evaluate(f"(if true 1 {omega})", max_steps=10) == "1"


def test_normal_order_reaches_normal_form_when_the_argument_diverges():
    assert evaluate("((fn [x] 7) ((fn [w] (w w)) (fn [w] (w w))))", max_steps=5) == "7"


def test_trace_lists_each_reduct():
    steps = [show(t) for t in trace(compile_text("((fn [x y] (+ x y)) 1 2)"))]
    assert steps == ["((fn [x y] (+ x y)) 1 2)", "((fn [y] (+ 1 y)) 2)", "(+ 1 2)", "3"]


def test_divergence_is_reported():
    with pytest.raises(NoNormalFormError):
        normalize(compile_text("((fn [w] (w w)) (fn [w] (w w)))"), max_steps=20)


def test_growth_past_the_memory_is_reported():
    with pytest.raises(ProgramTooLargeError, match="after 1 steps"):
        normalize(compile_text("((fn [x] '(x x x)) '(1 2 3))"), max_cells=20)


def test_integer_overflow_is_reported():
    with pytest.raises(IntegerRangeError, match="10000"):
        normalize(compile_text("(* 100 100)"), int_range=(-128, 128))
