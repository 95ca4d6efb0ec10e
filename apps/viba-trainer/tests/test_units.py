"""The translation pipeline's pieces: canonical names, units, structure retrieval, checks."""

import pytest
from symtensor_autograd import format_keywords, jaccard_similarity, parse_keyword_text

from viba_trainer.canonical import Renaming
from viba_trainer.checked import checked_answers, unit_agrees
from viba_trainer.dataset import PAIR_NAMES, SPLITS, load_pairs
from viba_trainer.structure import PythonStructureKeywords
from viba_trainer.translator import Translation
from viba_trainer.units import join_units, split_python, unit_kind
from viba_trainer.viba import check_strict_viba


def pattern(name):
    return name[:-2] if name[-2] == "_" else name


def translation_of(name):
    (pair,) = load_pairs([name])
    return pair, Translation.of(
        [pair.python], canonical=True, statements=True, references=[pair.viba]
    )


@pytest.mark.parametrize("name", PAIR_NAMES)
def test_renaming_round_trips_every_reference(name):
    (pair,) = load_pairs([name])
    renaming = Renaming.of(pair.python)
    canonical = renaming.viba(pair.viba)
    assert renaming.restore(canonical) == pair.viba
    assert not set(renaming.names) & set(canonical.replace("$", " ").split())


def test_renaming_covers_names_strings_and_f_string_fields_but_not_attributes():
    source = 'def f(items, sep=","):\n    text = f"{sep}!"\n    return items.get(text)\n'
    renaming = Renaming.of(source)
    assert renaming.names == {"f": "f1", "items": "v1", "sep": "v2", "text": "v3"}
    assert renaming.strings == {",": "s1"}
    assert renaming.python(source) == (
        'def f1(v1, v2="s1"):\n    v3 = f"{v2}!"\n    return v1.get(v3)\n'
    )


def test_placeholders_skip_words_the_source_already_uses():
    renaming = Renaming.of("def v1(v2):\n    return v2\n")
    assert renaming.names == {"v1": "f1", "v2": "v3"}


@pytest.mark.parametrize("name", PAIR_NAMES)
def test_every_pair_splits_into_aligned_units_that_join_back(name):
    pair, translation = translation_of(name)
    (units,), (targets,) = translation.units, translation.unit_targets
    kinds = [unit_kind(u) for u in units]
    assert kinds[0] == "result" and kinds.count("result") == 1
    assert set(kinds[1 : 1 + kinds.count("parameter")]) <= {"parameter"}
    assert translation.answers(list(targets)) == [pair.viba]


def test_a_guard_and_the_return_after_it_are_the_arms_of_one_match():
    pair, translation = translation_of("guard")
    (units,), (targets,) = translation.units, translation.unit_targets
    assert [unit_kind(u) for u in units] == ["result", "parameter", "parameter", "arm", "arm"]
    assert "raise" in units[3] and units[4].endswith("return v1 / v2\n")
    assert targets[3:] == (
        'f1 :=\n    <- Match[$v1 == 0 -> Raise[`ValueError "s1"]]\n',
        "f1 :=\n    <- Match[_ -> $v1 / $v2]\n",
    )
    assert pair.viba.endswith(
        '<- Match[$b == 0 -> Raise[`ValueError "division by zero"], _ -> $a / $b]\n'
    )


def test_a_branch_chain_is_one_arm_unit_per_branch():
    (units,) = translation_of("branch_3")[1].units
    assert [unit_kind(u) for u in units].count("arm") == 4


def test_the_result_unit_holds_what_decides_the_result_type():
    (closure,) = load_pairs(["closure"])
    renaming = Renaming.of(closure.python)
    result = split_python(renaming.python(closure.python))[0]
    assert (
        result
        == "def f1():  # result, returns f2\n    def f2(v2: int) -> int: ...\n    return f2\n"
    )


def test_join_cuts_each_answer_to_what_its_unit_stands_for():
    _, translation = translation_of("loop")
    (units,) = translation.units
    answers = list(translation.unit_targets[0])
    answers[0] += "    <- $v1 int\n    $v2 = 0\n"  # the model went on past the result type
    answers[3] += "f1(v1: 1)\nf1(v1: 2)\n"  # ... and past the loop
    assert join_units(list(units), answers) == join_units(
        list(units), list(translation.unit_targets[0])
    )


def test_structure_keywords_find_the_same_pattern_for_every_held_out_function():
    extract = PythonStructureKeywords()
    train = load_pairs(split="train")
    keys = extract([Renaming.of(p.python).python(p.python) for p in train])
    for name in SPLITS["validation"] + SPLITS["test"]:
        (pair,) = load_pairs([name])
        (query,) = extract([Renaming.of(pair.python).python(pair.python)])
        best = max(range(len(train)), key=lambda i: jaccard_similarity(query, keys[i]))
        assert pattern(train[best].name) == pattern(name), name


def test_unit_keywords_survive_the_query_column_and_never_mix_kinds():
    _, translation = translation_of("seq")
    keywords = PythonStructureKeywords()(translation.inputs())
    for words in keywords:
        assert parse_keyword_text(format_keywords(words)) == sorted(words)
    result, parameter = set(keywords[0]), set(keywords[1])
    assert not result & parameter


