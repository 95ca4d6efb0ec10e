"""Program learning: holes filled by gradient descent through the machine, checked on held-out
examples with the reference interpreter; the random-search baseline; the suite's examples."""

from __future__ import annotations

import pytest
from neurallambda.learn import Sketch, learn, passes, random_search
from neurallambda.sketches import suite

AFFINE = Sketch(
    "affine",
    "(fn [x] (+ (* x ?int) ?int))",
    (("1", 5), ("2", 8), ("3", 11)),
    (("0", 2), ("4", 14)),
)


def test_gradient_descent_fills_two_constant_holes_and_generalizes():
    found = learn(AFFINE)
    assert found.program == "(fn [x] (+ (* x 3) 2))"
    assert found.solved and found.evaluations <= 20


def test_an_operator_hole_is_learned():
    sketch = Sketch("op", "(fn [x] (?op x 3))", (("4", 12), ("5", 15)), (("2", 6), ("-1", -3)))
    found = learn(sketch)
    assert found.program == "(fn [x] (* x 3))" and found.solved


def test_random_search_with_the_same_budget_is_the_baseline():
    found = random_search(AFFINE, 60)
    assert found.evaluations <= 60
    assert found.solved == passes(found.program, AFFINE.train + AFFINE.held_out)


def test_a_choice_between_terms_of_different_shapes_is_learned():
    (task,) = [task for task in suite() if task.name == "choose_and_shift"]
    found = learn(task)
    assert found.program == "(fn [x] (+ ((fn [y] (* y y)) x) 3))" and found.solved


def test_the_suite_has_twenty_three_tasks_with_consistent_examples():
    tasks = suite()
    assert len(tasks) == 23 and sum(h.kind == "term" for t in tasks for h in t.holes) == 3
    for task in tasks:
        assert task.holes, task.name
        assert all(output is not None for _, output in task.train + task.held_out), task.name


def test_a_sketch_without_holes_is_refused():
    from neurallambda.errors import NeurallambdaError

    with pytest.raises(NeurallambdaError, match="has no hole"):
        learn(Sketch("none", "(fn [x] x)", (("1", 1),), ()))


def test_a_number_never_passes_for_a_boolean():
    assert not passes("(fn [x] 1)", [("0", True)])
    assert passes("(fn [x] (< x 1))", [("0", True), ("3", False)])
