"""The Viba printer and the parser are inverses: printing a tree and parsing it gives it back."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from viba_trainer.dataset import PAIR_NAMES, load_pairs
from viba_trainer.viba import ast, format_expr, format_viba, parse_viba

NAMES = st.sampled_from(["int", "str", "list", "dict", "Match", "void", "never", "_", "f", "x1"])
LITERALS = st.sampled_from(
    [
        ("int", "0"), ("int", "42"), ("float", "2.5"), ("bool", "true"), ("string", "'a b'"),
        ("string", '"x"'), ("triple_string", "'''t\nq'''"), ("code_block", "{a {b}}"),
    ]
).map(lambda kind_text: ast.Literal(*kind_text))  # fmt: skip
ATOMS = st.one_of(
    NAMES.map(ast.Name),
    NAMES.map(ast.Var),
    NAMES.map(ast.Tag),
    LITERALS,
    st.sampled_from([ast.Ellipsis(), ast.Unit(), ast.Import("lib/types.viba")]),
)
BINARY_OPS = st.sampled_from(
    ["<-", "or", "and", "==", "!=", "<", ">", "<=", ">=", "in", "+", "-", "*", "/", "//", "%"]
)


def _compound(child):
    arg = st.one_of(child, st.builds(ast.Case, child, child), st.builds(ast.Entry, child, child))
    args = st.lists(arg, max_size=3).map(tuple)
    return st.one_of(
        st.lists(arg, min_size=1, max_size=3).map(lambda items: ast.Tuple(tuple(items))),
        args.map(ast.ListLiteral),
        st.builds(ast.Apply, child, args),
        st.builds(ast.Attribute, child, NAMES),
        st.builds(ast.Unary, st.sampled_from(["-", "not"]), child),
        st.builds(ast.Binary, BINARY_OPS, child, child),
        st.lists(child, min_size=2, max_size=3).map(lambda items: ast.Juxt(tuple(items))),
        st.lists(child, min_size=2, max_size=3).map(lambda items: ast.Sum(tuple(items))),
    )


EXPRESSIONS = st.recursive(ATOMS, _compound, max_leaves=12)


@given(EXPRESSIONS)
def test_printed_expression_parses_back_to_the_same_tree(expr):
    source = f"f := {format_expr(expr)}\n"
    assert parse_viba(source).definitions[0].head == expr, source


@pytest.mark.parametrize("name", PAIR_NAMES)
def test_dataset_files_round_trip_through_the_printer(name):
    (pair,) = load_pairs([name])
    module = parse_viba(pair.viba)
    printed = format_viba(module)
    assert parse_viba(printed) == module
    assert format_viba(parse_viba(printed)) == printed


def test_printer_adds_only_the_parentheses_precedence_needs():
    head = parse_viba("f := ((a + b) * c <- d) <- (e <- g) | (`T (x y))").definitions[0].head
    assert format_expr(head) == "((a + b) * c <- d) <- e <- g | `T (x y)"
