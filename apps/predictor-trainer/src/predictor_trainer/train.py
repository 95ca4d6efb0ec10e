"""The training loop: AdamW, warmup + cosine, gradient accumulation, DDP, checkpoints, evaluation.

Run under `torchrun --nproc-per-node N` it trains data-parallel (DDP, gloo backend on CPU): every
rank reads different examples (see `predictor_trainer.data`), gradients are averaged, rank 0
writes the checkpoints, `metrics.jsonl` and `metrics.png`.
"""

from __future__ import annotations

import json
import os
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.distributed as dist
from dag_executor import DagExecutor
from nanogpt_dag import (
    CharTokenizer,
    DagLossWeights,
    GPTConfig,
    PredictorConfig,
    PredictorOnlyModel,
    atomic_write,
    dag_losses,
    remove_temporaries,
)
from torch.nn.parallel import DistributedDataParallel
from tqdm import tqdm

from predictor_trainer.checkpoint import (
    TrainerState,
    check_compatible,
    claim_out_dir,
    latest_checkpoint,
    load_checkpoint,
    load_initial_weights,
    save_checkpoint,
)
from predictor_trainer.config import TrainConfig
from predictor_trainer.data import ExampleStream
from predictor_trainer.errors import CheckpointError, TrainConfigError
from predictor_trainer.evaluate import evaluate
from predictor_trainer.metrics_log import MetricsLog, plot_metrics
from predictor_trainer.schedule import learning_rate_at

LOSS_NAMES = ("digits", "signs", "operands", "gates", "steps", "execution")


@dataclass
class Process:
    """This process's place in a (possibly single-process) data-parallel run."""

    rank: int = 0
    world_size: int = 1

    @property
    def is_main(self) -> bool:
        """Whether this process writes files and prints."""
        return self.rank == 0


@dataclass
class RunResult:
    """What a call to `train` did: the last step, its loss, and the final evaluation."""

    step: int
    last_loss: float | None
    final_eval: dict[str, float]
    out_dir: Path


PLAIN_PROGRESS_S = 30.0  # seconds between progress lines when stderr is not a terminal


def build_model(config: TrainConfig) -> PredictorOnlyModel:
    """A freshly initialised predictor (seeded by `config.seed`, identical on every rank)."""
    torch.manual_seed(config.seed)
    gpt = GPTConfig(
        block_size=config.block_size,
        vocab_size=CharTokenizer().vocab_size,
        n_layer=config.n_layer,
        n_head=config.n_head,
        n_embd=config.n_embd,
        dropout=config.dropout,
        bias=config.bias,
        lm_head=False,
    )
    return PredictorOnlyModel(PredictorConfig(gpt, config.dag(), config.head_hidden))


def build_optimizer(model: torch.nn.Module, config: TrainConfig) -> torch.optim.AdamW:
    """AdamW with weight decay on matrices only (not on biases, LayerNorms)."""
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": config.weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=config.learning_rate, betas=(config.beta1, config.beta2))


def loss_weights(config: TrainConfig) -> DagLossWeights:
    """The per-component loss weights of `config`."""
    return DagLossWeights(
        digits=config.digit_weight,
        signs=config.sign_weight,
        operands=config.operand_weight,
        gates=config.gate_weight,
        steps=config.step_weight,
        execution=config.exec_weight,
    )


def _check_device(name: str) -> None:
    try:
        device = torch.device(name)
    except RuntimeError:
        raise TrainConfigError(f"device {name!r} is not a torch device (try 'cpu')") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise TrainConfigError(f"device {name!r}: torch finds no CUDA GPU here; use --device=cpu")


def _start_process(config: TrainConfig) -> Process:
    _check_device(config.device)
    if config.threads > 0:
        torch.set_num_threads(config.threads)
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size == 1:
        return Process()
    if not dist.is_initialized():
        dist.init_process_group("gloo")
    return Process(dist.get_rank(), dist.get_world_size())


