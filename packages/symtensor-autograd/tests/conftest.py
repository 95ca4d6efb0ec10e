"""Fixtures shared by the symtensor-autograd unit tests: a tensor root, a channel, a scripted LLM."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from llm_backends import ScriptedBackend, TaskHandler
from symtensor_autograd import GradientChannel, LlmRunner
from symtensor_autograd.testing import TranslationMemory
from symtensor_store import make_tensor


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "tensors"


@pytest.fixture
def channel() -> GradientChannel:
    return GradientChannel("test")


@pytest.fixture
def make(root: Path) -> Callable[..., torch.Tensor]:
    """make(data, grad=False): a float64 symbolic tensor under the test root."""

    def build(data, grad: bool = False) -> torch.Tensor:
        tensor = make_tensor(data, root, dtype=torch.float64)
        return tensor.requires_grad_() if grad else tensor

    return build


# The translation memory of the unit tests: a wrong output's value row is rewritten to the
# expected text, and an input is "improved" by prefixing "better ".
_memory_llm = TranslationMemory(rewrite_values=True, improve=lambda text: "better " + text)


@pytest.fixture
def runner_for() -> Callable[..., LlmRunner]:
    """runner_for(respond=memory_llm): an LlmRunner over a ScriptedBackend, cache off."""

    def build(respond=_memory_llm) -> LlmRunner:
        return LlmRunner(TaskHandler(ScriptedBackend(respond), use_cache=False))

    return build


@pytest.fixture
def memory_llm():
    """The scripted translation-memory LLM (see _memory_llm), to wrap in a spy."""
    return _memory_llm
