"""End-to-end: unseen Python translated by the real SmolLM2-135M with nearest-neighbour rows."""

import pytest
from symtensor_store import dump_tensor

from viba_trainer.config import TrainConfig
from viba_trainer.dataset import load_pairs
from viba_trainer.evaluation import evaluate_files
from viba_trainer.training import CONFIG_FILE
from viba_trainer.translator import nearest_neighbour_experience

pytestmark = [pytest.mark.llm, pytest.mark.slow]


def test_a_held_out_function_is_translated_unit_by_unit_by_the_local_model(tmp_path, monkeypatch):
    monkeypatch.setenv("LLM_CACHE_DIR", str(tmp_path / "cache"))  # every call reaches the model
    config = TrainConfig()
    experience = tmp_path / "experience"
    dump_tensor(
        nearest_neighbour_experience(load_pairs(split="train"), config, tmp_path / "root"),
        experience,
    )
    config.save(experience / CONFIG_FILE)
    # format_str_3: its f-string statement has no identical training unit, so the model writes
    # it; the other units are recalled from the rows.
    (pair,) = load_pairs(["format_str_3"])
    source = tmp_path / "print_count.py"
    source.write_text(pair.python)
    (tmp_path / "print_count.viba").write_text(pair.viba)
    report = evaluate_files(
        experience, [source], references=[tmp_path / "print_count.viba"], backend="local"
    )
    (result,) = report.results
    assert report.llm_calls >= 1
    assert result.syntax_error is None, result.translation
    assert result.translation.startswith("print_count :=\n    void\n    <- $item str\n")
    assert result.loss < 0.25, result.translation  # zero-shot is about 0.8
