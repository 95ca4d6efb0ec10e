"""DAG-GPT and the plain answer GPT: batches, decoding, the DAG path, the execution gradient,
and a short training that must learn to read questions."""

import dataclasses
import random

import pytest
import torch
from nanogpt_dag import GPTConfig
from nanogpt_dag.answer_gpt import AnswerGPT, make_batch
from nanogpt_dag.answer_training import AnswerTraining, exact_match, train_answer_model
from nanogpt_dag.dag_gpt import DagGPT, DagGPTConfig
from nanogpt_dag.errors import ModelConfigError
from nanogpt_dag.questions import (
    QUESTION_ALPHABET,
    SPLITS,
    dag_config_for,
    make_questions,
    split_shapes,
)
from nanogpt_dag.token_roles import ROLES

SHAPES = split_shapes()
DAG = dag_config_for(SHAPES)
VOCAB = len(QUESTION_ALPHABET) + 1


def small_config(**overrides) -> GPTConfig:
    settings = dict(block_size=112, vocab_size=VOCAB, n_layer=2, n_head=2, n_embd=48) | overrides
    return GPTConfig(**settings)


def test_batch_targets_the_answer_and_the_question_roles():
    questions = make_questions("test", 3, SHAPES["test"], DAG)
    batch = make_batch(questions, AnswerGPT(small_config()).tokenizer, 112)
    for row, q in enumerate(questions):
        n, line = len(q.text), q.text + "=" + q.answer + ";"
        answer_positions = (batch.lm_targets[row] >= 0).nonzero().flatten().tolist()
        assert answer_positions == list(range(n, len(line) - 1))  # '=' .. last answer char
        assert batch.role_targets[row, :n].tolist() == list(q.roles)
        assert (batch.role_targets[row, n:] == -1).all()
        digits = batch.digit_targets[row, :n]
        assert ((digits >= 0) == (batch.role_targets[row, :n] == ROLES.index("digit"))).all()
    assert (batch.start == 0).all()
    shifted = make_batch(questions, AnswerGPT(small_config()).tokenizer, 112, random.Random(0))
    assert (shifted.start + shifted.ids.shape[1] <= 112).all() and shifted.start.max() > 0


def test_answer_gpt_needs_an_lm_head_and_the_question_vocabulary():
    with pytest.raises(ModelConfigError, match="lm_head=True"):
        AnswerGPT(small_config(lm_head=False))
    with pytest.raises(ModelConfigError, match=f"vocab_size must be {VOCAB}"):
        AnswerGPT(small_config(vocab_size=20))


class ScriptedGPT(torch.nn.Module):
    """Writes a fixed string after '=' (then repeats its last character)."""

    def __init__(self, model: AnswerGPT, text: str) -> None:
        super().__init__()
        self.tokenizer, self.text, self.config = model.tokenizer, text, model.gpt.config

    def forward(self, ids, targets=None, start=None):
        logits = torch.zeros(*ids.shape, VOCAB)
        equals = self.tokenizer.encode("=")[0]
        for row in range(ids.shape[0]):
            written = ids[row].tolist()
            for t in range(ids.shape[1]):  # causal: position t reads ids[: t + 1] only
                after = t - written.index(equals) if equals in written[: t + 1] else 0
                char = self.text[min(after, len(self.text) - 1)]
                logits[row, t, self.tokenizer.encode(char)[0]] = 1
        return logits, None


def test_write_answers_stops_at_the_end_mark_and_gives_up_without_one():
    model = AnswerGPT(small_config())
    questions = make_questions("test", 2, SHAPES["test"], DAG)
    model.gpt = ScriptedGPT(model, "-42.5;")
    assert model.write_answers(questions) == ["-42.5", "-42.5"]
    model.gpt = ScriptedGPT(model, "7")  # never writes ';'
    assert model.write_answers(questions) == ["", ""]


