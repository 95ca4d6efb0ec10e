"""The Viba syntax checker: what it accepts, and how it locates what it rejects."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from viba_trainer.viba import VibaSyntaxError, ast, check_viba, is_valid_viba, parse_viba, tokenize


def body_of(source: str) -> tuple:
    return parse_viba(source).definitions[0].body


# -- accepted constructs ------------------------------------------------------------------------


def test_definition_with_one_line_type():
    (definition,) = parse_viba("greet := str <- str\n").definitions
    assert definition.name == "greet"
    assert definition.head == ast.Binary("<-", ast.Name("str"), ast.Name("str"))


def test_exponent_is_right_associative():
    head = parse_viba("f := str <- int <- float").definitions[0].head
    assert head == ast.Binary(
        "<-", ast.Name("str"), ast.Binary("<-", ast.Name("int"), ast.Name("float"))
    )


def test_binding_kinds_follow_their_form():
    body = body_of(
        "f :=\n"
        "    $out str\n"
        "    <- $name str\n"
        "    <- $count int = 2\n"
        "    | 'zero'\n"
        "    $out = $name\n"
        "    str * int\n"
        "    <- $out\n"
    )
    assert [b.kind for b in body] == [
        "declaration", "input", "input", "alternative", "assignment", "component", "result",
    ]  # fmt: skip
    assert body[2].value == ast.Literal("int", "2")


def test_sum_written_one_alternative_per_line():
    body = body_of("classify :=\n    | 'positive'\n    | 'zero'\n")
    assert [b.expr for b in body] == [
        ast.Sum((ast.Literal("string", "'positive'"),)),
        ast.Sum((ast.Literal("string", "'zero'"),)),
    ]


def test_inline_sum_product_and_tag():
    head = parse_viba("r := `Ok int * str | `Error never").definitions[0].head
    assert head == ast.Sum(
        (
            ast.Binary("*", ast.Juxt((ast.Tag("Ok"), ast.Name("int"))), ast.Name("str")),
            ast.Juxt((ast.Tag("Error"), ast.Name("never"))),
        )
    )


def test_match_arms_are_cases():
    (result,) = body_of("f :=\n    <- Match[$x > 0 -> 'pos', _ -> 'neg']\n")
    assert result.expr == ast.Apply(
        ast.Name("Match"),
        (
            ast.Case(
                ast.Binary(">", ast.Var("x"), ast.Literal("int", "0")),
                ast.Literal("string", "'pos'"),
            ),
            ast.Case(ast.Name("_"), ast.Literal("string", "'neg'")),
        ),
    )


def test_generics_dict_entries_and_function_type_values():
    body = body_of(
        "f :=\n    <- $xs list[$elem int]\n    <- $f (int <- int)\n    <- dict['k' = $a]\n"
    )
    assert body[0].expr.items[1] == ast.Apply(
        ast.Name("list"), (ast.Juxt((ast.Var("elem"), ast.Name("int"))),)
    )
    assert body[1].expr.items[1] == ast.Binary("<-", ast.Name("int"), ast.Name("int"))
    assert body[2].expr.args == (ast.Entry(ast.Literal("string", "'k'"), ast.Var("a")),)


def test_literals_and_special_types():
    body = body_of(
        "f :=\n"
        "    1 2.5 true \"dq\" 'sq'\n"
        "    '''triple\nline'''\n"
        "    {code {nested}}\n"
        "    void () never ...\n"
    )
    kinds = [item.kind for item in body[0].expr.items]
    assert kinds == ["int", "float", "bool", "string", "string"]
    assert body[1].expr == ast.Literal("triple_string", "'''triple\nline'''")
    assert body[2].expr == ast.Literal("code_block", "{code {nested}}")
    assert body[3].expr == ast.Juxt(
        (ast.Name("void"), ast.Unit(), ast.Name("never"), ast.Ellipsis())
    )


def test_tuples_and_groups():
    body = body_of("f :=\n    (str, int)\n    (str)\n    (str,)\n")
    assert body[0].expr == ast.Tuple((ast.Name("str"), ast.Name("int")))
    assert body[1].expr == ast.Name("str")
    assert body[2].expr == ast.Tuple((ast.Name("str"),))


def test_import_takes_a_verbatim_path():
    module = parse_viba("Import[../lib/my-types.viba]\nf := int\n")
    assert module.statements[0].expr == ast.Import("../lib/my-types.viba")


def test_hints_inline_and_trailing():
    body = body_of("f :=\n    # inline\n    <- $x int  # recursive\n")
    assert body[0] == ast.Hint("inline")
    assert body[1].hint == "recursive"


def test_nested_definitions_and_blocks():
    body = body_of("f :=\n    For[$i <- $xs]\n        $t = $t + $i\n    g :=\n        <- $y int\n")
    assert body[0].block[0].kind == "assignment"
    assert isinstance(body[1], ast.Definition) and body[1].name == "g"


def test_brackets_join_lines():
    body = body_of("f :=\n    <- Match[\n        $n <= 1 -> 1,\n        _ -> 2,\n    ]\n")
    assert len(body[0].expr.args) == 2


def test_locations_are_one_based():
    binding = body_of("f :=\n    <- $x int\n")[0]
    assert (binding.line, binding.column) == (2, 5)
    assert (binding.expr.line, binding.expr.column) == (2, 8)


# -- rejected input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "line", "column", "fragment"),
    [
        ("def f(x):\n    return x\n", 1, 5, "expected ':='"),
        ("f :=\n    <- Match[$x -> 1, 2\n", 2, 13, "unclosed '['"),
        ("f :=\n    <- $x int\n  <- $x\n", 3, 3, "does not match any outer indentation"),
        ("f :=\n    $ x\n", 2, 5, "variable needs a name"),
        ("f :=\n\tint\n", 2, 1, "tab in indentation"),
        ('f := "abc\n', 1, 6, "unterminated string"),
        ("f := int]\n", 1, 9, "unmatched ']'"),
        ("f := int\n    <- $x int\n  extra\n", 3, 3, "does not match"),
        ("f :=\n    <- $x +\n", 2, 12, "expected a type or an expression"),
        ("f :=\n    <- Match[$x -> 1, ,]\n", 2, 23, "expected a type or an expression"),
        ("f :=\n    <- Match[$x -> 1 -> 2]\n", 2, 22, "expected ',' or ']' to close '['"),
        ("f :=\n", 1, 1, "definition 'f' is empty"),
        ("", 1, 1, "no definition found"),
        ("```viba\nf := int\n```\n", 1, 1, "tag needs a name"),
        ("f := int\n    $x int\n  $y\n", 3, 3, "does not match"),
        ("  f := int\n", 1, 1, "unexpected indent"),
        ("f := {open\n", 1, 6, "unterminated code block"),
        ("f := '''never closed\n", 1, 6, "unterminated triple-quoted string"),
        ("Import[]\nf := int\n", 1, 8, "needs a path"),
        ("f := int ; g\n", 1, 10, "unexpected character ';'"),
    ],
)
def test_malformed_viba_names_line_and_column(source, line, column, fragment):
    with pytest.raises(VibaSyntaxError) as caught:
        parse_viba(source)
    error = caught.value
    assert (error.line, error.column) == (line, column), str(error)
    assert fragment in error.message
    assert str(error).startswith(f"line {line}, column {column}: ")


def test_check_viba_returns_the_error_instead_of_raising():
    assert check_viba("f := int") is None
    error = check_viba("f := (int")
    assert isinstance(error, VibaSyntaxError) and (error.line, error.column) == (1, 6)
    assert is_valid_viba("f := int") and not is_valid_viba("f := (int")


def test_closing_bracket_mismatch_points_at_the_opener():
    error = check_viba("f :=\n    <- g[(1, 2]\n")
    assert error is not None and (error.line, error.column) == (2, 15)


# -- properties ---------------------------------------------------------------------------------

VIBA_ALPHABET = st.sampled_from([*"fgx$`'\"()[]{}|*<-=>:.,#_ \n0123456789", ":=", "<-", "    "])


@given(st.lists(VIBA_ALPHABET, max_size=40).map("".join))
def test_any_text_parses_or_raises_a_located_syntax_error(text):
    try:
        parse_viba(text)
    except VibaSyntaxError as error:
        assert 1 <= error.line <= text.count("\n") + 2
        assert error.column >= 1


@given(st.text(max_size=60))
def test_tokenizer_never_crashes_on_arbitrary_unicode(text):
    try:
        tokens = tokenize(text)
    except VibaSyntaxError:
        return
    assert tokens[-1].kind.name == "EOF"
