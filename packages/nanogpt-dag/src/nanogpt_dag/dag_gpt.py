"""DAG-GPT: a character-level GPT that answers arithmetic by executing the DAG it reads.

The backbone is `AnswerGPT`'s (the same GPT, trained with the same language-model loss on the
answer). On top, a DAG head predicts at every question position the role of that character
(`nanogpt_dag.token_roles`: digit, point, operator, parenthesis or none) and, for a digit, its
value. The predicted roles spell an arithmetic text; `dag_executor` parses it into the fixed-size
DAG tensors and the differentiable executor runs them, and the executed value, rounded to two
decimals, is the answer (`answer`). The language model's own answer (`write_answers`) is kept
as an ablation.

What is learned is how the characters of a question map onto the DAG (which words and
characters are operators, which minus is unary, which digit sits in which place); the
arithmetic itself is the executor's, exact for any number of digits and operands the DAG tensors
hold. That is why it extrapolates where a plain GPT, which must learn arithmetic from answers,
cannot.

Training loss (`losses`):

    lm          cross-entropy of the answer characters (as AnswerGPT)
    roles       cross-entropy of each question character's role
    digits      cross-entropy of each digit character's value
    execution   smooth-L1 of asinh(value), the executor run on the true DAG with the head's digit
                probabilities in the digit slots (so the value's error reaches the digit scores)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from dag_executor import DagConfig, DagError, DagExecutor, DagTensors, expression_to_dag
from torch import Tensor, nn

from nanogpt_dag.answer_gpt import AnswerGPT, QABatch
from nanogpt_dag.gpt import GPTConfig
from nanogpt_dag.losses import execution_loss
from nanogpt_dag.questions import Question, format_answer
from nanogpt_dag.token_roles import ROLES, canonical_text, digit_places


@dataclass
class DagGPTConfig:
    """The backbone, the DAG's size and the weight of each loss component."""

    gpt: GPTConfig
    dag: DagConfig
    role_weight: float = 1.0
    digit_weight: float = 1.0
    execution_weight: float = 0.1


class DagGPT(AnswerGPT):
    """AnswerGPT + a DAG head at every position + the DAG executor (module docstring)."""

    def __init__(self, config: DagGPTConfig) -> None:
        super().__init__(config.gpt)
        self.config = config
        self.role_head = nn.Linear(config.gpt.n_embd, len(ROLES))
        self.digit_head = nn.Linear(config.gpt.n_embd, 10)
        self.executor = DagExecutor(config.dag, out_of_range="inf")

    def heads(self, ids: Tensor, start: Tensor | None = None) -> tuple[Tensor, Tensor, Tensor]:
        """Next-character logits (B, T, vocab), role logits (B, T, roles), digit logits (B, T, 10)."""
        hidden = self.gpt.hidden_states(ids, start)
        assert self.gpt.lm_head is not None  # AnswerGPT checked lm_head
        return self.gpt.lm_head(hidden), self.role_head(hidden), self.digit_head(hidden)

    def losses(self, batch: QABatch) -> dict[str, Tensor]:
        """Every loss component and their weighted sum "total" (module docstring)."""
        c = self.config
        lm_logits, role_logits, digit_logits = self.heads(batch.ids, batch.start)
        parts = {
            "lm": _cross_entropy(lm_logits, batch.lm_targets),
            "roles": _cross_entropy(role_logits, batch.role_targets),
            "digits": _cross_entropy(digit_logits, batch.digit_targets),
            "execution": self._execution_loss(batch.questions, digit_logits),
        }
        parts["total"] = (
            parts["lm"]
            + c.role_weight * parts["roles"]
            + c.digit_weight * parts["digits"]
            + c.execution_weight * parts["execution"]
        )
        return parts

    def _execution_loss(self, questions: Sequence[Question], digit_logits: Tensor) -> Tensor:
        """The executor on each question's true DAG, its digit slots read from `digit_logits`."""
        config = self.config.dag
        target = DagTensors.stack([expression_to_dag(q.canonical, config) for q in questions])
        slots = [
            (row, node, place, index)
            for row, q in enumerate(questions)
            for index, node, place in digit_places(q.roles, config)
        ]
        rows, nodes, places, positions = torch.tensor(slots).T
        probabilities = digit_logits.double().softmax(-1)[rows, positions]  # (slots, 10)
        digits = target.digits.index_put((rows, nodes, places), probabilities)
        values = self.executor(
            digits, target.signs, target.operands, target.gates, target.step_mask, hard=False
        )
        truth = torch.tensor([float(q.value) for q in questions], dtype=torch.float64)
        return execution_loss(values, truth)

    @torch.no_grad()
    def read_dags(self, questions: Sequence[Question]) -> list[str]:
        """The arithmetic text each question's predicted roles and digits spell."""
        texts = [q.text for q in questions]
        ids, lengths = self.tokenizer.encode_batch(texts, self.gpt.config.block_size)
        _, role_logits, digit_logits = self.heads(ids)
        roles, digits = role_logits.argmax(-1).tolist(), digit_logits.argmax(-1).tolist()
        return [
            canonical_text(roles[row][:n], digits[row][:n])
            for row, n in enumerate(lengths.tolist())
        ]

    @torch.no_grad()
    def answer(self, questions: Sequence[Question]) -> list[str]:
        """Answers through the DAG: read it, execute it (hard), round the value.

        A question whose predicted text does not parse or does not fit the DAG gets "".
        """
        readings = self.read_dags(questions)
        answers = [""] * len(questions)
        built: dict[int, DagTensors] = {}
        for row, text in enumerate(readings):
            try:
                built[row] = expression_to_dag(text, self.config.dag)
            except DagError:
                continue
        if built:
            values = self.executor.execute(DagTensors.stack(list(built.values())), hard=True)
            for row, value in zip(built, values.tolist(), strict=True):
                if abs(value) != float("inf"):
                    answers[row] = format_answer(value)
        return answers


def _cross_entropy(logits: Tensor, targets: Tensor) -> Tensor:
    return F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=-1)