def oracle(model: DagGPT, questions):
    """Heads that score the true role and digit of every question character."""

    def heads(ids, start=None):
        roles = torch.full((*ids.shape, len(ROLES)), -10.0)
        digits = torch.full((*ids.shape, 10), -10.0)
        for row, q in enumerate(questions):
            for t, (role, digit) in enumerate(zip(q.roles, q.digits, strict=True)):
                roles[row, t, role] = 10.0
                digits[row, t, digit] = 10.0
        return torch.zeros(*ids.shape, VOCAB), roles, digits

    model.heads = heads


@pytest.mark.parametrize("split", SPLITS)
def test_true_roles_answer_every_question_through_the_dag(split):
    model = DagGPT(DagGPTConfig(small_config(), DAG))
    questions = make_questions(split, 120, SHAPES[split], DAG, seed=2)
    oracle(model, questions)
    assert model.read_dags(questions) == [q.canonical for q in questions]
    assert model.answer(questions) == [q.answer for q in questions]


def test_a_misread_operator_gives_a_wrong_answer_and_a_broken_reading_none():
    model = DagGPT(DagGPTConfig(small_config(), DAG))
    questions = make_questions("test", 40, SHAPES["test"], DAG, seed=4)
    q = next(q for q in questions if "+" in q.canonical and "(" not in q.canonical)
    plus = q.roles.index(ROLES.index("plus"))
    times = (ROLES.index("times"),)
    misread = dataclasses.replace(q, roles=q.roles[:plus] + times + q.roles[plus + 1 :])
    oracle(model, [misread])
    assert model.answer([q])[0] != q.answer
    unparsable = dataclasses.replace(q, roles=(ROLES.index("open"), *q.roles[1:]))
    oracle(model, [unparsable])
    assert model.answer([q]) == [""]


def test_execution_loss_sends_a_gradient_to_the_misread_digit():
    model = DagGPT(DagGPTConfig(small_config(), DAG))
    questions = make_questions("test", 16, SHAPES["test"], DAG, seed=6)
    batch = make_batch(questions, model.tokenizer, 112)
    logits = torch.full((*batch.ids.shape, 10), -8.0)
    for row, q in enumerate(questions):
        for t, digit in enumerate(q.digits):
            logits[row, t, digit] = 8.0
    exact = model._execution_loss(questions, logits)
    assert float(exact.detach()) < 1e-6
    row, t = next((r, q.roles.index(1)) for r, q in enumerate(questions) if q.value != 0)
    true_digit = questions[row].digits[t]
    logits[row, t] = -8.0
    logits[row, t, (true_digit + 5) % 10] = 1.0
    logits[row, t, true_digit] = 0.0  # the true digit is second choice
    logits.requires_grad_(True)
    wrong = model._execution_loss(questions, logits)
    wrong.backward()
    assert float(wrong.detach()) > 1e-3
    gradient = logits.grad[row, t]
    assert gradient[true_digit] < -1e-4  # raising the true digit's score lowers the loss
    assert gradient.abs().sum() > 10 * logits.grad[row, :t].abs().sum()  # and it is local


def test_a_short_training_learns_to_read_every_rendering_and_extrapolates():
    torch.manual_seed(0)
    model = DagGPT(DagGPTConfig(small_config(n_embd=64), DAG))
    train_answer_model(model, SHAPES["train"], DAG, AnswerTraining(steps=250, batch_size=32))
    test = make_questions("test", 120, SHAPES["test"], DAG, seed=1)
    scores = exact_match(model.answer, test)
    assert scores.overall >= 0.9, scores
    assert min(scores.per_rendering.values()) >= 0.75, scores
    longer = make_questions("longer_numbers", 80, SHAPES["longer_numbers"], DAG, seed=1)
    assert exact_match(model.answer, longer).overall >= 0.75
    # the language model's own answers, trained as long, are almost never right
    assert exact_match(model.write_answers, test).overall < 0.2
