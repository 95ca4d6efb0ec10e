"""The shipped 12-pair dataset: complete, valid Python, valid Viba, one definition each."""

import ast as python_ast

import pytest
from viba_trainer.dataset import PAIR_NAMES, TranslationPair, load_pairs
from viba_trainer.errors import DatasetError
from viba_trainer.viba import parse_viba

EXPECTED_PATTERNS = [
    "seq", "branch", "loop", "recursion", "higher_order", "data_struct",
    "default_arg", "list_comp", "format_str", "guard", "accumulator", "closure",
]  # fmt: skip


def test_dataset_has_the_twelve_patterns_in_order():
    assert list(PAIR_NAMES) == EXPECTED_PATTERNS
    assert [pair.name for pair in load_pairs()] == EXPECTED_PATTERNS


@pytest.mark.parametrize("name", EXPECTED_PATTERNS)
def test_every_viba_reference_parses_with_our_checker(name):
    (pair,) = load_pairs([name])
    module = parse_viba(pair.viba)
    assert len(module.definitions) == 1


@pytest.mark.parametrize("name", EXPECTED_PATTERNS)
def test_every_python_source_parses_and_defines_the_same_function(name):
    (pair,) = load_pairs([name])
    (function,) = python_ast.parse(pair.python).body
    assert isinstance(function, python_ast.FunctionDef)
    assert parse_viba(pair.viba).definitions[0].name == function.name


def test_subset_keeps_the_requested_order():
    pairs = load_pairs(["guard", "seq"])
    assert [p.name for p in pairs] == ["guard", "seq"]
    assert all(isinstance(p, TranslationPair) and p.python and p.viba for p in pairs)


@pytest.mark.parametrize(
    ("names", "fragment"),
    [([], "empty dataset"), (["seq", "nope"], "unknown pair(s) nope"), (["seq", "seq"], "twice")],
)
def test_bad_selection_is_a_dataset_error(names, fragment):
    with pytest.raises(DatasetError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        load_pairs(names)


@pytest.mark.parametrize("name", EXPECTED_PATTERNS)
def test_no_reference_holds_a_stop_sequence_so_generation_can_end_there(name):
    from viba_trainer.training import STOP

    (pair,) = load_pairs([name])
    assert not any(stop in pair.viba for stop in STOP)


def test_every_handler_of_the_trainer_stops_generation_at_a_blank_line():
    from viba_trainer.training import make_handler

    assert make_handler("scripted", cache=False, max_tokens=64).stop == ("\n\n",)
