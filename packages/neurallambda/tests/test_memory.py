import pytest
from neurallambda import (
    ProgramTooLargeError,
    ReadBackError,
    compile_text,
    format_memory,
    from_memory,
    to_memory,
)


def test_seed_example_layout_is_preorder():
    memory = to_memory(compile_text("((fn [x] x) 42)"), cells=6)
    assert memory == {
        0: ("App", ("addr", 1), ("addr", 3)),
        1: ("Lam", ("name", "x"), ("addr", 2)),
        2: ("Var", ("idx", 0), None),
        3: ("Int", ("int", 42), None),
        4: ("Empty", None, None),
        5: ("Empty", None, None),
    }


def test_round_trip_through_memory():
    term = compile_text("(fn [f] (f '(1 true) (car z)))")
    assert from_memory(to_memory(term, cells=16)) == term


def test_program_larger_than_memory_is_rejected():
    with pytest.raises(ProgramTooLargeError, match="more than the 3 memory cells"):
        to_memory(compile_text("((fn [x] x) 42)"), cells=3)


def test_read_back_rejects_cycles():
    memory = {0: ("App", ("addr", 1), ("addr", 0)), 1: ("Int", ("int", 1), None)}
    with pytest.raises(ReadBackError, match="cycle"):
        from_memory(memory)


def test_read_back_rejects_wrong_column_kinds():
    with pytest.raises(ReadBackError, match="should hold a int"):
        from_memory({0: ("Int", ("name", "x"), None)})


def test_read_back_rejects_unbound_indices():
    with pytest.raises(ReadBackError, match="index 0 under 0 binders"):
        from_memory({0: ("Var", ("idx", 0), None)})


def test_format_memory_is_readable():
    text = format_memory(to_memory(compile_text("((fn [x] x) 42)"), cells=5))
    assert text.splitlines() == [
        "0: (App, A1, A3)",
        "1: (Lam, x, A2)",
        "2: (Var, #0, -)",
        "3: (Int, 42, -)",
    ]
