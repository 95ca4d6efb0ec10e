"""Data-parallel training through torchrun (2 processes, DDP on gloo) is real data parallelism.

Rank r of 2 reads the micro-batch that micro-batch r of a 1-process run with 2 accumulation
steps reads, and DDP averages the two gradients; so after a few steps the 2-process weights must
equal (up to float summation order) those of the 1-process, 2-accumulation run. That can only
hold if the ranks saw different data and their gradients were combined.
"""

import json
import os
import subprocess
import sys

import pytest
import torch
from predictor_trainer import TrainConfig, latest_checkpoint, train
from safetensors.torch import load_file

SETTINGS = dict(n_layer=1, n_head=2, n_embd=16, block_size=24, dag_depth=1, max_digits=1,
                max_decimals=0, batch_size=8, max_iters=3, eval_examples=16, eval_interval=0,
                log_interval=1, checkpoint_interval=3, warmup_iters=1, lr_decay_iters=3,
                learning_rate=1e-2, min_lr=1e-3, progress=False, plot=False, threads=1)  # fmt: skip


@pytest.mark.slow
def test_two_process_torchrun_matches_one_process_gradient_accumulation(tmp_path):
    ddp = TrainConfig(**SETTINGS, grad_accum_steps=1, out_dir=str(tmp_path / "ddp"))
    toml = tmp_path / "ddp.toml"
    toml.write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in ddp.to_dict().items()))
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node",
               "2", "-m", "predictor_trainer.cli", str(toml)]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    summaries = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(summaries) == 1, "only rank 0 reports"

    single = train(TrainConfig(**SETTINGS, grad_accum_steps=2, out_dir=str(tmp_path / "one")))
    a = load_file(str(latest_checkpoint(tmp_path / "ddp") / "model.safetensors"))
    b = load_file(str(latest_checkpoint(tmp_path / "one") / "model.safetensors"))
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=1e-4, atol=1e-5, msg=key)
    reported = json.loads(summaries[0])
    assert reported["exact_match"] == single.final_eval["exact_match"]
    assert reported["digits_accuracy"] == single.final_eval["digits_accuracy"]
    records = (tmp_path / "ddp" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(r)["step"] for r in records if '"train"' in r] == [1, 2, 3]
