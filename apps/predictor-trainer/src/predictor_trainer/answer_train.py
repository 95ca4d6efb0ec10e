"""`answer-train`: train DAG-GPT (or the plain answer GPT) on arithmetic questions, with
checkpoints, resume, weights from another run or a GPT-2 directory, and a held-out evaluation.

Files under `out_dir`:

    checkpoints/step-NNNN/   model.safetensors, config.json (this AnswerRunConfig),
                             trainer_state.pt (step, optimizer, RNG); LATEST names the newest
    metrics.jsonl            one record per `log_every` steps: every loss component
    evaluation.json          exact match per held-out split and per rendering, at the end

The training questions of step s are a function of (seed, s) (`nanogpt_dag.answer_training`),
so a resumed run continues exactly as an uninterrupted one.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from nanogpt_dag import GPTConfig, atomic_write, remove_temporaries
from nanogpt_dag.answer_gpt import MAX_ANSWER_CHARS, AnswerGPT
from nanogpt_dag.answer_training import (
    AnswerTraining,
    exact_match,
    make_optimizer,
    training_step,
)
from nanogpt_dag.dag_gpt import DagGPT, DagGPTConfig
from nanogpt_dag.questions import (
    QUESTION_ALPHABET,
    Question,
    dag_config_for,
    make_questions,
    split_shapes,
)
from tqdm import tqdm

from predictor_trainer.checkpoint import (
    TrainerState,
    claim_out_dir,
    latest_checkpoint,
    load_checkpoint,
    load_initial_weights,
    load_saved_config,
    save_checkpoint,
)
from predictor_trainer.config import check_model_size, check_out_dir
from predictor_trainer.errors import CheckpointError, TrainConfigError
from predictor_trainer.metrics_log import MetricsLog

MODELS = ("dag", "plain")
EVAL_SPLITS = ("test", "longer_numbers", "more_operands")
ARCHITECTURE = ("model", "n_layer", "n_head", "n_embd", "block_size")
PLAIN_PROGRESS_S = 30.0


@dataclass
class AnswerRunConfig:
    """Every setting of an answer-train run."""

    model: str = "dag"  # "dag" (DAG-GPT) or "plain" (the plain GPT baseline)
    # The optimisation defaults are nanogpt_dag's, so the library and the app cannot drift.
    steps: int = AnswerTraining.steps
    batch_size: int = AnswerTraining.batch_size
    learning_rate: float = AnswerTraining.learning_rate
    seed: int = AnswerTraining.seed
    n_layer: int = 3
    n_head: int = 4
    n_embd: int = 128
    block_size: int = 128
    eval_questions: int = 400  # per held-out split
    checkpoint_every: int = 500
    log_every: int = 50
    out_dir: str = "runs/answer"

    def __post_init__(self) -> None:
        """Refuse settings that cannot run, before any work."""
        if self.model not in MODELS:
            raise TrainConfigError(f"--model must be one of {MODELS}, got {self.model!r}")
        for name in ("steps", "eval_questions"):
            if getattr(self, name) < 0:
                raise TrainConfigError(f"--{name.replace('_', '-')} must be >= 0")
        for name in ("batch_size", "n_layer", "n_head", "n_embd", "checkpoint_every", "log_every"):
            if getattr(self, name) < 1:
                raise TrainConfigError(f"--{name.replace('_', '-')} must be >= 1")
        if self.n_embd % self.n_head:
            raise TrainConfigError(f"--n-embd {self.n_embd} must be a multiple of --n-head")
        if not self.learning_rate > 0:
            raise TrainConfigError("--learning-rate must be > 0")
        if not 0 <= self.seed < 2**63:
            raise TrainConfigError("--seed must be in 0 .. 2**63 - 1")
        if not self.out_dir.strip():
            raise TrainConfigError("--output-dir must name a folder, got an empty string")
        check_out_dir(Path(self.out_dir))
        check_model_size(self.n_layer, self.n_embd, self.block_size)

    def to_dict(self) -> dict[str, Any]:
        """The settings as a JSON-ready dict (stored with every checkpoint)."""
        return dataclasses.asdict(self)

    def training(self) -> AnswerTraining:
        """The optimisation settings."""
        return AnswerTraining(self.steps, self.batch_size, self.learning_rate, seed=self.seed)


def build_model(config: AnswerRunConfig) -> AnswerGPT:
    """A fresh DAG-GPT or plain GPT of `config`'s size."""
    gpt = GPTConfig(
        block_size=config.block_size,
        vocab_size=len(QUESTION_ALPHABET) + 1,
        n_layer=config.n_layer,
        n_head=config.n_head,
        n_embd=config.n_embd,
    )
    if config.model == "plain":
        return AnswerGPT(gpt)
    return DagGPT(DagGPTConfig(gpt, dag_config_for(split_shapes())))


