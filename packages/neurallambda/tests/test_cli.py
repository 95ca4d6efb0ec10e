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
    assert "needs 19 memory cells to start, more than the 4 available" in capsys.readouterr().err


def test_help_explains_the_language_and_exit_statuses(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = capsys.readouterr().out
    assert "quoted lists" in out and "(defn name [params] body)" in out
    assert "exit status: 0" in out and "--trace" in out


CHURCH = (
    "(defn zero [f x] x) (defn succ [n f x] (f (n f x))) (defn add [m n f x] (m f (n f x))) "
    "((add (succ zero) (succ (succ zero))) (fn [k] (+ k 1)) 0)"
)
Y_FACTORIAL = (
    "(((fn [f] ((fn [x] (f (fn [v] ((x x) v)))) (fn [x] (f (fn [v] ((x x) v)))))) "
    "(fn [fact] (fn [n] (if (= n 0) 1 (* n (fact (- n 1))))))) 3)"
)


@pytest.mark.parametrize(("program", "value"), [(CHURCH, "3"), (Y_FACTORIAL, "6")])
def test_church_numerals_and_the_y_combinator_run_with_no_flag(program, value, capsys):
    """The memory is sized from the reference interpreter's peak (66 and 134 cells)."""
    assert main(["run", program]) == 0
    assert capsys.readouterr().out.strip() == value


def test_cells_needed_is_the_reference_peak_rounded_up_to_eight():
    from neurallambda import cells_needed, peak_size
    from neurallambda.terms import compile_text

    assert peak_size(compile_text(Y_FACTORIAL), 100) == 134
    assert cells_needed([Y_FACTORIAL, CHURCH], 100) == 136
    assert cells_needed(["(+ 1 2)"]) == 8


@pytest.mark.parametrize(
    ("cells", "fragment"),
    [
        ("64", "it needs 136: --cells 136, or --cells auto"),
        ("16", "needs 46 memory cells to start"),
    ],
)
def test_a_memory_too_small_names_the_cells_the_program_needs(cells, fragment, capsys):
    assert main(["run", Y_FACTORIAL, "--cells", cells]) in (1, 2)
    assert fragment in capsys.readouterr().err


def test_learn_fills_a_sketch_and_verifies_it(capsys):
    assert main(["learn", "affine"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("affine: (fn [x] (+ (* x 3) 2))  (verified on held-out examples")


def test_learn_help_explains_the_sketch_syntax_with_an_example(capsys):
    with pytest.raises(SystemExit):
        main(["learn", "--help"])
    out = capsys.readouterr().out
    assert "?int" in out and "?op" in out and "neurallambda learn affine" in out
    assert 'neurallambda learn --sketch "(fn [x] (+ (* x ?int) ?int))"' in out


def test_learn_fills_your_own_sketch_from_examples(capsys):
    argv = ["learn", "--sketch", "(fn [x] (if (< x ?int) ?int x))"]
    argv += ["--train", "0 -> 3, 2 -> 3, 5 -> 5, 8 -> 8", "--held-out", "-4 -> 3, 9 -> 9"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("sketch: (fn [x] (if (< x ")
    assert "verified on held-out examples" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--sketch", "(fn [x] (+ x ?int))", "--train", "1 => 2"], "not written 'input -> output'"),
        (["--sketch", "(fn [x] (+ x ?int))", "--train", "1 -> two"], "an integer or a boolean"),
        (["--sketch", "(fn [x] (+ x ?int))", "--train", "(+ 1 -> 2"], "example '(+ 1 -> 2': line"),
        (["--sketch", "(fn [x] (+ x ?int)", "--train", "1 -> 2"], "the sketch: line 1"),
        (["--sketch", "(fn [x] (+ x 1))", "--train", "1 -> 2"], "the sketch has no hole"),
        (["--sketch", "(fn [x] (* x ?int))", "--train", "100 -> 500"], "outside the machine's"),
        (["--sketch", "(fn [x] (+ x ?int))"], "--sketch needs --train"),
        (["affine", "--sketch", "(fn [x] (+ x ?int))"], "either TASK (affine) or --sketch"),
        (["--train", "1 -> 2"], "--train and --held-out go with --sketch"),
        ([], "give a TASK of the suite"),
    ],
)
def test_learn_refuses_bad_input_in_one_line(argv, message, capsys):
    assert main(["learn", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err
