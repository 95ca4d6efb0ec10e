import socket
import time
from pathlib import Path

import pytest
from llm_backends import (
    AgentTask,
    CallTimeoutError,
    LLMBackendError,
    MissingAPIKeyError,
    RetryPolicy,
    ServerBusyError,
    ServerUnreachableError,
    TaskHandler,
)
from llm_backends.backends.openai import OpenAIBackend, parse_retry_after
from llm_backends.testing import LoopbackChatServer

FAST = RetryPolicy(base_delay_s=0.01, max_delay_s=0.05)


def one_task(make_workspace):
    return AgentTask(
        make_workspace({"f.py": "TODO", "ctx.txt": "context"}), "fill f.py", (Path("f.py"),)
    )


def handler_for(server, **kwargs):
    kwargs.setdefault("use_cache", False)
    kwargs.setdefault("retry", FAST)
    return TaskHandler(OpenAIBackend(base_url=server.url, model="loopback-model"), **kwargs)


def test_answers_are_written_with_code_fences_stripped(make_workspace):
    with LoopbackChatServer(reply=lambda body: "Here:\n```python\nx = 1\n```\nbye") as server:
        task = one_task(make_workspace)
        [result] = handler_for(server).run([task])
    assert result.ok, result.error
    assert (task.workspace / "f.py").read_text() == "x = 1\n"
    [body] = server.requests
    assert body["model"] == "loopback-model" and body["max_tokens"] == 512
    assert "=== ctx.txt ===\ncontext" in body["messages"][1]["content"]
    assert "`f.py`" in body["messages"][1]["content"]


def test_stop_sequences_and_example_turns_reach_the_server(make_workspace):
    ws = make_workspace({"in.txt": "b", "ex_in.txt": "a", "ex_out.txt": "A", "out.txt": "TODO"})
    examples = ((Path("ex_in.txt"), Path("ex_out.txt")),)
    task = AgentTask(ws, "Upper-case.", (Path("out.txt"),), examples)
    with LoopbackChatServer(reply=lambda body: "B") as server:
        [result] = handler_for(server, stop=("\n\n",)).run([task])
    assert result.ok, result.error
    [body] = server.requests
    assert body["stop"] == ["\n\n"]
    assert [(m["role"], m["content"]) for m in body["messages"]] == [
        ("system", "Upper-case."),
        ("user", "a"),
        ("assistant", "A"),
        ("user", "b"),
    ]


def test_without_stop_sequences_none_are_sent(make_workspace):
    with LoopbackChatServer(reply=lambda body: "x") as server:
        handler_for(server).run([one_task(make_workspace)])
    [body] = server.requests
    assert "stop" not in body


def test_server_usage_and_prices_are_accounted(make_workspace):
    with LoopbackChatServer(reply=lambda body: "a b c d") as server:
        backend = OpenAIBackend(
            base_url=server.url, prompt_price_per_mtok=1e6, completion_price_per_mtok=2e6
        )
        handler = TaskHandler(backend, use_cache=False)
        [result] = handler.run([one_task(make_workspace)])
    assert result.usage.completion_tokens == 4
    assert result.usage.prompt_tokens > 0
    assert result.usage.cost_usd == pytest.approx(result.usage.prompt_tokens * 1 + 4 * 2)
    assert handler.usage == result.usage


def test_429_then_200_is_retried_honouring_retry_after(make_workspace):
    with LoopbackChatServer(script=[(429, 0.4)]) as server:
        start = time.perf_counter()
        [result] = handler_for(server).run([one_task(make_workspace)])
        elapsed = time.perf_counter() - start
    assert result.ok, result.error
    assert len(server.requests) == 2
    assert elapsed >= 0.4
    assert result.usage.calls == 2 and result.usage.retries == 1


def test_5xx_is_retried_and_gives_up_after_max_retries(make_workspace):
    with LoopbackChatServer(script=[(503, None)] * 10) as server:
        [result] = handler_for(server, max_retries=2).run([one_task(make_workspace)])
    assert isinstance(result.error, ServerBusyError) and result.error.status == 503
    assert len(server.requests) == 3
    assert result.usage.calls == 3 and result.usage.retries == 2


def test_a_hanging_server_times_out_each_attempt(make_workspace):
    with LoopbackChatServer(script=["hang", "hang", "hang"]) as server:
        start = time.perf_counter()
        [result] = handler_for(server, timeout_s=0.3, max_retries=1).run([one_task(make_workspace)])
        elapsed = time.perf_counter() - start
    assert isinstance(result.error, CallTimeoutError)
    assert "0.3 s" in str(result.error)
    assert len(server.requests) == 2
    assert 0.6 <= elapsed < 3


def test_a_hang_then_an_answer_succeeds(make_workspace):
    with LoopbackChatServer(script=["hang"]) as server:
        [result] = handler_for(server, timeout_s=0.3).run([one_task(make_workspace)])
    assert result.ok, result.error


