from neurallambda import from_memory, size, to_memory
from neurallambda.generate import random_terms


def test_random_terms_are_closed_and_fit():
    terms = random_terms(50, max_cells=20, seed=3)
    assert len(terms) == 50
    for term in terms:
        assert size(term) <= 20
        assert from_memory(to_memory(term, 20)) == term  # read-back rejects unbound indices


def test_random_terms_are_deterministic_per_seed():
    assert random_terms(10, 20, seed=1) == random_terms(10, 20, seed=1)
    assert random_terms(10, 20, seed=1) != random_terms(10, 20, seed=2)