def _check_architecture(folder: Path, config: AnswerRunConfig) -> None:
    saved = load_saved_config(folder)
    changed = [f"{k}: checkpoint {saved.get(k)!r} vs run {getattr(config, k)!r}"
               for k in ARCHITECTURE if saved.get(k) != getattr(config, k)]  # fmt: skip
    if changed:
        raise CheckpointError(f"{folder} was made by another model: " + ", ".join(changed))


def run(
    config: AnswerRunConfig,
    *,
    resume: bool = False,
    init_from: str | None = None,
    overwrite: bool = False,
    progress: bool = True,
) -> dict[str, Any]:
    """Train (from scratch, from `init_from` weights, or resuming) and evaluate; returns the
    evaluation (also written to `evaluation.json`)."""
    if resume and init_from:
        raise TrainConfigError("--resume continues this run's own weights; drop --init-from")
    out_dir = Path(config.out_dir)
    held_out = held_out_questions(config)
    if not resume:
        claim_out_dir(out_dir, init_from, overwrite, "--resume", "--overwrite")
    torch.manual_seed(config.seed)  # the same settings give the same initial weights
    model = build_model(config)
    optimizer = make_optimizer(model, config.training())
    start, elapsed = 0, 0.0
    if resume:
        checkpoint = latest_checkpoint(out_dir)
        if checkpoint is None:
            raise CheckpointError(f"--resume but {out_dir} has no checkpoint; start without it")
        _check_architecture(checkpoint, config)
        state = load_checkpoint(checkpoint, model)
        optimizer.load_state_dict(state.optimizer)
        torch.set_rng_state(state.rng_state)
        start, elapsed = state.step, state.elapsed_s
    elif init_from:
        load_initial_weights(Path(init_from), model, model.gpt, lm_head=True,
                             check=lambda folder: _check_architecture(folder, config))  # fmt: skip
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_temporaries(out_dir)
    log = MetricsLog(out_dir)
    if resume:
        log.truncate_after(start)
    else:
        log.reset()
    _train(model, optimizer, config, start, elapsed, log, progress)
    return _evaluate(model, config, held_out, out_dir)


def _train(model: AnswerGPT, optimizer: torch.optim.Optimizer, config: AnswerRunConfig,
           start: int, elapsed: float, log: MetricsLog, progress: bool) -> None:  # fmt: skip
    shapes = split_shapes()
    dag, settings = dag_config_for(shapes), config.training()
    live = progress and sys.stderr.isatty()
    bar = tqdm(total=config.steps, initial=start, disable=not live, desc="answer-train",
               dynamic_ncols=True)  # fmt: skip
    t0, last_line = time.perf_counter() - elapsed, time.perf_counter()
    for step in range(start, config.steps):
        losses = training_step(model, optimizer, shapes["train"], dag, settings, step)
        done, now = step + 1, time.perf_counter()
        bar.update(1)
        bar.set_postfix(loss=f"{losses['total']:.4f}")
        if progress and not live and (now - last_line >= PLAIN_PROGRESS_S or done == config.steps):
            print(f"answer-train: step {done}/{config.steps}, loss {losses['total']:.4f}, "
                  f"{now - t0:.0f} s", file=sys.stderr, flush=True)  # fmt: skip
            last_line = now
        if done % config.log_every == 0 or done == config.steps:
            log.append({"step": done, "kind": "train", "elapsed_s": now - t0} | losses)
        if done % config.checkpoint_every == 0 or done == config.steps:
            state = TrainerState(done, optimizer.state_dict(), torch.get_rng_state(), now - t0)
            save_checkpoint(config.out_dir, model, config, state)
    bar.close()
    model.eval()


def held_out_questions(config: AnswerRunConfig) -> dict[str, list[Question]]:
    """The evaluation questions of each held-out split; TrainConfigError up front when the
    longest would not fit the model's block size."""
    shapes = split_shapes()
    dag = dag_config_for(shapes)
    held_out = {}
    for split in EVAL_SPLITS:
        questions = make_questions(split, config.eval_questions, shapes[split], dag, seed=1)
        longest = max((len(q.text) for q in questions), default=0)
        if longest + 2 + MAX_ANSWER_CHARS > config.block_size:
            raise TrainConfigError(
                f"--block-size {config.block_size} is too small for the {split} questions "
                f"(longest {longest} characters, then up to {MAX_ANSWER_CHARS + 2} for the answer)"
            )
        held_out[split] = questions
    return held_out


def _evaluate(model: AnswerGPT, config: AnswerRunConfig, held_out: dict[str, list[Question]],
              out_dir: Path) -> dict[str, Any]:  # fmt: skip
    result: dict[str, Any] = {"model": config.model, "steps": config.steps}
    for split, questions in held_out.items():
        scores = exact_match(model.answer, questions)
        result[split] = scores.overall
        result[f"{split} per rendering"] = scores.per_rendering
    text = json.dumps(result, indent=2)
    atomic_write(out_dir / "evaluation.json", lambda tmp: tmp.write_text(text))
    return result
