"""The regular and context-sensitive tasks follow their definitions (Deletang et al. 2022),
checked row by row against a direct reading of the definition on decoded strings."""

import pytest
import torch
from neural_structures import context_sensitive_tasks as sensitive
from neural_structures import regular_tasks as regular
from neural_structures.tasks import IGNORE, TASKS


def _rows(task, length, seed=0, batch=64):
    batch = task.sample(batch, length, torch.Generator().manual_seed(seed))
    return list(zip(batch.inputs.tolist(), batch.targets.tolist(), strict=True))


def _label(targets):
    assert all(t == IGNORE for t in targets[:-1]), "only the last step is scored"
    return targets[-1]


@pytest.mark.parametrize("length", [1, 2, 7, 40])
def test_parity_check_counts_the_bs(length):
    for inputs, targets in _rows(regular.ParityCheck(), length):
        word = "".join("ab"[t] for t in inputs)
        assert _label(targets) == (word.count("b") % 2 == 0)


@pytest.mark.parametrize("length", [1, 2, 7, 40])
def test_even_pairs_counts_ab_and_ba(length):
    for inputs, targets in _rows(regular.EvenPairs(), length):
        word = "".join("ab"[t] for t in inputs)
        pairs = sum(word[i : i + 2] in ("ab", "ba") for i in range(len(word) - 1))
        assert _label(targets) == (pairs % 2 == 0)


@pytest.mark.parametrize("length", [1, 2, 5, 20])
def test_modular_arithmetic_is_the_expressions_value_mod_5(length):
    symbols = "01234+-*"
    for inputs, targets in _rows(regular.ModularArithmetic(), length):
        text = "".join(symbols[t] for t in inputs)
        assert len(inputs) == 2 * length - 1
        assert _label(targets) == eval(text) % 5  # Python's precedence is the definition's


def test_modular_arithmetic_respects_precedence():
    task = regular.ModularArithmetic
    tokens = [2, task.PLUS, 3, task.TIMES, 4]  # 2 + 12 = 14
    assert task.value(tokens) == 4
    tokens = [1, task.MINUS, 3, task.TIMES, 3]  # 1 - 9 = -8
    assert task.value(tokens) == 2


@pytest.mark.parametrize("length", [1, 3, 40])
def test_cycle_navigation_ends_where_the_walk_ends(length):
    for inputs, targets in _rows(regular.CycleNavigation(), length):
        position = 0
        for move in inputs:
            position = (position + {0: 0, 1: 1, 2: -1}[move]) % 5
        assert _label(targets) == position


def _answer(task, inputs, targets, length):
    assert inputs[length] == task.SEP and set(inputs[length + 1 :]) == {task.BLANK}
    assert all(t == IGNORE for t in targets[: length + 1])
    return inputs[:length], targets[length + 1 :]


@pytest.mark.parametrize("length", [1, 2, 9])
def test_duplicate_string_writes_the_input_twice(length):
    for inputs, targets in _rows(sensitive.DuplicateString(), length):
        word, answer = _answer(sensitive.DuplicateString, inputs, targets, length)
        assert answer == word + word


@pytest.mark.parametrize("length", [1, 2, 9])
def test_odd_first_writes_odd_positions_then_even_ones(length):
    for inputs, targets in _rows(sensitive.OddFirst(), length):
        word, answer = _answer(sensitive.OddFirst, inputs, targets, length)
        assert answer == [word[i] for i in range(0, length, 2)] + [
            word[i] for i in range(1, length, 2)
        ]


@pytest.mark.parametrize("name", sorted(TASKS))
def test_every_task_is_seeded_and_keeps_its_vocabularies(name):
    task = TASKS[name]()
    a = task.sample(16, 6, torch.Generator().manual_seed(3))
    b = task.sample(16, 6, torch.Generator().manual_seed(3))
    assert torch.equal(a.inputs, b.inputs) and torch.equal(a.targets, b.targets)
    assert a.inputs.min() >= 0 and a.inputs.max() < task.n_inputs
    scored = a.targets[a.targets != IGNORE]
    assert scored.numel() > 0 and scored.min() >= 0 and scored.max() < task.n_outputs


