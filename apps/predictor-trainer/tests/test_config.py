"""Config loading: shipped names or paths, typed --key=value overrides, clear errors."""

import pytest
from predictor_trainer import TrainConfig, TrainConfigError, load_config, shipped_configs


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


def test_override_without_equals_sign_is_rejected():
    with pytest.raises(TrainConfigError, match="must look like --key=value"):
        load_config("tiny", ["--max_iters", "3"])


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
