from neurallambda import compile_text, from_memory, normalize, size, to_memory
from neurallambda.generate import random_terms, reductions


def test_random_terms_are_closed_and_fit():
    terms = random_terms(50, max_cells=20, seed=3)
    assert len(terms) == 50
    for term in terms:
        assert size(term) <= 20
        assert from_memory(to_memory(term, 20)) == term  # read-back rejects unbound indices


def test_random_terms_are_deterministic_per_seed():
    assert random_terms(10, 20, seed=1) == random_terms(10, 20, seed=1)
    assert random_terms(10, 20, seed=1) != random_terms(10, 20, seed=2)


def test_reductions_keep_the_terms_that_reduce_within_the_limits():
    identity = compile_text("((fn [x] x) 7)")  # one step
    stuck = compile_text("(+ x 1)")  # normal form at once: 0 steps
    grows = compile_text("((fn [x] '(x x x)) '(1 2))")  # 14 cells, its normal form 19
    too_big = compile_text("(* 20 20)")  # 400 is outside (-32, 32)
    terms = [identity, stuck, grows, too_big]
    kept = list(reductions(terms, 10, max_cells=16, int_range=(-32, 32)))
    assert kept == [(identity, normalize(identity))]
    assert [term for term, _ in reductions(terms, 10, max_cells=32, min_steps=0)] == terms
