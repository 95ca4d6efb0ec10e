"""Checkpoints are all-or-nothing: a failed or killed save never leaves a step that looks complete."""

import random

import pytest
import torch

from viba_trainer.checkpoint import CheckpointStore
from viba_trainer.errors import ExperienceError
from viba_trainer.metrics import IterationMetrics


def record(iteration):
    return IterationMetrics(
        iteration=iteration, mean_loss=0.5, losses={"seq": 0.5}, valid_viba=1.0,
        patches={"applied": 2}, llm_calls=1, prompt_tokens=10, completion_tokens=5,
        cache_hits=0, failed_tasks=0, seconds=0.1,
    )  # fmt: skip


def write_experience(directory):
    directory.mkdir(parents=True)
    (directory / "shape").write_text("[1, 3]")


def test_saved_checkpoint_loads_back(tmp_path):
    store = CheckpointStore(tmp_path)
    store.save(1, dump_experience=write_experience, state={"w": torch.ones(2)}, history=[record(1)])
    checkpoint = store.latest()
    assert checkpoint.step == 1 and checkpoint.history == [record(1)]
    assert torch.equal(checkpoint.load_state()["w"], torch.ones(2))


def test_random_state_is_restored(tmp_path):
    store = CheckpointStore(tmp_path)
    random.seed(3)
    torch.manual_seed(3)
    store.save(1, dump_experience=write_experience, state={}, history=[record(1)])
    expected = (random.random(), torch.rand(1))
    random.seed(99)
    torch.manual_seed(99)
    store.latest().restore_random_state()
    assert (random.random(), torch.rand(1)) == expected


def test_failed_save_leaves_no_step_and_no_temporary_directory(tmp_path):
    store = CheckpointStore(tmp_path)

    def explode(directory):
        write_experience(directory)
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        store.save(1, dump_experience=explode, state={}, history=[record(1)])
    assert store.steps() == [] and store.latest() is None
    assert list(store.directory.iterdir()) == []


def test_temporary_directories_of_a_killed_save_are_ignored_then_removed(tmp_path):
    store = CheckpointStore(tmp_path)
    store.save(1, dump_experience=write_experience, state={}, history=[record(1)])
    leftover = store.directory / ".step-0002.abc.tmp"
    leftover.mkdir()
    assert store.steps() == [1]
    assert store.remove_incomplete() == [leftover] and not leftover.exists()


def test_a_step_is_never_overwritten(tmp_path):
    store = CheckpointStore(tmp_path)
    store.save(1, dump_experience=write_experience, state={}, history=[record(1)])
    with pytest.raises(ExperienceError, match="already exists"):
        store.save(1, dump_experience=write_experience, state={}, history=[record(1)])


def test_corrupt_checkpoint_is_a_clear_error(tmp_path):
    store = CheckpointStore(tmp_path)
    store.save(1, dump_experience=write_experience, state={}, history=[record(1)])
    (store.step_dir(1) / "state.json").write_text("{not json")
    with pytest.raises(ExperienceError, match="step-0001 is unreadable"):
        store.latest()
