"""Fixtures shared by the symtensor-autograd unit tests: a tensor root, a channel, a scripted LLM."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from llm_backends import ScriptedBackend, TaskHandler
from symtensor_autograd import GradientChannel, LlmRunner
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


def _memory_llm(view, todo: str) -> str:
    """A scripted LLM that translates correctly only when an example holds the very input.

    keywords.txt: the words of text.txt; output.txt: the output of the example whose input equals
    input.txt, else "unknown"; new_key / new_value: the entry unchanged; new_input: "better input".
    """
    files = view.files
    if todo == "keywords.txt":
        return "\n".join(sorted(set(re.findall(r"\w+", files["text.txt"].lower())))) + "\n"
    if todo == "output.txt":
        for n in range(1, 20):
            if files.get(f"example_{n}_input.txt") == files["input.txt"]:
                return files[f"example_{n}_output.txt"]
        return "unknown\n"
    if todo == "new_key.txt":
        return files["entry_key.txt"]
    if todo == "new_value.txt":
        return files["case_1_expected.txt"]
    if todo == "new_input.txt":
        return "better " + files["input.txt"]
    raise KeyError(todo)


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
