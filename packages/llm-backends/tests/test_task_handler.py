import asyncio
import json
import time
from pathlib import Path

import pytest
from llm_backends import (
    AgentTask,
    ScriptedBackend,
    TaskHandler,
    TaskView,
    UnfilledTodoError,
    Usage,
    WorkspaceMissingError,
)


def fill_with_name(view: TaskView, todo_file: str) -> str:
    return f"content of {todo_file} for: {view.instruction}\n"


def test_todo_files_are_replaced_by_the_backend_answer(make_workspace, tmp_path):
    ws = make_workspace({"main.py": "TODO", "lib/util.py": "TODO", "readme.txt": "hello"})
    task = AgentTask(ws, "write it", (Path("main.py"), Path("lib/util.py")))
    [result] = TaskHandler(ScriptedBackend(fill_with_name), cache_dir=tmp_path / "c").run([task])
    assert result.ok and result.error is None
    assert (ws / "main.py").read_text() == "content of main.py for: write it\n"
    assert (ws / "lib/util.py").read_text() == "content of lib/util.py for: write it\n"
    assert (ws / "readme.txt").read_text() == "hello"
    assert sorted(result.written) == sorted(
        [(ws / "main.py").resolve(), (ws / "lib/util.py").resolve()]
    )


def test_without_todo_files_the_placeholder_files_are_found(make_workspace, tmp_path):
    ws = make_workspace({"a.py": "TODO\n", "b.py": "x = 1  # TODO later\n", "c.py": "TODO"})
    [result] = TaskHandler(ScriptedBackend(fill_with_name), cache_dir=tmp_path / "c").run(
        [AgentTask(ws, "go")]
    )
    assert result.ok
    assert [p.name for p in result.written] == ["a.py", "c.py"]
    assert (ws / "b.py").read_text() == "x = 1  # TODO later\n"


def test_the_backend_sees_instruction_files_and_todo_list(make_workspace, tmp_path):
    ws = make_workspace({"main.py": "TODO", "spec.md": "add numbers"})
    seen: list[TaskView] = []

    def respond(view, todo_file):
        seen.append(view)
        return "pass\n"

    TaskHandler(ScriptedBackend(respond), use_cache=False).run(
        [AgentTask(ws, "implement", (Path("main.py"),))]
    )
    assert seen == [
        TaskView("implement", {"main.py": "TODO", "spec.md": "add numbers"}, ["main.py"])
    ]


def test_results_come_back_in_task_order(make_workspace, tmp_path):
    tasks = [
        AgentTask(make_workspace({"f.py": "TODO"}), f"task {i}", (Path("f.py"),)) for i in range(6)
    ]
    backend = ScriptedBackend(fill_with_name, delay_s=0.01)
    results = TaskHandler(backend, use_cache=False).run(tasks)
    assert [r.task for r in results] == tasks
    assert [(t.workspace / "f.py").read_text() for t in tasks] == [
        f"content of f.py for: task {i}\n" for i in range(6)
    ]


@pytest.mark.parametrize("concurrency", [1, 3, 8])
def test_no_more_than_concurrency_calls_are_in_flight(make_workspace, concurrency):
    tasks = [
        AgentTask(make_workspace({"f.py": "TODO"}), f"t{i}", (Path("f.py"),)) for i in range(12)
    ]
    backend = ScriptedBackend(fill_with_name, delay_s=0.02)
    results = TaskHandler(backend, concurrency=concurrency, use_cache=False).run(tasks)
    assert all(r.ok for r in results)
    assert backend.max_in_flight == concurrency


def test_tasks_overlap_in_time(make_workspace):
    tasks = [
        AgentTask(make_workspace({"f.py": "TODO"}), f"t{i}", (Path("f.py"),)) for i in range(10)
    ]
    start = time.perf_counter()
    TaskHandler(ScriptedBackend(fill_with_name, delay_s=0.2), concurrency=10, use_cache=False).run(
        tasks
    )
    assert time.perf_counter() - start < 1.0  # sequentially it would take 2 s


