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