def test_client_errors_are_not_retried(make_workspace):
    with LoopbackChatServer(script=[(400, None)]) as server:
        [result] = handler_for(server).run([one_task(make_workspace)])
    assert isinstance(result.error, LLMBackendError) and "HTTP 400" in str(result.error)
    assert len(server.requests) == 1


def test_a_rejected_key_is_reported_as_a_key_problem(make_workspace):
    with LoopbackChatServer(script=[(401, None)]) as server:
        [result] = handler_for(server).run([one_task(make_workspace)])
    assert isinstance(result.error, MissingAPIKeyError) and "LLM_API_KEY" in str(result.error)


def test_an_unreachable_server_is_a_clear_error(make_workspace):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    backend = OpenAIBackend(base_url=f"http://127.0.0.1:{port}/v1")
    [result] = TaskHandler(backend, use_cache=False, max_retries=1, retry=FAST).run(
        [one_task(make_workspace)]
    )
    assert isinstance(result.error, ServerUnreachableError)
    assert f"127.0.0.1:{port}" in str(result.error)


def test_a_remote_server_without_api_key_is_refused(monkeypatch):
    monkeypatch.delenv("LLM_API_KEY", raising=False)
    with pytest.raises(MissingAPIKeyError, match="LLM_API_KEY"):
        OpenAIBackend(base_url="https://api.example.com/v1")


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("LLM_BASE_URL", "https://api.example.com/v1")
    monkeypatch.setenv("LLM_API_KEY", "sk-test")
    monkeypatch.setenv("LLM_MODEL", "some-model")
    backend = OpenAIBackend()
    assert (backend.base_url, backend.model) == ("https://api.example.com/v1", "some-model")


def test_retry_after_parsing():
    import httpx

    assert parse_retry_after(httpx.Headers({"Retry-After": "3"})) == 3.0
    assert parse_retry_after(httpx.Headers({"retry-after-ms": "250"})) == 0.25
    assert parse_retry_after(httpx.Headers({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})) == 0.0
    assert parse_retry_after(httpx.Headers({})) is None
    for nonsense in ("soon", "", "12 parsecs", "Wed, 99 Foo"):
        assert parse_retry_after(httpx.Headers({"Retry-After": nonsense})) is None


def test_a_nonsense_retry_after_is_retried_like_no_hint(make_workspace):
    with LoopbackChatServer(script=[(429, "soon"), (429, "soon")]) as server:
        [result] = handler_for(server).run([one_task(make_workspace)])
    assert result.ok and len(server.requests) == 3


def test_two_servers_with_one_model_name_never_share_cached_answers(make_workspace, tmp_path):
    cache = tmp_path / "cache"
    with LoopbackChatServer() as first, LoopbackChatServer() as second:
        handler_for(first, use_cache=True, cache_dir=cache).run([one_task(make_workspace)])
        [answer] = handler_for(second, use_cache=True, cache_dir=cache).run(
            [one_task(make_workspace)]
        )
    assert len(first.requests) == 1 and len(second.requests) == 1
    assert answer.usage.cache_hits == 0


def test_cached_second_run_makes_no_request(make_workspace, tmp_path):
    with LoopbackChatServer() as server:
        handler = handler_for(server, use_cache=True, cache_dir=tmp_path / "cache")
        handler.run([one_task(make_workspace)])
        [second] = handler.run([one_task(make_workspace)])
    assert len(server.requests) == 1
    assert second.ok and second.usage.cache_hits == 1 and second.usage.calls == 0


def test_a_tasks_grammar_reaches_the_server_and_none_is_sent_without_one(make_workspace):
    grammar = 'root ::= "x" | "y"'
    workspace = make_workspace({"f.py": "TODO"})
    task = AgentTask(workspace, "fill f.py", (Path("f.py"),), grammar=grammar)
    with LoopbackChatServer(reply=lambda body: "x") as server:
        [result] = handler_for(server).run([task])
        handler_for(server).run([one_task(make_workspace)])
    assert result.ok, result.error
    constrained, plain = server.requests
    assert constrained["grammar"] == grammar and "grammar" not in plain


def test_a_server_that_refuses_the_grammar_is_asked_again_without_it(make_workspace):
    def task():
        workspace = make_workspace({"f.py": "TODO"})
        return AgentTask(workspace, "fill f.py", (Path("f.py"),), grammar='root ::= "x"')

    with LoopbackChatServer(script=[(400, None)], reply=lambda body: "x") as server:
        handler = handler_for(server)
        first, second = handler.run([task()]), handler.run([task()])
    assert first[0].ok and second[0].ok, (first[0].error, second[0].error)
    refused, again, later = server.requests
    assert "grammar" in refused and "grammar" not in again and "grammar" not in later