def test_one_failing_task_keeps_the_others_results(make_workspace):
    def respond(view, todo_file):
        if view.instruction == "explode":
            raise ValueError("model crashed")
        return "ok\n"

    tasks = [
        AgentTask(make_workspace({"f.py": "TODO"}), name, (Path("f.py"),))
        for name in ("a", "explode", "b")
    ]
    results = TaskHandler(ScriptedBackend(respond), use_cache=False).run(tasks)
    assert [r.ok for r in results] == [True, False, True]
    assert isinstance(results[1].error, ValueError)
    assert (tasks[0].workspace / "f.py").read_text() == "ok\n"
    assert (tasks[1].workspace / "f.py").read_text() == "TODO"
    assert (tasks[2].workspace / "f.py").read_text() == "ok\n"


@pytest.mark.parametrize("answer", ["", "   \n", "TODO", "  TODO\n"])
def test_an_answer_that_does_not_fill_the_todo_is_an_error(make_workspace, answer):
    ws = make_workspace({"f.py": "TODO"})
    [result] = TaskHandler(ScriptedBackend(lambda v, f: answer), use_cache=False).run(
        [AgentTask(ws, "x", (Path("f.py"),))]
    )
    assert not result.ok
    assert isinstance(result.error, UnfilledTodoError)
    assert "f.py" in str(result.error)
    assert (ws / "f.py").read_text() == "TODO"


def test_missing_workspace_is_a_task_error_not_a_crash(tmp_path):
    [result] = TaskHandler("scripted", use_cache=False).run(
        [AgentTask(tmp_path / "nope", "x", (Path("f.py"),))]
    )
    assert not result.ok
    assert isinstance(result.error, WorkspaceMissingError)
    assert f"workspace {tmp_path / 'nope'} does not exist" in str(result.error)


def test_usage_is_accounted_per_task_and_per_handler(make_workspace):
    tasks = [AgentTask(make_workspace({"a.py": "TODO", "b.py": "TODO"}), "x", ()) for _ in range(3)]
    handler = TaskHandler(ScriptedBackend(lambda v, f: "one two three\n"), use_cache=False)
    results = handler.run(tasks)
    assert all(r.usage.calls == 2 and r.usage.completion_tokens == 6 for r in results)
    assert handler.usage.calls == 6
    assert handler.usage.completion_tokens == 18
    assert handler.usage.prompt_tokens == sum(r.usage.prompt_tokens for r in results) > 0
    handler.run(tasks[:1])
    assert handler.usage.calls == 6  # the TODO files are filled now: nothing left to do
    assert Usage(calls=1, prompt_tokens=2) + Usage(calls=2, cost_usd=0.5) == Usage(
        calls=3, prompt_tokens=2, cost_usd=0.5
    )


def test_every_call_is_logged_as_a_json_line(make_workspace, tmp_path):
    log = tmp_path / "logs" / "calls.jsonl"
    ws = make_workspace({"a.py": "TODO", "b.py": "TODO"})
    handler = TaskHandler(
        ScriptedBackend(fill_with_name, model="m"), cache_dir=tmp_path / "c", log_path=log
    )
    handler.run([AgentTask(ws, "x", (Path("a.py"), Path("b.py")))])
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert sorted(r["todo_file"] for r in records) == ["a.py", "b.py"]
    assert all(
        r["backend"] == "scripted" and r["model"] == "m" and r["cached"] is False for r in records
    )
    assert all(r["attempts"] == 1 and r["error"] is None and len(r["key"]) == 64 for r in records)


def test_run_works_inside_a_running_event_loop(make_workspace):
    ws = make_workspace({"f.py": "TODO"})
    handler = TaskHandler(ScriptedBackend(fill_with_name), use_cache=False)

    async def main():
        return handler.run([AgentTask(ws, "x", (Path("f.py"),))])

    [result] = asyncio.run(main())
    assert result.ok


