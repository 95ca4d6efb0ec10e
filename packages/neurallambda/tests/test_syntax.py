import pytest
from neurallambda import ParseError, format_program, parse, parse_expr
from neurallambda import syntax as s


def test_parses_the_seed_example():
    assert parse_expr("((fn [x] x) 42)") == s.Call(s.Fn(("x",), s.Symbol("x")), (s.IntLiteral(42),))


def test_parses_negative_integers_and_minus_primitive():
    assert parse_expr("(- -3 4)") == s.Call(s.Primitive("-"), (s.IntLiteral(-3), s.IntLiteral(4)))


def test_parses_booleans_quotes_and_multi_character_names():
    expr = parse_expr("'(true false my-name '())")
    assert expr == s.Quote(
        (s.BoolLiteral(True), s.BoolLiteral(False), s.Symbol("my-name"), s.Quote(()))
    )


def test_parses_let_and_definitions():
    program = parse("(defn inc [n] (+ n 1))\n(let [a 2 b (inc a)] b)")
    assert program.definitions == (
        s.Defn("inc", ("n",), s.Call(s.Primitive("+"), (s.Symbol("n"), s.IntLiteral(1)))),
    )
    assert program.body == s.Let(
        (("a", s.IntLiteral(2)), ("b", s.Call(s.Symbol("inc"), (s.Symbol("a"),)))), s.Symbol("b")
    )


def test_comments_and_newlines_are_ignored():
    assert parse_expr("; a comment\n(+ 1 ; inline\n 2)") == parse_expr("(+ 1 2)")


def test_printer_writes_canonical_text():
    program = s.Program(
        (s.Defn("f", ("a", "b"), s.Symbol("a")),), s.Call(s.Symbol("f"), (s.IntLiteral(-1),))
    )
    assert format_program(program) == "(defn f [a b] a)\n(f -1)"


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        ("((fn [x] x) 42", 1, 15, "unexpected end of input"),
        ("(fn [] 1)", 1, 5, "at least one parameter"),
        ("(f)", 1, 1, "at least one argument"),
        ("()", 1, 1, "empty application"),
        ("(fn [car] car)", 1, 6, "cannot bind the primitive 'car'"),
        ("1 2", 1, 3, "exactly one expression"),
        ("(let [x] x)", 1, 8, "has no value"),
        ("(+ 1\n  #)", 2, 3, "not a number, name or primitive"),
        ("(g (defn f [x] x))", 1, 5, "only allowed at the top level"),
        ("(defn f [x] x)", 1, 15, "expected an expression"),
        (")", 1, 1, "unexpected ')'"),
    ],
)
def test_errors_name_line_and_column(text, line, column, fragment):
    with pytest.raises(ParseError) as info:
        parse(text)
    assert (info.value.line, info.value.column) == (line, column)
    assert fragment in str(info.value)