def test_labels_are_not_constant():
    """A generator whose labels never vary would let a constant guess score 100%."""
    for task in (
        regular.ParityCheck(),
        regular.EvenPairs(),
        regular.ModularArithmetic(),
        regular.CycleNavigation(),
    ):
        batch = task.sample(256, 9, torch.Generator().manual_seed(1))
        counts = torch.bincount(batch.targets[:, -1], minlength=task.n_outputs)
        assert counts.min() > 0.05 * 256 / task.n_outputs, (task.name, counts.tolist())


@pytest.mark.parametrize("length", [1, 2, 9])
def test_missing_duplicate_names_the_hidden_token(length):
    for inputs, targets in _rows(sensitive.MissingDuplicate(), length):
        assert inputs.count(sensitive.MissingDuplicate.MISSING) == 1
        hidden = inputs.index(sensitive.MissingDuplicate.MISSING)
        twin = (hidden + length) % (2 * length)
        assert _label(targets) == inputs[twin]
        assert inputs[:length][: min(hidden, twin)] == inputs[length:][: min(hidden, twin)]


@pytest.mark.parametrize("length", [1, 2, 9])
def test_binary_addition_is_the_sum_low_bit_first(length):
    for inputs, targets in _rows(sensitive.BinaryAddition(), length):
        strings, answer = _answer(sensitive.BinaryAddition, inputs, targets, 2 * length + 1)
        assert strings[length] == sensitive.BinaryAddition.PLUS

        def number(bits):
            return sum(bit << i for i, bit in enumerate(bits))

        total = number(strings[:length]) + number(strings[length + 1 :])
        assert answer == [(total >> i) & 1 for i in range(length + 1)]


@pytest.mark.parametrize("length", [1, 2, 9])
def test_bucket_sort_sorts(length):
    for inputs, targets in _rows(sensitive.BucketSort(), length):
        word, answer = _answer(sensitive.BucketSort, inputs, targets, length)
        assert answer == sorted(word)


_CF_SYMBOLS = "01234+-*()x="


def _text(tokens):
    return "".join(_CF_SYMBOLS[t] for t in tokens)


@pytest.mark.parametrize("length", [1, 2, 3, 4, 5, 6, 25, 60])
def test_bracketed_modular_arithmetic_is_the_python_value_mod_5(length):
    from neural_structures.context_free_tasks import ModularArithmeticBrackets

    rows = _rows(ModularArithmeticBrackets(), length, batch=32)
    for inputs, targets in rows:
        text = _text(inputs)
        assert len(inputs) == length  # the paper's length: tokens
        assert text.count("(") == text.count(")")
        assert _label(targets) == eval(text) % 5  # Python reads unary minus as the task does
    if length >= 25:
        assert len({_text(inputs) for inputs, _ in rows}) == len(rows)  # random trees


def test_short_expressions_take_every_form_the_paper_allows():
    from neural_structures.context_free_tasks import ModularArithmeticBrackets

    shapes = {
        length: {_text(inputs).translate(str.maketrans("01234", "nnnnn")) for inputs, _ in
                 _rows(ModularArithmeticBrackets(), length, batch=64)}
        for length in (1, 2, 3, 4, 5)
    }  # fmt: skip
    assert shapes[1] == {"n"} and shapes[2] == {"-n"} and shapes[3] == {"(n)"}
    assert shapes[4] == {"(-n)"} and shapes[5] == {"(n+n)", "(n-n)", "(n*n)"}


@pytest.mark.parametrize("length", [2, 5, 25, 60])
def test_solve_equation_labels_the_one_solution(length):
    from neural_structures.context_free_tasks import SolveEquation

    rows = _rows(SolveEquation(), length, batch=32)
    for inputs, targets in rows:
        left, right = _text(inputs).split("=")
        solutions = [x for x in range(5) if eval(left.replace("x", str(x))) % 5 == int(right)]
        assert len(left) == length and left.count("x") == 1
        assert solutions == [_label(targets)]
    operators = {symbol for inputs, _ in rows for symbol in _text(inputs) if symbol in "+-*"}
    # the paper's equations add and subtract only (a product could have X times 0)
    assert operators == ({"-"} if length == 2 else {"+", "-"})