def test_run_works_from_a_worker_thread(make_workspace):
    import threading

    ws = make_workspace({"f.py": "TODO"})
    out = []
    thread = threading.Thread(
        target=lambda: out.extend(
            TaskHandler(ScriptedBackend(fill_with_name), use_cache=False).run(
                [AgentTask(ws, "x", (Path("f.py"),))]
            )
        )
    )
    thread.start()
    thread.join(10)
    assert out and out[0].ok


def test_a_retry_backoff_does_not_hold_a_concurrency_slot(make_workspace):
    from llm_backends import RetryableBackendError, RetryPolicy

    calls = []

    def respond(view, todo_file):
        calls.append(view.instruction)
        if view.instruction == "flaky" and calls.count("flaky") == 1:
            raise RetryableBackendError("busy", retry_after=0.3)
        return "ok\n"

    tasks = [
        AgentTask(make_workspace({"f.py": "TODO"}), name, (Path("f.py"),))
        for name in ("flaky", "a", "b", "c")
    ]
    handler = TaskHandler(
        ScriptedBackend(respond),
        concurrency=1,
        use_cache=False,
        retry=RetryPolicy(base_delay_s=0.001),
    )
    results = handler.run(tasks)
    assert all(r.ok for r in results)
    assert calls == ["flaky", "a", "b", "c", "flaky"]
    assert results[0].usage.calls == 2 and results[0].usage.retries == 1


def test_a_failed_task_still_reports_what_it_spent(make_workspace):
    from llm_backends import RetryableBackendError, RetryPolicy

    def respond(view, todo_file):
        raise RetryableBackendError("always busy")

    handler = TaskHandler(
        ScriptedBackend(respond),
        use_cache=False,
        max_retries=2,
        retry=RetryPolicy(base_delay_s=0.001),
    )
    [result] = handler.run([AgentTask(make_workspace({"f.py": "TODO"}), "x", (Path("f.py"),))])
    assert isinstance(result.error, RetryableBackendError) and "gave up after 3 attempts" in str(
        result.error.__notes__
    )
    assert result.usage == Usage(calls=3, retries=2) == handler.usage


def test_examples_reach_the_backend_as_turns_and_stops_as_request_fields(make_workspace, tmp_path):
    ws = make_workspace({"in.txt": "x", "ex_in.txt": "a", "ex_out.txt": "A", "out.txt": "TODO"})
    task = AgentTask(
        ws, "Upper-case.", (Path("out.txt"),), examples=((Path("ex_in.txt"), Path("ex_out.txt")),)
    )
    seen = []

    class Recording(ScriptedBackend):
        async def complete(self, request):
            seen.append(request)
            return await super().complete(request)

    backend = Recording(lambda view, name: view.files["in.txt"].upper() + "\n")
    handler = TaskHandler(backend, cache_dir=tmp_path / "c", stop=("\n\n",))
    [result] = handler.run([task])
    assert result.ok and (ws / "out.txt").read_text() == "X\n"
    [request] = seen
    assert [m.role for m in request.messages] == ["system", "user", "assistant", "user"]
    assert request.messages[-1].content == "x"
    assert request.stop == ("\n\n",)
    assert json.loads(request.canonical_json())["stop"] == ["\n\n"]
    assert request.context.view.examples == [("ex_in.txt", "ex_out.txt")]


def test_requests_without_stops_keep_their_canonical_form(make_workspace):
    from llm_backends import ChatMessage, ChatRequest

    request = ChatRequest((ChatMessage("user", "hi"),), "m")
    assert "stop" not in json.loads(request.canonical_json())
    with_stop = ChatRequest((ChatMessage("user", "hi"),), "m", stop=("\n",))
    assert with_stop.cache_key() != request.cache_key()


