import pytest
import torch
from symtensor_autograd import (
    ExperienceShapeError,
    check_experience,
    jaccard_similarity,
    make_experience,
    read_experience,
    retrieve,
)
from symtensor_autograd.experience import ExperienceEntry


def entry(keywords="", key="", value=""):
    return ExperienceEntry(frozenset(keywords.split()), key, value)


def test_jaccard_is_intersection_over_union():
    assert jaccard_similarity({"a", "b"}, {"b", "c"}) == pytest.approx(1 / 3)
    assert jaccard_similarity(set(), set()) == 0.0
    assert jaccard_similarity({"a"}, {"a"}) == 1.0


def test_make_experience_gives_empty_rows_of_three_columns(root):
    experience = make_experience(4, root)
    assert experience.shape == (4, 3)
    assert all(not row.filled for row in read_experience(experience))


def test_read_experience_parses_query_keywords(root):
    experience = make_experience([("b\na\n", "key", "value")], root)
    (row,) = read_experience(experience)
    assert row.keywords == {"a", "b"}
    assert row.filled


@pytest.mark.parametrize("shape_data", [[["q", "k"]], [["q", "k", "v", "x"]], ["q", "k", "v"]])
def test_experience_that_is_not_n_by_3_is_refused(make, shape_data):
    with pytest.raises(ExperienceShapeError, match=r"\[N, 3\]"):
        check_experience(make(shape_data))


def test_a_plain_tensor_is_not_an_experience():
    with pytest.raises(ExperienceShapeError, match="symbolic"):
        check_experience(torch.zeros(2, 3))


def test_retrieve_ranks_rows_by_jaccard_best_first():
    entries = [entry("x y"), entry("a b c"), entry("a b")]
    found = retrieve([{"a", "b"}], entries, topk=2)
    assert found.indexes == [[2, 1]]
    assert found.cold_start == [False]


def test_retrieve_caps_topk_at_the_number_of_rows():
    found = retrieve([{"a"}], [entry("a"), entry("b")], topk=5)
    assert sorted(found.indexes[0]) == [0, 1]


def test_cold_start_gives_each_query_its_own_free_row():
    entries = [entry()] * 4
    found = retrieve(
        [{"a"}, {"b"}, {"c"}, {"d"}], entries, topk=1, generator=torch.Generator().manual_seed(1)
    )
    assert found.cold_start == [True] * 4
    assert sorted(row for rows in found.indexes for row in rows) == [0, 1, 2, 3]


def test_cold_start_prefers_empty_rows_over_filled_ones():
    entries = [entry("x", "k", "v"), entry(), entry("y", "k", "v"), entry()]
    found = retrieve([{"a"}, {"b"}], entries, topk=1, generator=torch.Generator().manual_seed(0))
    assert sorted(rows[0] for rows in found.indexes) == [1, 3]


def test_cold_start_is_random_but_reproducible_with_a_seeded_generator():
    entries = [entry()] * 8
    picks = {
        tuple(retrieve([{"a"}], entries, 1, generator=torch.Generator().manual_seed(s)).indexes[0])
        for s in range(10)
    }
    again = retrieve([{"a"}], entries, 1, generator=torch.Generator().manual_seed(3)).indexes
    assert (
        again == retrieve([{"a"}], entries, 1, generator=torch.Generator().manual_seed(3)).indexes
    )
    assert len(picks) > 1


def test_exploration_noise_sometimes_picks_a_lower_scoring_row():
    entries = [entry("a b c"), entry("a b")]
    generator = torch.Generator().manual_seed(0)
    tops = [
        retrieve([{"a", "b"}], entries, 1, noise_std=1.0, generator=generator).indexes[0][0]
        for _ in range(30)
    ]
    quiet = retrieve([{"a", "b"}], entries, 1, noise_std=0.0).indexes[0][0]
    assert quiet == 1
    assert set(tops) == {0, 1}


def test_topk_must_be_positive():
    with pytest.raises(ValueError, match="topk"):
        retrieve([{"a"}], [entry("a")], topk=0)