def _restore(
    config: TrainConfig, model: PredictorOnlyModel, optimizer: torch.optim.Optimizer | None
) -> TrainerState | None:
    """Resume (weights, optimizer, RNG, step) or take weights from a folder (step 0); None for
    a scratch run."""
    if config.init_from == "scratch":
        return None
    if config.init_from != "resume":
        _load_weights_from(Path(config.init_from), model, config)
        return None
    path = latest_checkpoint(config.out_dir)
    if path is None:
        raise CheckpointError(
            f"init_from=resume but {config.out_dir} has no checkpoint; "
            "train with init_from=scratch first"
        )
    check_compatible(path, config)
    state = load_checkpoint(path, model)
    if optimizer is not None:
        optimizer.load_state_dict(state.optimizer)
    torch.set_rng_state(state.rng_state)
    return state


def _load_weights_from(folder: Path, model: PredictorOnlyModel, config: TrainConfig) -> None:
    load_initial_weights(folder, model, model.backbone, lm_head=False,
                         check=lambda path: check_compatible(path, config))  # fmt: skip


def _claim_out_dir(config: TrainConfig) -> None:
    if config.init_from != "resume":
        init_from = None if config.init_from == "scratch" else config.init_from
        claim_out_dir(config.out_dir, init_from, config.overwrite,
                      "--init_from=resume", "--overwrite=true")  # fmt: skip


def run_evaluation(config: TrainConfig) -> dict[str, float]:
    """Score a model on `config.test_split`: the latest checkpoint with init_from=resume, else an
    untrained (seeded) model. Rank 0 writes `out_dir/eval_<split>.json` and prints it."""
    process = _start_process(config)
    model = build_model(config).to(config.device)
    state = _restore(config, model, optimizer=None)
    metrics = evaluate(
        model, ExampleStream(config), config, config.test_split, process.rank, process.world_size
    )
    metrics["step"] = state.step if state else 0
    if process.is_main:
        out = Path(config.out_dir)
        out.mkdir(parents=True, exist_ok=True)
        text = json.dumps(metrics, indent=2)
        atomic_write(out / f"eval_{config.test_split}.json", lambda tmp: tmp.write_text(text))
        print(json.dumps(metrics))
    return metrics


def _mean_across_ranks(values: list[float], process: Process) -> list[float]:
    if process.world_size == 1:
        return values
    tensor = torch.tensor(values, dtype=torch.float64)
    dist.all_reduce(tensor)
    return (tensor / process.world_size).tolist()


def _train_step(
    step: int,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    stream: ExampleStream,
    executor: DagExecutor,
    config: TrainConfig,
    process: Process,
) -> list[float]:
    """One optimizer step over `grad_accum_steps` distinct micro-batches; mean losses."""
    lr = learning_rate_at(step, config)
    for group in optimizer.param_groups:
        group["lr"] = lr
    sums = [0.0] * (len(LOSS_NAMES) + 1)
    weights = loss_weights(config)
    for micro in range(config.grad_accum_steps):
        batch = stream.train_batch(step, micro, process.rank, process.world_size)
        batch = batch.to(config.device)
        last = micro == config.grad_accum_steps - 1
        sync = nullcontext() if last or process.world_size == 1 else model.no_sync()
        with sync:
            prediction = model(batch.ids, batch.lengths)
            losses = dag_losses(prediction, batch.targets, executor, weights, batch.values)
            (losses.total / config.grad_accum_steps).backward()
        parts = losses.as_floats()
        for i, name in enumerate(("total", *LOSS_NAMES)):
            sums[i] += parts[name] / config.grad_accum_steps
    if config.grad_clip > 0:
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return sums