@pytest.mark.parametrize("name", PAIR_NAMES)
def test_every_reference_unit_agrees_with_its_python(name):
    _, translation = translation_of(name)
    for unit, target in zip(translation.units[0], translation.unit_targets[0], strict=True):
        assert unit_agrees(unit, target), (unit, target)


LOOP_STATEMENT = "def f1(v1: int) -> int:  # statement, returns v2\n    v2 = 0\n"
NEAR_MISSES = [
    # (unit, answer): each parses, but does not translate its unit
    (LOOP_STATEMENT, "f1 :=\n    $v2 = 1\n"),  # another number
    (LOOP_STATEMENT, "f1 :=\n    $v3 = 0\n"),  # another variable
    (LOOP_STATEMENT, "f1 :=\n    $v2 int = 0\n"),  # redeclares the result
    (LOOP_STATEMENT, "f1 :=\n    v2 = 0\n"),  # Python left
    (
        "def f1(v1: str) -> str:  # statement, returns v3\n    v2 = v1 + v1\n",
        "f1 :=\n    $v2 = $v1 + $v1\n",  # a new local without its type
    ),
    (
        "def f1(v1: list[int]) -> list[int]:  # statement\n    return [v2 for v2 in v1 if v2 > 0]\n",
        "f1 :=\n    <- Filter[$v1, ($v2 int) -> $v2 == 0]\n",  # another condition
    ),
    ("def f1(v1: int, v2: str) -> str:  # parameter v2\n", "f1 :=\n    <- $v1 int\n"),
    (
        "def f1(v1: int) -> str:  # arm\n    if v1 >= 90:\n        return 's1'\n",
        "f1 :=\n    <- Match[$v1 > 90 -> 's1']\n",
    ),  # another comparison
    (
        "def f1() -> str:  # arm\n    return 's1'\n",
        "f1 :=\n    <- Match[$v1 > 0 -> 's1', _ -> 's1']\n",
    ),  # two arms for one
    ("def f1(v1: int, v2: str) -> str:  # parameter v2\n", "f1 :=\n    <- $v2 int\n"),
    ("def f1(v1: list[str]) -> str:  # parameter v1\n", "f1 :=\n    <- $v1 list[str]\n"),
    (
        "def f1() -> str:  # result\n    return 's1'\n    return 's2'\n",
        "f1 :=\n    | 's1'\n",  # an alternative dropped
    ),
    (
        "def f1() -> int:  # result, returns v1\n    return v1\n",
        "f1 :=\n    int\n",  # the returned local is not declared
    ),
    ("def f1() -> float:  # result\n    return v1\n", "f1 :=\n    int\n"),  # another type
    ("def f1() -> None:  # result\n    ...\n", "f1 :=\n    int\n"),  # None is void
]


@pytest.mark.parametrize(("unit", "answer"), NEAR_MISSES)
def test_near_miss_answers_disagree(unit, answer):
    assert not unit_agrees(unit, answer)


def test_checked_answers_ask_again_only_for_units_that_disagree():
    units = [[LOOP_STATEMENT, "def f1(v1: int) -> int:  # statement, returns v2\n    return v2\n"]]
    asked = []

    def translate(texts, top_k):
        asked.append((len(texts), top_k))
        wrong = {LOOP_STATEMENT: "f1 :=\n    $v2 = 1\n"}
        right = {LOOP_STATEMENT: "f1 :=\n    $v2 = 0\n"}
        answers = wrong if top_k == 2 else right
        return [answers.get(t, "f1 :=\n    <- $v2\n") for t in texts]

    assert checked_answers(units, translate, [2, 1, 3]) == [
        ["f1 :=\n    $v2 = 0\n", "f1 :=\n    <- $v2\n"]
    ]
    assert asked == [(2, 2), (1, 1)]


def test_a_statement_with_no_valid_answer_is_left_out():
    units = [[LOOP_STATEMENT]]
    answers = checked_answers(units, lambda texts, k: ["f1 :=\n    v2 = 0\n"] * len(texts), [2, 1])
    assert answers == [[""]]


def test_statements_that_leave_the_translation_invalid_are_left_out():
    # The loop body's first statement came back wrong (it binds no $square), so the second
    # one, which agrees with its own Python, uses an unbound $square: the fewest statements
    # left out that make the translation valid is that second one.
    _, translation = translation_of("loop_3")
    (units,), (targets,) = translation.units, translation.unit_targets
    kinds = [unit_kind(u) for u in units]
    first_body = kinds.index("body")

    def translate(texts, top_k):
        return [
            "f1 :=\n    $v1 = $v1 * $v3\n" if t == units[first_body] else targets[units.index(t)]
            for t in texts
        ]

    (answers,) = checked_answers([units], translate, [2, 1], lambda f, a: translation.answer(f, a))
    assert answers[first_body] and answers[first_body + 1] == ""
    joined = translation.answer(0, answers)
    assert check_strict_viba(joined) is None
    assert "For[$i <- Range[1, $n + 1]]" in joined and "<- $total" in joined
