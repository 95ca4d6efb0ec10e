import json

import pytest
from dag_executor.cli import main


def test_prints_the_normalised_expression_tables_and_value(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["(-3)*(-3) + 1/4", "--depth", "3"]) == 0
    out = capsys.readouterr().out
    assert "normalised:  (-3) * (-3) + 1 / 4" in out
    assert "n0    yes   -     0003.0000" in out
    assert "executor value: 9.25" in out


def test_json_output_has_every_tensor(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["2 - (-7)", "--json", "--depth", "2", "--digits", "1", "--decimals", "0"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["executor_value"] == 9.0
    assert data["exact_value"] == "9"
    assert data["tensors"]["digits"] == [[2], [7], [0]]
    assert data["tensors"]["operands"][0] == [1.0, 1.0, 0.0, 0.0, 0.0]
    assert set(data["tensors"]) == {
        "digits",
        "signs",
        "operands",
        "gates",
        "step_mask",
        "node_mask",
    }


def test_bad_expression_exits_2_with_the_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["1 / (2 - 2)"]) == 2
    assert "DivisionByZeroError: division by zero: 2 - 2" in capsys.readouterr().err


@pytest.mark.parametrize("expression", ["-3*2", "-(1+2)*2"])
def test_an_expression_with_a_leading_minus_is_not_taken_for_an_option(
    expression: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([expression, "--json", "--depth", "2"]) == 0
    assert json.loads(capsys.readouterr().out)["executor_value"] == -6.0


def test_an_unknown_option_is_still_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["-x", "1"])
    assert exit_info.value.code == 2
    assert "unrecognized arguments: -x" in capsys.readouterr().err


def test_depth_beyond_the_cli_limit_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["1", "--depth", "100000"])
    assert exit_info.value.code == 2
    assert "--depth must be between 1 and 100, got 100000" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["1+" * 3000 + "1"], "TooManyNumbersError: 1+1+1+"),
        (["(" * 2000 + "1" + ")" * 2000], "ExpressionSyntaxError: expression nests too deeply"),
        (["1e99999999"], "DigitLimitError: number 1.000000E+99999999 is out of range"),
        (["1", "--digits", "10", "--decimals", "6"], "max_digits + max_decimals <= 15"),
    ],
    ids=["long sum", "deep parentheses", "huge exponent", "too many places"],
)
def test_oversized_input_is_a_short_error_not_a_traceback_or_a_hang(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err) < 400 and err.count("\n") == 1


def test_a_value_beyond_the_executors_range_is_a_one_line_error_not_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--depth", "100", "*".join(["9999"] * 27)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "beyond the executor's range" in err
