"""Config loading: shipped names or paths, typed --key=value overrides, clear errors."""

from dataclasses import fields

import pytest
from predictor_trainer import TrainConfig, TrainConfigError, load_config, shipped_configs
from predictor_trainer.cli import main
from predictor_trainer.config import KEY_HELP


def test_shipped_configs_include_tiny_and_main():
    assert {"tiny", "main"} <= set(shipped_configs())


def test_main_config_is_the_seed_architecture():
    c = load_config("main")
    assert (c.n_layer, c.n_head, c.n_embd) == (2, 4, 256)
    assert (c.dag_depth, c.max_digits, c.max_decimals) == (4, 4, 4)


def test_overrides_win_over_the_file_and_are_converted_to_the_field_type():
    c = load_config("tiny", ["--max_iters=7", "--learning_rate=1e-2", "--eval_only=true",
                             "--out-dir=x/y"])  # fmt: skip
    assert c.max_iters == 7 and c.learning_rate == 0.01 and c.eval_only is True
    assert c.out_dir == "x/y"


def test_a_config_file_path_works(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('n_layer = 3\nout_dir = "somewhere"\n')
    c = load_config(str(path))
    assert c.n_layer == 3 and c.out_dir == "somewhere"
    assert c.n_embd == TrainConfig().n_embd


def test_unknown_key_names_the_key_and_lists_the_known_ones():
    with pytest.raises(TrainConfigError, match=r"unknown key 'max_iter'.*max_iters"):
        load_config("tiny", ["--max_iter=3"])


def test_unknown_key_in_a_file_names_the_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("n_layers = 3\n")
    with pytest.raises(TrainConfigError, match=r"bad\.toml: unknown key 'n_layers'"):
        load_config(str(path))


def test_wrongly_typed_value_is_rejected():
    with pytest.raises(TrainConfigError, match=r"max_iters must be int, got '1\.5'"):
        load_config("tiny", ["--max_iters=1.5"])
    with pytest.raises(TrainConfigError, match="eval_only must be bool"):
        load_config("tiny", ["--eval_only=maybe"])


def test_overrides_take_key_value_in_both_forms_and_the_common_cli_names():
    config = load_config(
        "tiny", ["--max_iters", "3", "--seed=5", "--output-dir", "runs/x", "--quiet"]
    )
    assert (config.max_iters, config.seed, config.out_dir, config.progress) == (
        3,
        5,
        "runs/x",
        False,
    )


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [(["max_iters=3"], "must look like --key=value"), (["--max_iters"], "needs a value")],
)
def test_malformed_overrides_are_rejected(argv, fragment):
    with pytest.raises(TrainConfigError, match=fragment):
        load_config("tiny", argv)


def test_missing_config_lists_shipped_names():
    with pytest.raises(TrainConfigError, match="shipped: main, tiny"):
        load_config("nope")


def test_inconsistent_values_are_rejected():
    with pytest.raises(TrainConfigError, match="init_from"):
        TrainConfig(init_from="gpt2")
    with pytest.raises(TrainConfigError, match="min_lr"):
        TrainConfig(learning_rate=1e-4, min_lr=1e-3)
    with pytest.raises(TrainConfigError, match="operations"):
        TrainConfig(operations="+^")
    with pytest.raises(TrainConfigError, match="test_split must be"):
        TrainConfig(test_split="holdout")


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("--dag_depth=0", "DagConfig.depth must be >= 1"),
        ("--max_digits=20", r"max_digits \+ max_decimals <= 15"),
        ("--max_numbers=9", r"max_numbers <= dag_depth \+ 1 = 3"),
        ("--min_numbers=0", "need 1 <= min_numbers"),
        ("--seed=-1", "seed must be >= 0"),
        ("--negative_probability=2", r"negative_probability must be in \[0, 1\]"),
        ("--learning_rate=-1", "learning_rate > 0"),
        ("--beta2=1.5", r"beta2 must be in \[0, 1\)"),
        ("--weight_decay=-0.1", "weight_decay must be >= 0"),
        ("--checkpoint_interval=0", "checkpoint_interval must be >= 1"),
    ],
)
def test_values_that_would_fail_deep_inside_training_are_rejected_up_front(override, message):
    with pytest.raises(TrainConfigError, match=message):
        load_config("tiny", [override])


def test_every_key_has_a_help_line_and_help_shows_it(capsys):
    assert set(KEY_HELP) == {f.name for f in fields(TrainConfig)}
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for name, text in KEY_HELP.items():
        assert f"  {name} = " in out and text in out, name


def test_shipped_configs_read_their_longest_expression_whole():
    for name in shipped_configs():
        config = load_config(name)
        longest = config.expression_generator("train").longest_text()
        assert len(longest) <= config.block_size, name
