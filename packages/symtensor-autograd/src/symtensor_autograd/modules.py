"""``nn.Module`` wrappers: :class:`StMoeModule` (owns an experience) and :class:`WithDenseView`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from llm_backends import TaskHandler, Usage
from torch import nn

from symtensor_autograd.errors import CheckpointError
from symtensor_autograd.experience import check_experience, mark_experience
from symtensor_autograd.functions.sparse import with_dense_view
from symtensor_autograd.functions.st_moe import st_moe
from symtensor_autograd.gradient_channel import GradientChannel, stamp
from symtensor_autograd.keywords import KeywordExtractor, LexicalKeywords, LlmKeywords
from symtensor_autograd.llm_runner import LlmRunner
from symtensor_autograd.prompts import StMoePrompts
from symtensor_autograd.texts import read_texts, write_texts


class StMoeModule(nn.Module):
    """A model of one ``st_moe`` layer whose weight is an experience tensor ``[N, 3]``.

    Args:
        llm: a ``TaskHandler`` (or an ``LlmRunner``, or a backend name for a new TaskHandler).
        task_prompt: what the LLM is asked to do, e.g. "Translate Python to Viba."
        prompts: full prompt set (its task is replaced by ``task_prompt`` when both are given).
        topk: experience rows retrieved per input element.
        noise_std: Gaussian exploration noise added to retrieval scores.
        keywords: "llm" (the LLM writes query keywords), "lexical" (identifiers and words of the
            text) or any KeywordExtractor. The optimizer uses the same one for the experience.
        update_filled_rows: let the LLM rewrite filled rows that served wrong outputs.
        exact_recall: answer an input that a retrieved row holds verbatim as its key with that
            row's value, without an LLM call (recommended with tiny models, which do not copy
            reliably).
        grammar: ``grammar(text)`` is the GBNF grammar the answer for input ``text`` must follow
            (None: unconstrained), for backends with constrained decoding (``local``, ``openai``
            to a llama.cpp server).
        seed: seeds the generator behind cold start and noise (saved in ``state_dict``).

    The module owns the ``gradient_channel`` its text gradients travel on and stamps it (and its
    keyword extractor) on the experience parameter, which is how ``StSGD`` finds them.
    """

    def __init__(
        self,
        llm: TaskHandler | LlmRunner | str | None = None,
        *,
        task_prompt: str | None = None,
        prompts: StMoePrompts | None = None,
        topk: int = 1,
        noise_std: float = 0.0,
        keywords: str | KeywordExtractor = "llm",
        update_filled_rows: bool = True,
        exact_recall: bool = False,
        grammar: Callable[[str], str | None] | None = None,
        seed: int = 0,
        experience: torch.Tensor | None = None,
    ) -> None:
        super().__init__()
        self.runner = (
            llm
            if isinstance(llm, LlmRunner)
            else LlmRunner(llm if isinstance(llm, TaskHandler) else TaskHandler(llm))
        )
        prompts = prompts or StMoePrompts()
        self.prompts = prompts.with_task(task_prompt) if task_prompt is not None else prompts
        self.keywords = _keyword_extractor(keywords, self.runner)
        self.topk = topk
        self.noise_std = noise_std
        self.update_filled_rows = update_filled_rows
        self.exact_recall = exact_recall
        self.grammar = grammar
        self.gradient_channel = GradientChannel(type(self).__name__)
        self.generator = torch.Generator().manual_seed(seed)
        self.experience: nn.Parameter | None = None
        if experience is not None:
            self.load_experience(experience)

    def extra_repr(self) -> str:
        """Shape of the experience and the retrieval settings, for ``print(model)``."""
        shape = None if self.experience is None else list(self.experience.shape)
        return (
            f"experience={shape}, topk={self.topk}, noise_std={self.noise_std}, "
            f"keywords={type(self.keywords).__name__}, task_prompt={self.task_prompt!r}"
        )

    @property
    def task_prompt(self) -> str:
        """The task prompt every LLM instruction starts with."""
        return self.prompts.task

    @task_prompt.setter
    def task_prompt(self, task: str) -> None:
        self.prompts = self.prompts.with_task(task)

    @property
    def llm_usage(self) -> Usage:
        """LLM calls, cache hits and tokens spent so far by this model (and its optimizer)."""
        return self.runner.usage

    def load_experience(self, experience: torch.Tensor) -> nn.Parameter:
        """Make symbolic ``experience`` ([N, 3]) this model's learnable weight (shared storage)."""
        check_experience(experience)
        parameter = nn.Parameter(experience.detach(), requires_grad=True)
        parameter.st_root, parameter.st_uid = experience.st_root, experience.st_uid
        parameter.st_keywords = self.keywords
        self.experience = stamp(mark_experience(parameter), self.gradient_channel)
        return self.experience

    def forward(self, input: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(output, indexes)``: the LLM's answer for every element and the rows it recalled."""
        if self.experience is None:
            raise CheckpointError(
                "StMoeModule has no experience yet: call load_experience(tensor) first"
            )
        return st_moe(
            input,
            self.experience,
            runner=self.runner,
            keywords=self.keywords,
            prompts=self.prompts,
            topk=self.topk,
            noise_std=self.noise_std,
            generator=self.generator,
            update_filled_rows=self.update_filled_rows,
            exact_recall=self.exact_recall,
            grammar=self.grammar,
            channel=self.gradient_channel,
        )

    def get_extra_state(self) -> dict[str, Any]:
        """The experience text and the generator state (the coefficients are the parameter)."""
        state: dict[str, Any] = {"generator_state": self.generator.get_state()}
        if self.experience is not None:
            state["experience_shape"] = list(self.experience.shape)
            state["experience_texts"] = read_texts(self.experience)
        return state

    def set_extra_state(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`get_extra_state` saved into the loaded experience."""
        self.generator.set_state(state["generator_state"])
        if "experience_texts" not in state:
            return
        if self.experience is None:
            raise CheckpointError(
                "load_experience(tensor) before loading a state dict with an experience"
            )
        if list(self.experience.shape) != list(state["experience_shape"]):
            raise CheckpointError(
                f"checkpoint experience is {state['experience_shape']}, this model's is "
                f"{list(self.experience.shape)}"
            )
        write_texts(self.experience, dict(enumerate(state["experience_texts"])))


def _keyword_extractor(keywords: str | KeywordExtractor, runner: LlmRunner) -> KeywordExtractor:
    if keywords == "llm":
        return LlmKeywords(runner)
    if keywords == "lexical":
        return LexicalKeywords()
    if isinstance(keywords, str):
        raise ValueError(
            f"keywords must be 'llm', 'lexical' or a KeywordExtractor, got {keywords!r}"
        )
    return keywords


class WithDenseView(nn.Module):
    """Runs ``inner`` on the dense view of a sparse ``(coordinates, values)`` tensor of ``shape``.

    ``forward(coordinates, values)`` returns the values of ``inner(dense)`` at the same
    coordinates (when ``inner`` returns a tuple, like StMoeModule, its first element).
    """

    def __init__(
        self, inner: nn.Module | Callable[[torch.Tensor], Any], shape: Sequence[int]
    ) -> None:
        super().__init__()
        self.inner = inner
        self.shape = tuple(int(d) for d in shape)

    def forward(self, coordinates: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        """Sparse values of ``inner`` applied to the dense view."""
        channel = getattr(self.inner, "gradient_channel", None)

        def dense_fn(dense: torch.Tensor) -> torch.Tensor:
            result = self.inner(dense)
            return result[0] if isinstance(result, tuple) else result

        return with_dense_view(dense_fn, coordinates, values, self.shape, channel=channel)
