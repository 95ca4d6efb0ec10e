"""The strict Viba check: every reference passes, Python-ish and half-translated output fails."""

import pytest

from viba_trainer.dataset import load_pairs
from viba_trainer.viba import check_strict_viba, is_strict_viba, is_valid_viba


def test_every_reference_is_strict():
    assert all(is_strict_viba(pair.viba) for pair in load_pairs())


HEAD = "f :=\n    int\n    <- $x int\n"

# (text, fragment the message must hold): each one parses as Viba but is not a translation.
NEAR_MISSES = [
    ("name :=\n    return x\n", "Python keyword 'return'"),
    (HEAD + "    print($x)\n", "Python keyword 'print'"),
    (HEAD + "    <- g($x)\n", "call with parentheses g(...)"),
    (HEAD + "    <- $x($x)\n", "call with parentheses $x(...)"),
    ('f :=\n    str\n    <- $n str\n    $t str = f"{n}"\n    <- $t\n', "no f-strings"),
    (HEAD + "    total = $x\n    <- $x\n", "assignment to 'total' without '$'"),
    (HEAD + "    <- $x + $y\n", "$y is used but never bound"),
    ("f :=\n    (str, str)\n    <- $key\n    <- $sep\n", "$key is used but never bound"),
    (HEAD + "    for $i in $x\n    <- $x\n", "Python keyword 'for'"),
    (HEAD + "    Match[$x > 0]:\n    <- $x\n", "ends with ':'"),
    (HEAD + "    $x += 1\n    <- $x\n", "augmented assignment '+='"),
    (HEAD + "    <- Match[$x > 0 -> 1, else -> 0]\n", "Python keyword 'else'"),
    (HEAD + "    <- Map[$x, lambda $y: $y]\n", "Python keyword 'lambda'"),
]


@pytest.mark.parametrize(("text", "fragment"), NEAR_MISSES)
def test_near_miss_is_rejected_with_a_message_naming_the_problem(text, fragment):
    error = check_strict_viba(text)
    assert error is not None and fragment in str(error)


def test_bindings_of_every_kind_count():
    text = (
        "f :=\n    $out int\n    <- $xs list[$elem int]\n    $out = 0\n"
        "    For[$i <- $xs]\n        $out = $out + $i\n"
        "    ($a int, _, $b int) = Split[$xs]\n"
        "    <- Map[$xs, ($y int) -> $y + $a + $b + $out]\n"
    )
    assert check_strict_viba(text) is None


def test_a_variable_bound_only_in_another_definition_is_unbound():
    text = "f :=\n    int\n    <- $x int\n    <- $x\ng :=\n    int\n    <- $x\n"
    assert "$x is used but never bound" in str(check_strict_viba(text))


@pytest.mark.parametrize(
    "text", ["name :=\n    return x\n", HEAD + "    print(line)\n", HEAD + '    text = f"..."\n']
)
def test_outputs_the_parser_alone_accepts_are_rejected(text):
    assert is_valid_viba(text)
    assert not is_strict_viba(text)
