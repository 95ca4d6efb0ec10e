"""Roles -> arithmetic text and digit slots, checked against dag_executor's own DAG."""

import pytest
import torch
from dag_executor import DagConfig, ExpressionSyntaxError, expression_to_dag, to_expr
from nanogpt_dag.questions import SPLITS, dag_config_for, make_questions, split_shapes
from nanogpt_dag.token_roles import ROLES, canonical_text, digit_places


def _roles(names):
    """Role classes spelled by name, e.g. "digit none plus"."""
    return [ROLES.index(name) for name in names.split()]


def test_canonical_text_joins_adjacent_digits_only():
    roles = _roles("digit digit point digit none plus none minus open digit times digit close")
    digits = [1, 2, 0, 5, 0, 0, 0, 0, 0, 3, 0, 4, 0]
    assert canonical_text(roles, digits) == "12.5 + - ( 3 * 4 )"
    assert to_expr(canonical_text(roles, digits)).value() == 12.5 - 12


def test_digits_split_by_a_space_are_two_numbers_and_do_not_parse():
    text = canonical_text(_roles("digit none digit"), [1, 0, 2])
    assert text == "1 2"
    with pytest.raises(ExpressionSyntaxError):
        to_expr(text)


def test_digit_places_right_align_integers_and_follow_with_decimals():
    config = DagConfig(depth=2, max_digits=3, max_decimals=2)
    roles = _roles("digit digit point digit none plus none digit")  # "12.5 + 7"
    assert digit_places(roles, config) == [(0, 0, 1), (1, 0, 2), (3, 0, 3), (7, 1, 2)]


@pytest.mark.parametrize("split", SPLITS)
def test_digit_places_fill_exactly_the_digits_of_the_dag(split):
    shapes = split_shapes()
    config = dag_config_for(shapes)
    for q in make_questions(split, 100, shapes[split], config, seed=1):
        dag = expression_to_dag(q.canonical, config)
        rebuilt = torch.zeros_like(dag.digit_targets())
        for index, node, place in digit_places(q.roles, config):
            rebuilt[node, place] = q.digits[index]
        assert torch.equal(rebuilt, dag.digit_targets()), q.text
