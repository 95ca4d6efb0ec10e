"""A character-level GPT that reads an arithmetic question and writes its answer.

A line is `question=answer;`. The language-model loss is taken on the answer characters only
(the question is given, not generated), and `write_answers` decodes greedily after the `=` until
`;`. This is the plain-GPT baseline of the arithmetic benchmark; `DagGPT` builds on it.

Training places every line at a random start in the position table (`QABatch.start`), so that
questions longer than the training ones (more operands, longer numbers) still read learned
positions; evaluation starts at 0.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from nanogpt_dag.errors import ModelConfigError
from nanogpt_dag.gpt import GPT, GPTConfig
from nanogpt_dag.questions import QUESTION_ALPHABET, Question
from nanogpt_dag.token_roles import DIGIT
from nanogpt_dag.tokenizer import CharTokenizer

ANSWER_END = ";"
QUESTION_END = "="
MAX_ANSWER_CHARS = 16
"""Longest answer `write_answers` writes before giving up (`-99999999.99;` has 13)."""


@dataclass
class QABatch:
    """Lines `question=answer;` as ids (B, T) with their targets.

    lm_targets (B, T): the next character at answer positions, -1 elsewhere;
    role_targets, digit_targets (B, T): each question character's role and digit, -1 elsewhere
    (digits only where the role is a digit); start (B,): each row's first position.
    """

    questions: list[Question]
    ids: Tensor
    lm_targets: Tensor
    role_targets: Tensor
    digit_targets: Tensor
    start: Tensor


def make_batch(
    questions: Sequence[Question],
    tokenizer: CharTokenizer,
    block_size: int,
    rng: random.Random | None = None,
) -> QABatch:
    """Encode `questions` (right-padded); with `rng`, each row starts at a random position."""
    lines = [q.text + QUESTION_END + q.answer + ANSWER_END for q in questions]
    ids, lengths = tokenizer.encode_batch(lines, block_size)
    B, T = ids.shape
    lm_targets = torch.full((B, T), -1, dtype=torch.long)
    role_targets = torch.full((B, T), -1, dtype=torch.long)
    digit_targets = torch.full((B, T), -1, dtype=torch.long)
    for row, (question, length) in enumerate(zip(questions, lengths.tolist(), strict=True)):
        n = len(question.text)
        lm_targets[row, n : length - 1] = ids[row, n + 1 : length]  # '=' predicts the answer
        role_targets[row, :n] = torch.tensor(question.roles)
        digits = torch.tensor(question.digits)
        digit_targets[row, :n] = torch.where(role_targets[row, :n] == DIGIT, digits, -1)
    start = torch.zeros(B, dtype=torch.long)
    if rng is not None:
        start = torch.tensor([rng.randint(0, block_size - T) for _ in range(B)])
    return QABatch(list(questions), ids, lm_targets, role_targets, digit_targets, start)


class AnswerGPT(nn.Module):
    """The plain GPT: question in, answer characters out (module docstring)."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        if not config.lm_head:
            raise ModelConfigError("AnswerGPT writes answers: its GPTConfig needs lm_head=True")
        self.tokenizer = CharTokenizer(QUESTION_ALPHABET)
        if config.vocab_size != self.tokenizer.vocab_size:
            raise ModelConfigError(
                f"GPTConfig.vocab_size must be {self.tokenizer.vocab_size} (the question "
                f"alphabet and padding), got {config.vocab_size}"
            )
        self.gpt = GPT(config)

    def losses(self, batch: QABatch) -> dict[str, Tensor]:
        """{"lm": cross-entropy of the answer characters, "total": the same}."""
        _, lm = self.gpt(batch.ids, batch.lm_targets, start=batch.start)
        assert lm is not None  # targets were given
        return {"lm": lm, "total": lm}

    @torch.no_grad()
    def write_answers(self, questions: Sequence[Question]) -> list[str]:
        """Greedy answers, written character by character after `question=` until `;`."""
        lines = [list(self.tokenizer.encode(q.text + QUESTION_END)) for q in questions]
        done = [False] * len(lines)
        answers = [""] * len(lines)
        end_id = self.tokenizer.encode(ANSWER_END)[0]
        for _ in range(MAX_ANSWER_CHARS):
            T = max(len(line) for line in lines)
            ids = torch.zeros(len(lines), T, dtype=torch.long)
            for row, line in enumerate(lines):
                ids[row, : len(line)] = torch.tensor(line)
            logits, _ = self.gpt(ids)
            last = torch.tensor([len(line) - 1 for line in lines])
            chosen = logits[torch.arange(len(lines)), last].argmax(-1).tolist()
            for row, token in enumerate(chosen):
                if done[row]:
                    continue
                if token == end_id or token == self.tokenizer.pad_id:
                    done[row] = True
                    continue
                answers[row] += self.tokenizer.decode([token])
                lines[row].append(token)
            if all(done):
                break
        return [answer if finished else "" for answer, finished in zip(answers, done, strict=True)]

    def answer(self, questions: Sequence[Question]) -> list[str]:
        """The model's answers (for the plain GPT, the ones it writes)."""
        return self.write_answers(questions)
