"""`viba-train` command line: defaults, help, and clear errors for bad input."""

import subprocess
import sys

import pytest

from viba_trainer.cli import build_parser, main
from viba_trainer.config import TrainConfig
from viba_trainer.errors import VibaTrainerError


def parse(*argv):
    from viba_trainer.cli import _with_default_command

    return build_parser().parse_args(_with_default_command(argv))


def test_train_is_the_default_command_with_the_documented_defaults():
    args = parse()
    assert args.command == "train"
    assert (args.backend, args.iterations, args.experience_size, args.top_k, args.seed) == (
        "local", 5, None, 2, 0,
    )  # fmt: skip
    assert (args.split, args.validation_split, args.pairs) == ("train", "validation", None)
    assert not (args.resume or args.revert_on_worse or args.whole_functions or args.unchecked)


def test_options_without_a_command_go_to_train():
    args = parse("--backend", "scripted", "--iterations", "2", "--pairs", "seq", "loop")
    assert (args.command, args.backend, args.iterations, args.pairs) == (
        "train", "scripted", 2, ["seq", "loop"],
    )  # fmt: skip


def test_experience_size_defaults_to_twice_the_training_units():
    assert TrainConfig(pairs=("seq", "loop", "guard")).rows(units=14) == 28
    assert TrainConfig(pairs=("seq",), experience_size=5).rows(units=14) == 5


def test_training_on_a_validation_pair_is_refused():
    with pytest.raises(VibaTrainerError, match="seq_3 are both trained on and used for validation"):
        TrainConfig(pairs=("seq", "seq_3"))


def test_help_documents_every_option(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["train", "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for option in ("--backend", "--iterations", "--experience-size", "--top-k", "--seed",
                   "--output-dir", "--pairs", "--resume", "metrics.jsonl", "loss_curve.png"):  # fmt: skip
        assert option in text


def test_top_level_help_names_both_commands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    assert "train" in text and "evaluate" in text


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--pairs", "seq", "nonsense"], "unknown pair(s) nonsense"),
        (["--iterations", "0"], "--iterations must be at least 1"),
        (["--top-k", "0"], "--top-k must be at least 1"),
        (["--seed", "-5"], "--seed must be in [0, 2**32 - 1], got -5"),
        (["--seed", str(2**32)], "--seed must be in [0, 2**32 - 1]"),
        (["--experience-size", "0"], "--experience-size must be at least 1"),
        (["--noise-std", "nan"], "--noise-std must be a finite number >= 0, got nan"),
    ],
)
def test_bad_train_arguments_exit_2_with_a_message(argv, fragment, tmp_path, capsys):
    code = main([*argv, "--backend", "scripted", "--output-dir", str(tmp_path / "run")])
    assert code == 2
    assert fragment in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_console_script_is_installed():
    completed = subprocess.run(
        [sys.executable, "-m", "viba_trainer", "--help"], capture_output=True, text=True
    )
    assert completed.returncode == 0
    assert "viba-train" in completed.stdout


def test_empty_pair_list_is_refused_by_the_parser(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--pairs", "--output-dir", str(tmp_path / "run")])
    assert exit_.value.code == 2
    assert "--pairs" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_negative_noise_is_refused(tmp_path, capsys):
    code = main(["--noise-std", "-1", "--backend", "scripted", "--output-dir", str(tmp_path / "r")])
    assert code == 2 and "--noise-std must be a finite number >= 0" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_help_states_the_exit_statuses(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = capsys.readouterr().out
    assert "Exit status: 0 done; 1 failed" in text and "told in one line" in text
    assert "2 bad usage" in text


def test_evaluate_help_wraps_its_description(capsys):
    with pytest.raises(SystemExit):
        main(["evaluate", "--help"])
    assert max(len(line) for line in capsys.readouterr().out.splitlines()) <= 100


@pytest.mark.parametrize(("command", "hint"), [("train", True), ("evaluate", False)])
def test_an_interrupt_exits_130_and_suggests_resume_only_for_training(
    command, hint, monkeypatch, tmp_path, capsys
):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("viba_trainer.training.train", interrupted)
    monkeypatch.setattr("viba_trainer.evaluation.evaluate_files", interrupted)
    argv = {
        "train": ["train", "--backend", "scripted", "--output-dir", str(tmp_path / "run")],
        "evaluate": ["evaluate", "--experience", str(tmp_path), str(tmp_path / "a.py")],
    }[command]
    assert main(argv) == 130
    assert ("--resume" in capsys.readouterr().err) is hint
