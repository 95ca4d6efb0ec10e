"""Training and scoring of question-answering models (`AnswerGPT`, `DagGPT`) on `questions`.

`train_answer_model` draws fresh training questions from a seeded stream (renderings in turn),
so two models trained with the same seed and steps see exactly the same questions.
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


def train_answer_model(
    model: AnswerGPT,
    shape: QuestionShape,
    dag: DagConfig,
    settings: AnswerTraining,
    log: Callable[[int, dict[str, float]], None] | None = None,
    log_every: int = 100,
) -> None:
    """Train `model` in place on `settings.steps` batches of fresh training questions."""
    torch.manual_seed(settings.seed)
    stream = iterate_questions("train", shape, dag, settings.seed)
    rng = random.Random(settings.seed)
    block_size = model.gpt.config.block_size
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay
    )
    model.train()
    for step in range(settings.steps):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate_at(step, settings)
        questions = [next(stream) for _ in range(settings.batch_size)]
        losses = model.losses(make_batch(questions, model.tokenizer, block_size, rng))
        optimizer.zero_grad(set_to_none=True)
        losses["total"].backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if log is not None and (step + 1) % log_every == 0:
            log(step + 1, {name: float(value.detach()) for name, value in losses.items()})
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
