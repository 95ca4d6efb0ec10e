"""Program learning: holes filled by gradient descent through the machine, checked on held-out
examples with the reference interpreter; the random-search baseline; the suite's examples."""

from __future__ import annotations

import pytest
import torch
from neurallambda.learn import INT_CANDIDATES, Sketch, Superposition, learn, passes, random_search
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
    assert found.solved and found.evaluations <= 3  # of 361 fillings


def test_one_superposed_run_ranks_every_filling_of_a_hole():
    """At the uniform start the gradient of the log-likelihood favours the right constant
    by a margin: the one step that follows already picks it."""
    sketch = Sketch("shift", "(fn [x] (+ x ?int))", (("1", 8), ("4", 11)), ())
    problem = Superposition(sketch)
    logits = [torch.zeros(len(INT_CANDIDATES), requires_grad=True)]
    problem.log_likelihood(logits).backward()
    (gradient,) = (logit.grad for logit in logits)
    best, runner_up = gradient.topk(2).values
    assert INT_CANDIDATES[int(gradient.argmax())] == 7
    assert best > 0.5 and best - runner_up > 0.5


def test_the_likelihood_is_that_of_the_right_program_when_the_holes_are_sure():
    """Superposed holes that are (nearly) one-hot give the machine's exact answer: the
    likelihood of the training outputs is ~1 for the right filling and ~0 for a near miss."""
    problem = Superposition(AFFINE)

    def log_likelihood(a: int, b: int) -> float:
        logits = [20.0 * (torch.tensor(INT_CANDIDATES) == value).float() for value in (a, b)]
        return float(problem.log_likelihood(logits))

    assert log_likelihood(3, 2) > -0.01
    assert log_likelihood(3, 1) < -10


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


def test_the_suite_has_forty_four_tasks_with_consistent_examples():
    tasks = suite()
    assert len(tasks) == 44 and sum(h.kind == "term" for t in tasks for h in t.holes) == 4
    assert sum(len(t.holes) > 1 for t in tasks) == 28
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
