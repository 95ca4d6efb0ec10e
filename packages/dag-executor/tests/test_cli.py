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
