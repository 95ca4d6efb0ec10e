"""Training and scoring of question-answering models (`AnswerGPT`, `DagGPT`) on `questions`.

Each training step draws fresh questions from a stream seeded by (seed, step), renderings in turn
(`training_questions`), so two models trained with the same seed and steps see exactly the same
questions, and a resumed run continues as if never stopped. `train_answer_model` is the whole
loop in memory; `predictor_trainer`'s `answer-train` runs `training_step` with checkpoints.
`exact_match` scores answers as strings, overall and per rendering.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from dag_executor import DagConfig

from nanogpt_dag.answer_gpt import AnswerGPT, make_batch
from nanogpt_dag.questions import RENDERINGS, Question, QuestionShape, iterate_questions


@dataclass
class AnswerTraining:
    """Optimisation settings: AdamW with linear warm-up and cosine decay to lr / 10."""

    steps: int = 3000
    batch_size: int = 64
    learning_rate: float = 2e-3
    warmup_steps: int = 100
    weight_decay: float = 0.01
    seed: int = 0


def learning_rate_at(step: int, settings: AnswerTraining) -> float:
    """The learning rate of optimizer step `step` (0-based)."""
    if step < settings.warmup_steps:
        return settings.learning_rate * (step + 1) / settings.warmup_steps
    progress = (step - settings.warmup_steps) / max(1, settings.steps - settings.warmup_steps)
    return settings.learning_rate * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def training_questions(
    shape: QuestionShape, dag: DagConfig, settings: AnswerTraining, step: int
) -> list[Question]:
    """The training questions of optimizer step `step`: a function of (seed, step) alone, so a
    resumed run sees exactly the questions an uninterrupted one would."""
    stream = iterate_questions("train", shape, dag, seed=f"{settings.seed}/step {step}")
    return [next(stream) for _ in range(settings.batch_size)]


def make_optimizer(model: AnswerGPT, settings: AnswerTraining) -> torch.optim.AdamW:
    """AdamW over every parameter of `model` (the learning rate is set per step)."""
    return torch.optim.AdamW(
        model.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay
    )


def training_step(
    model: AnswerGPT,
    optimizer: torch.optim.Optimizer,
    shape: QuestionShape,
    dag: DagConfig,
    settings: AnswerTraining,
    step: int,
) -> dict[str, float]:
    """One optimizer step (0-based `step`) on its training questions; returns the losses.

    Each line starts at a random position of the table (seeded by step, see `AnswerGPT`).
    """
    for group in optimizer.param_groups:
        group["lr"] = learning_rate_at(step, settings)
    questions = training_questions(shape, dag, settings, step)
    rng = random.Random(f"{settings.seed}/start {step}")
    model.train()
    losses = model.losses(make_batch(questions, model.tokenizer, model.gpt.config.block_size, rng))
    optimizer.zero_grad(set_to_none=True)
    losses["total"].backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    return {name: float(value.detach()) for name, value in losses.items()}


def train_answer_model(model: AnswerGPT, shape: QuestionShape, dag: DagConfig,
                       settings: AnswerTraining) -> None:  # fmt: skip
    """Train `model` in place from scratch for `settings.steps` steps (no files written)."""
    torch.manual_seed(settings.seed)
    optimizer = make_optimizer(model, settings)
    for step in range(settings.steps):
        training_step(model, optimizer, shape, dag, settings, step)
    model.eval()


@dataclass
class ExactMatch:
    """Share of answers equal to the reference, overall and per rendering, and the time taken."""

    overall: float
    per_rendering: dict[str, float]
    seconds: float


def exact_match(
    answer: Callable[[Sequence[Question]], list[str]],
    questions: Sequence[Question],
    batch_size: int = 256,
) -> ExactMatch:
    """Score `answer` (a model's `answer` or `write_answers`) on `questions`."""
    began = time.perf_counter()
    correct: list[bool] = []
    for first in range(0, len(questions), batch_size):
        chunk = questions[first : first + batch_size]
        answers = answer(chunk)
        correct += [a == q.answer for a, q in zip(answers, chunk, strict=True)]
    per_rendering = {}
    for rendering in RENDERINGS:
        scored = [ok for ok, q in zip(correct, questions, strict=True) if q.rendering == rendering]
        if scored:
            per_rendering[rendering] = sum(scored) / len(scored)
    return ExactMatch(
        sum(correct) / max(1, len(correct)), per_rendering, time.perf_counter() - began
    )
