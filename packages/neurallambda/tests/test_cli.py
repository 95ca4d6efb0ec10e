import pytest
from neurallambda.cli import main

SMALL = ["--cells", "16", "--vec-size", "256"]


def test_run_prints_the_read_back(capsys):
    assert main(["run", "((fn [x y] '(1 y x)) 10 100)", "--cells", "16"]) == 0
    assert capsys.readouterr().out.strip() == "'(1 100 10)"


def test_run_trace_prints_memory_after_each_step(capsys):
    assert main(["run", "((fn [x] x) 42)", "--trace", *SMALL]) == 0
    out = capsys.readouterr().out
    assert "step 0:\n0: (App, A1, A3)" in out
    assert "step 1:\n0: (Int, 42, -)" in out
    assert out.strip().endswith("42")


def test_check_prints_both_results(capsys):
    assert main(["check", "(if (< 1 2) 'yes 'no)", *SMALL]) == 2  # parse error: 'yes is not a list
    assert main(["check", "(if (< 1 2) 3 4)", *SMALL]) == 0
    out = capsys.readouterr().out
    assert "machine:   3\nreference: 3\nagree:     yes" in out


def test_errors_are_reported_with_nonzero_status(capsys):
    assert main(["run", "((fn [w] (w w)) (fn [w] (w w)))", "--steps", "4", *SMALL]) == 1
    assert "no normal form within 4 steps" in capsys.readouterr().err
    assert main(["run", "(+ 1", *SMALL]) == 2
    assert "line 1, column 5" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--cells", "0"], "argument --cells: must be >= 1, got 0"),
        (["--vec-size", "0"], "argument --vec-size: must be >= 1, got 0"),
        (["--steps", "-1"], "argument --steps: must be >= 0, got -1"),
        (["--cells", "many"], "argument --cells: expected an integer, got 'many'"),
        (["--int-range", "5", "1"], "--int-range needs LO <= HI, got 5 1"),
    ],
)
def test_bad_options_are_one_line_usage_errors(options, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "42", *options])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_too_small_vector_size_is_reported_with_advice(capsys):
    assert main(["check", "42", "--vec-size", "8"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: vec_size=8 is too small") and "use vec_size >=" in err


def test_program_too_large_for_the_cells_is_reported(capsys):
    assert main(["run", "'(1 2 3 4 5 6 7 8 9)", "--cells", "4", "--vec-size", "256"]) == 2
    assert "needs more than the 4 memory cells" in capsys.readouterr().err


def test_help_explains_the_language_and_exit_statuses(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = capsys.readouterr().out
    assert "quoted lists" in out and "(defn name [params] body)" in out
    assert "exit status: 0" in out and "--trace" in out
