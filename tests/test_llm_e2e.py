"""End-to-end: real SmolLM2-135M through the llama.cpp OpenAI server and in-process llama.cpp."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from llm_backends import AgentTask, TaskHandler
from llm_backends.backends.local import LocalBackend, bundled_model_path
from llm_backends.backends.openai import OpenAIBackend
from llm_backends.testing import placeholder_task

pytestmark = [pytest.mark.llm, pytest.mark.slow]

GGUF = bundled_model_path("smollm2")
MAX_TOKENS = 8


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def four_tasks(root: Path) -> list[AgentTask]:
    return [
        placeholder_task(
            root / f"task{i}",
            f"A Python function that {what}.",
            f"Write a Python function that {what}.",
        )
        for i, what in enumerate(
            ["adds two numbers", "returns a greeting", "squares a number", "negates a flag"]
        )
    ]


def assert_filled_by_the_model(results):
    for result in results:
        assert result.ok, result.error
        content = (result.task.workspace / "solution.py").read_text()
        assert content.strip() and content.strip() != "TODO"
        assert result.usage.calls == 1 and 0 < result.usage.completion_tokens <= MAX_TOKENS


@pytest.fixture
def llama_server(tmp_path):
    """The real llama.cpp OpenAI-compatible server on a free loopback port; always killed."""
    port = free_port()
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(GGUF),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "2048",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "llama_cpp.server did not become ready in 90 s"
            try:
                if httpx.get(f"{url}/models", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield url
    finally:
        proc.kill()
        proc.wait(10)
        log.close()


@pytest.fixture(params=["llama_server", "in_process"])
def backend(request):
    """The real model through llama.cpp's OpenAI-compatible server, and in process."""
    if request.param == "llama_server":
        return OpenAIBackend(base_url=request.getfixturevalue("llama_server"), model="smollm2")
    return LocalBackend("smollm2", n_ctx=2048)


def test_the_real_model_fills_todo_files(backend, tmp_path):
    handler = TaskHandler(
        backend, concurrency=4, use_cache=False, max_tokens=MAX_TOKENS, timeout_s=60, max_retries=1
    )
    results = handler.run(four_tasks(tmp_path / "ws"))
    assert_filled_by_the_model(results)
    assert handler.usage.calls == 4


def test_a_tasks_grammar_constrains_the_real_model(backend, tmp_path):
    """The grammar reaches llama.cpp both ways: every answer is one of the grammar's words."""
    handler = TaskHandler(backend, use_cache=False, max_tokens=MAX_TOKENS, timeout_s=60)
    grammar = 'root ::= "alpha" | "beta"'
    tasks = [
        AgentTask(task.workspace, task.instruction, task.todo_files, grammar=grammar)
        for task in four_tasks(tmp_path / "ws")
    ]
    for result in handler.run(tasks):
        assert result.ok, result.error
        assert (result.task.workspace / "solution.py").read_text().strip() in ("alpha", "beta")