def train(config: TrainConfig) -> RunResult:
    """Train (or resume) as `config` says; returns the last loss and the final evaluation.

    With `config.eval_only` it only scores the model (see `run_evaluation`).
    """
    if config.eval_only:
        metrics = run_evaluation(config)
        return RunResult(int(metrics["step"]), None, metrics, Path(config.out_dir))
    process = _start_process(config)
    if process.is_main:
        _claim_out_dir(config)
    if process.world_size > 1:
        dist.barrier()  # no rank reads out_dir before rank 0 has claimed it
    stream = ExampleStream(config)
    model = build_model(config).to(config.device)
    optimizer = build_optimizer(model, config)
    state = _restore(config, model, optimizer)
    start, elapsed = (state.step, state.elapsed_s) if state else (0, 0.0)
    if process.is_main and Path(config.out_dir).is_dir():
        remove_temporaries(config.out_dir)  # what a killed run's interrupted writes left
        remove_temporaries(Path(config.out_dir) / "checkpoints")
    log = MetricsLog(config.out_dir) if process.is_main else None
    if log is not None and state is not None:
        log.truncate_after(start)  # drop what a killed run logged after its last checkpoint
    elif log is not None:
        log.reset()
    ddp = DistributedDataParallel(model) if process.world_size > 1 else model
    executor = DagExecutor(stream.dag).to(config.device)
    # A live bar on a terminal; in a pipe or a log file, a plain line every PLAIN_PROGRESS_S.
    shown = process.is_main and config.progress
    live = shown and sys.stderr.isatty()
    bar = tqdm(total=config.max_iters, initial=start, disable=not live, desc="train",
               dynamic_ncols=True)  # fmt: skip
    last_line = time.perf_counter()
    last_loss, t0 = None, time.perf_counter() - elapsed
    model.train()
    for step in range(start, config.max_iters):
        means = _mean_across_ranks(
            _train_step(step, ddp, optimizer, stream, executor, config, process), process
        )
        done, last_loss = step + 1, means[0]
        bar.update(1)
        bar.set_postfix(loss=f"{last_loss:.4f}")
        now = time.perf_counter()
        if shown and not live and (now - last_line >= PLAIN_PROGRESS_S or done == config.max_iters):
            print(f"train: step {done}/{config.max_iters}, loss {last_loss:.4f}, "
                  f"{now - t0:.0f} s", file=sys.stderr, flush=True)  # fmt: skip
            last_line = now
        if log is not None and (done % config.log_interval == 0 or done == config.max_iters):
            record = {"step": done, "kind": "train", "lr": learning_rate_at(step, config),
                      "loss": last_loss, "elapsed_s": time.perf_counter() - t0}  # fmt: skip
            log.append(record | dict(zip(LOSS_NAMES, means[1:], strict=True)))
        if config.eval_interval and done % config.eval_interval == 0 and done < config.max_iters:
            _log_eval(model, stream, config, config.eval_split, done, process, log, t0)
        if done % config.checkpoint_interval == 0 or done == config.max_iters:
            _checkpoint(model, optimizer, config, done, time.perf_counter() - t0, process)
    bar.close()
    final = _log_eval(model, stream, config, config.test_split, config.max_iters, process, log, t0)
    if log is not None and config.plot:
        plot_metrics(log.records(), Path(config.out_dir) / "metrics.png")
    if process.world_size > 1:
        dist.barrier()
    return RunResult(config.max_iters, last_loss, final, Path(config.out_dir))


def _log_eval(
    model: PredictorOnlyModel,
    stream: ExampleStream,
    config: TrainConfig,
    split: str,
    step: int,
    process: Process,
    log: MetricsLog | None,
    t0: float,
) -> dict[str, float]:
    metrics = evaluate(model, stream, config, split, process.rank, process.world_size)
    if log is not None:
        log.append({"step": step, "kind": "eval", "split": split,
                    "elapsed_s": time.perf_counter() - t0} | metrics)  # fmt: skip
    return metrics


def _checkpoint(
    model: PredictorOnlyModel,
    optimizer: torch.optim.Optimizer,
    config: TrainConfig,
    step: int,
    elapsed: float,
    process: Process,
) -> None:
    if process.is_main:
        state = TrainerState(step, optimizer.state_dict(), torch.get_rng_state(), elapsed)
        save_checkpoint(config.out_dir, model, config, state, keep=config.keep_checkpoints)
    if process.world_size > 1:
        dist.barrier()  # nobody runs ahead of a checkpoint that might be resumed from
