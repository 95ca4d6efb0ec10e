"""The training log says where a run stands and how long it has left, also after a resume."""

from dataclasses import replace
from itertools import count
from types import SimpleNamespace

import pytest
import torch
from neural_structures import StackRNN, StackRNNConfig
from neural_structures import train as train_module
from neural_structures.tasks import ReverseString
from neural_structures.train import TrainConfig, train


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0.4, "0s"), (45, "45s"), (59.6, "1m 00s"), (725, "12m 05s"), (10_620, "2h 57m")],
)
def test_time_left_reads_at_a_glance(seconds, shown):
    assert train_module._time_left(seconds) == shown


def test_the_time_left_is_estimated_from_the_steps_run_since_the_resume(tmp_path, monkeypatch):
    """A clock that advances 10 s per reading: after resuming at step 3 of 9, the log at step 6
    has run 3 steps in 10 s, so 3 more take 10 s (counting the 3 steps done before the resume
    would say 5 s)."""
    ticks = count(0, 10)
    monkeypatch.setattr(train_module, "time", SimpleNamespace(perf_counter=lambda: next(ticks)))
    config = TrainConfig(steps=9, batch_size=2, train_lengths=(1, 4), log_every=3)
    checkpoint = tmp_path / "run.pt"

    def run(steps: int) -> list[str]:
        torch.manual_seed(0)
        model = StackRNN(StackRNNConfig(n_inputs=4, n_outputs=2, hidden_size=4, cell_size=2))
        lines: list[str] = []
        train(
            model,
            ReverseString(),
            replace(config, steps=steps),
            log=lines.append,
            checkpoint=checkpoint,
        )
        return lines

    first = run(3)
    assert first[0].startswith("  step      3/3  loss ") and first[0].endswith("(0s left)")
    resumed = run(9)
    assert resumed[0] == f"  resuming from step 3 ({checkpoint})"
    assert resumed[1].startswith("  step      6/9  loss ")
    assert resumed[1].endswith("  10.0s  (10s left)")
    assert resumed[2].endswith("  20.0s  (0s left)")