@pytest.mark.parametrize(
    ("examples", "message"),
    [
        (((Path("missing.txt"), Path("ex_out.txt")),), "'missing.txt' is not a readable"),
        (((Path("ex_out.txt"), Path("out.txt")),), "'out.txt' is also a TODO file"),
    ],
)
def test_a_bad_example_file_fails_the_task_with_its_name(
    make_workspace, tmp_path, examples, message
):
    from llm_backends import ExampleFileError

    ws = make_workspace({"ex_out.txt": "A", "out.txt": "TODO"})
    task = AgentTask(ws, "go", (Path("out.txt"),), examples=examples)
    [result] = TaskHandler(ScriptedBackend(fill_with_name), cache_dir=tmp_path / "c").run([task])
    assert not result.ok and isinstance(result.error, ExampleFileError)
    assert message in str(result.error)
    assert (ws / "out.txt").read_text() == "TODO"


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"concurrency": 0}, "concurrency must be >= 1"),
        ({"timeout_s": 0}, "timeout_s must be a finite number > 0"),
        ({"max_retries": -1}, "max_retries must be >= 0"),
        ({"max_tokens": 0}, "max_tokens must be >= 1"),
    ],
)
def test_invalid_settings_are_refused_up_front(setting, message):
    from llm_backends import BackendConfigError

    with pytest.raises(BackendConfigError, match=message):
        TaskHandler(ScriptedBackend(fill_with_name), use_cache=False, **setting)


def test_cache_hits_and_failures_are_logged_too(make_workspace, tmp_path):
    from llm_backends import RetryableBackendError, RetryPolicy

    log = tmp_path / "calls.jsonl"

    def respond(view, todo_file):
        if view.instruction == "fail":
            raise RetryableBackendError("busy")
        return "one two\n"

    handler = TaskHandler(
        ScriptedBackend(respond, model="m"),
        cache_dir=tmp_path / "c",
        log_path=log,
        max_retries=1,
        retry=RetryPolicy(base_delay_s=0.001),
    )
    handler.run([AgentTask(make_workspace({"f.py": "TODO"}), "x", (Path("f.py"),))])
    handler.run([AgentTask(make_workspace({"f.py": "TODO"}), "x", (Path("f.py"),))])
    handler.run([AgentTask(make_workspace({"f.py": "TODO"}), "fail", (Path("f.py"),))])
    miss, hit, failure = [json.loads(line) for line in log.read_text().splitlines()]
    assert miss["cached"] is False and miss["completion_tokens"] == 2
    assert hit["cached"] is True and hit["key"] == miss["key"]
    assert hit["prompt_tokens"] == hit["completion_tokens"] == 0 and hit["cost_usd"] == 0
    assert failure["error"] == "RetryableBackendError: busy" and failure["attempts"] == 2


def test_an_unusable_cache_or_log_location_is_refused_up_front(tmp_path):
    from llm_backends import BackendConfigError

    a_file = tmp_path / "file"
    a_file.write_text("x")
    backend = ScriptedBackend(fill_with_name)
    with pytest.raises(BackendConfigError, match=rf"cache directory {a_file} cannot be created"):
        TaskHandler(backend, cache_dir=a_file)
    with pytest.raises(BackendConfigError, match=rf"log directory {a_file} cannot be created"):
        TaskHandler(backend, use_cache=False, log_path=a_file / "calls.jsonl")
    with pytest.raises(BackendConfigError, match="is a directory"):
        TaskHandler(backend, use_cache=False, log_path=tmp_path)


def test_a_failed_cache_write_still_accounts_the_call(make_workspace, tmp_path, monkeypatch):
    from llm_backends import ResponseCache

    def broken_put(self, request, response):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ResponseCache, "put", broken_put)
    handler = TaskHandler(ScriptedBackend(lambda v, f: "one two\n"), cache_dir=tmp_path / "c")
    [result] = handler.run([AgentTask(make_workspace({"f.py": "TODO"}), "x", (Path("f.py"),))])
    assert isinstance(result.error, OSError)
    assert handler.usage.calls == 1 and handler.usage.completion_tokens == 2
