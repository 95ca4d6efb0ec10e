"""The shipped 48-pair dataset: 12 patterns x 4 variants, valid Python, strict Viba, splits."""

import ast as python_ast

import pytest

from viba_trainer.dataset import PAIR_NAMES, PATTERNS, SPLITS, TranslationPair, load_pairs
from viba_trainer.errors import DatasetError
from viba_trainer.viba import check_strict_viba, parse_viba

EXPECTED_PATTERNS = [
    "seq", "branch", "loop", "recursion", "higher_order", "data_struct",
    "default_arg", "list_comp", "format_str", "guard", "accumulator", "closure",
]  # fmt: skip


def test_dataset_has_the_twelve_patterns_four_variants_each():
    assert list(PATTERNS) == EXPECTED_PATTERNS
    assert len(PAIR_NAMES) == len(set(PAIR_NAMES)) == 48
    assert [pair.name for pair in load_pairs()] == list(PAIR_NAMES)


def test_splits_are_disjoint_cover_the_dataset_and_hold_every_pattern():
    assert sorted(sum(SPLITS.values(), ())) == sorted(PAIR_NAMES)
    for split, names in SPLITS.items():
        patterns = sorted(name.rsplit("_", 1)[0] if name[-2] == "_" else name for name in names)
        assert patterns == sorted(EXPECTED_PATTERNS * (2 if split == "train" else 1)), split
    assert [p.name for p in load_pairs(split="test")] == list(SPLITS["test"])


def test_variants_are_not_copies_of_each_other():
    pairs = load_pairs()
    assert len({p.python for p in pairs}) == len({p.viba for p in pairs}) == 48


def test_bad_split_requests_are_dataset_errors():
    with pytest.raises(DatasetError, match="unknown split 'dev'"):
        load_pairs(split="dev")
    with pytest.raises(DatasetError, match="not both"):
        load_pairs(["seq"], split="train")


@pytest.mark.parametrize("name", PAIR_NAMES)
def test_every_viba_reference_is_strictly_valid(name):
    (pair,) = load_pairs([name])
    assert check_strict_viba(pair.viba) is None
    assert len(parse_viba(pair.viba).definitions) == 1


@pytest.mark.parametrize("name", PAIR_NAMES)
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


@pytest.mark.parametrize("name", PAIR_NAMES)
def test_no_reference_holds_a_stop_sequence_so_generation_can_end_there(name):
    from viba_trainer.training import STOP

    (pair,) = load_pairs([name])
    assert not any(stop in pair.viba for stop in STOP)


def test_every_handler_of_the_trainer_stops_generation_at_a_blank_line():
    from viba_trainer.training import make_handler

    assert make_handler("scripted", cache=False, max_tokens=64).stop == ("\n\n",)
