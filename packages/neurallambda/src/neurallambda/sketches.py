"""The sketch suite: 44 small programs with holes, each with training and held-out examples.

Every task is written as (name, sketch, the filling that solves it, training inputs, held-out
inputs); the examples' outputs come from the reference interpreter running that filling, so a
task cannot hold a wrong example. Constants, operators, conditionals, lists, let and
higher-order functions, a choice between terms of different shapes; one to four holes
(16 tasks with one hole, whose at most 19 fillings random search tries quickly too).
"""

from __future__ import annotations

from neurallambda.learn import Sketch, reference_output

_TASKS = [
    ("add_constant", "(fn [x] (+ x ?int))", [5], [3, 10, -2], [0, 7]),
    ("subtract_constant", "(fn [x] (- x ?int))", [4], [9, 1, -3], [0, 6]),
    ("scale", "(fn [x] (* x ?int))", [-3], [2, 5, -1], [0, 4]),
    ("constant_minus", "(fn [x] (- ?int x))", [7], [1, 10, -2], [3, 0]),
    ("pick_operator", "(fn [x] (?op x 3))", ["*"], [4, 5, -2], [2, -1]),
    ("square", "(fn [x] (?op x x))", ["*"], [3, -4, 5], [2, 6]),
    ("affine", "(fn [x] (+ (* x ?int) ?int))", [3, 2], [1, 2, 3], [0, 4]),
    ("two_operators", "(fn [x] (?op (?op x 2) 1))", ["+", "*"], [1, 3, 5], [0, -2]),
    ("below", "(fn [x] (< x ?int))", [4], [1, 3, 4, 6, 9], [-5, 5, 10]),
    ("equals", "(fn [x] (= x ?int))", [6], [6, 2, 9], [0, 7]),
    ("threshold", "(fn [x] (if (< x ?int) 0 1))", [2], [0, 1, 2, 5], [-3, 8]),
    ("clamp_negative", "(fn [x] (if (< x 0) ?int x))", [0], [-5, 3, -1], [-8, 6]),
    ("maximum", "(fn [x] (if (< x ?int) ?int x))", [3, 3], [0, 2, 5, 8], [-4, 3, 9]),
    ("absolute", "(fn [x] (if (< x 0) (?op 0 x) x))", ["-"], [-4, 3, -7], [-2, 5]),
    ("shifted_square", "(fn [x] (+ (* x x) ?int))", [-2], [1, 3, -2], [0, 4]),
    ("scaled_sum", "(fn [x] (* (+ x ?int) ?int))", [1, 2], [0, 2, 3], [1, -1]),
    ("let_scale", "(fn [x] (let [k ?int] (+ (* x k) k)))", [2], [1, 3, -1], [0, 4]),
    ("twice", "(fn [x] ((fn [f] (f (f x))) (fn [y] (+ y ?int))))", [3], [0, 5, -4], [1, 2]),
    (
        "second_item",
        "(fn [x] (car (cdr (cons x (cons (?op x ?int) '())))))",
        ["*", 2],
        [1, 3, -2],
        [4, 0],
    ),
    ("three_holes", "(fn [x] (?op (* x ?int) ?int))", ["-", 2, 1], [1, 2, 4], [0, 3]),
    (
        "choose_function",
        "(fn [x] (?term{(fn [y] (* y y))|(fn [y] (+ y y))|(fn [y] (- 0 y))} x))",
        ["(fn [y] (+ y y))"],
        [1, 3, -2],
        [0, 5],
    ),
    (
        "choose_and_shift",
        "(fn [x] (+ (?term{(fn [y] (* y y))|(fn [y] (+ y y))|(fn [y] y)} x) ?int))",
        ["(fn [y] (* y y))", 3],
        [1, 2, -2],
        [0, 3],
    ),
    (
        "choose_combinator",
        "(fn [x] (?term{(fn [f] (f (f x)))|(fn [f] (f x))|(fn [f] x)} (fn [y] (* y 2))))",
        ["(fn [f] (f (f x)))"],
        [1, 3],
        [0, 2],
    ),
    # several holes at once: spaces of 361 to 6859 fillings, where one superposed run
    # scores every filling and random search must be lucky
    (
        "quadratic",
        "(fn [x] (+ (* (* x x) ?int) (+ (* x ?int) ?int)))",
        [2, -3, 1],
        [-2, -1, 0, 1, 2, 3],
        [4, -3],
    ),
    ("nested_affine", "(fn [x] (+ (* (+ x ?int) ?int) ?int))", [1, 3, -5], [0, 1, 2, -1], [3, -3]),
    (
        "let_two",
        "(fn [x] (let [a ?int] (let [b ?int] (+ (* a x) (* b (* x x))))))",
        [-1, 2],
        [0, 1, 2, -1],
        [3, -3],
    ),
    (
        "twice_affine",
        "(fn [x] ((fn [f] (f (f x))) (fn [y] (+ (* y ?int) ?int))))",
        [2, 1],
        [0, 1, 2, -1],
        [3, -2],
    ),
    (
        "pair_sum",
        "(fn [x] (let [p (cons (* x ?int) (cons (+ x ?int) '()))] (+ (car p) (car (cdr p)))))",
        [3, -4],
        [0, 1, 2, -1],
        [3, -3],
    ),
    (
        "pair_difference",
        "(fn [x] (let [p (cons (+ x ?int) (cons (* x ?int) '()))] (- (car (cdr p)) (car p))))",
        [2, 3],
        [0, 1, 2, -1],
        [3, -3],
    ),
    ("step_function", "(fn [x] (if (< x ?int) ?int ?int))", [2, -1, 4], [-3, 0, 1, 2, 5], [-6, 8]),
    ("sign", "(fn [x] (if (< x 0) ?int (if (= x 0) ?int ?int)))", [-1, 0, 1], [-4, 0, 3], [-1, 7]),
    (
        "two_ops_two_constants",
        "(fn [x] (?op (?op x ?int) ?int))",
        ["-", "*", 3, 4],
        [0, 1, 2, -1],
        [3, -3],
    ),
    (
        "choose_and_scale",
        "(fn [x] (+ (* (?term{(fn [y] (* y y))|(fn [y] (+ y y))|(fn [y] y)} x) ?int) ?int))",
        ["(fn [y] (* y y))", 2, -3],
        [0, 1, 2, -1],
        [3, -2],
    ),
    (
        "pair_product",
        "(fn [x] (let [p (cons (+ x ?int) (cons (- x ?int) '()))] (* (car p) (car (cdr p)))))",
        [3, 2],
        [0, 1, 2, -1, -3],
        [3, 4],
    ),
    ("replace_value", "(fn [x] (if (= x ?int) ?int x))", [0, 5], [-2, 0, 3], [1, -4]),
    ("compare_affine", "(fn [x] (< (* x ?int) ?int))", [-2, 3], [-4, -2, -1, 0, 3], [-3, 5]),
    (
        "compose_two",
        "(fn [x] (((fn [f] (fn [g] (f (g x)))) (fn [y] (* y ?int))) (fn [y] (+ y ?int))))",
        [3, -1],
        [0, 1, 2, -1],
        [3, -2],
    ),
    ("op_and_constant", "(fn [x] (?op (* x x) ?int))", ["-", 5], [0, 1, 2, -1], [3, -3]),
    (
        "cubic",
        "(fn [x] (+ (* x (* x x)) (+ (* ?int (* x x)) ?int)))",
        [-2, 3],
        [-2, -1, 0, 1, 2],
        [3, -3],
    ),
    (
        "guarded_scale",
        "(fn [x] (if (< (* x ?int) ?int) ?int x))",
        [2, 5, 0],
        [-3, 0, 2, 3, 6],
        [-5, 4],
    ),
    # conditionals whose condition holds a hole: the if waits for both branches' values
    (
        "piecewise",
        "(fn [x] (if (< x ?int) (* x ?int) (+ x ?int)))",
        [0, -2, 3],
        [-3, -1, 0, 2, 5],
        [-4, 4],
    ),
    (
        "clamp",
        "(fn [x] (if (< x ?int) ?int (if (< ?int x) ?int x)))",
        [-2, -2, 5, 5],
        [-6, -2, 0, 3, 5, 8],
        [-9, 9, 1],
    ),
    (
        "branch_shift",
        "(fn [x] (if (< x ?int) (+ x ?int) (- x ?int)))",
        [3, 4, 2],
        [-2, 0, 2, 3, 6],
        [1, 8],
    ),
    (
        "conditional_op",
        "(fn [x] (if (< x ?int) (?op x ?int) x))",
        [0, "*", -1],
        [-5, -2, 3, 0],
        [-7, 4],
    ),
]


def _examples(sketch: Sketch, solution: list, inputs: list[int]) -> tuple:
    program = sketch.fill(solution)
    return tuple((str(x), reference_output(program, str(x))) for x in inputs)


def suite() -> list[Sketch]:
    """The 44 sketch tasks, examples computed from each task's solution."""
    sketches = []
    for name, text, solution, train, held_out in _TASKS:
        blank = Sketch(name, text, (), ())
        sketches.append(
            Sketch(
                name,
                text,
                _examples(blank, solution, train),
                _examples(blank, solution, held_out),
            )
        )
    return sketches
