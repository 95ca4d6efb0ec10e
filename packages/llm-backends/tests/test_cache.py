from pathlib import Path

from llm_backends import (
    AgentTask,
    ChatMessage,
    ChatRequest,
    ChatResponse,
    ResponseCache,
    ScriptedBackend,
    TaskHandler,
)


def fresh_task(make_workspace, instruction="x"):
    return AgentTask(
        make_workspace({"f.py": "TODO", "ctx.txt": "context"}), instruction, (Path("f.py"),)
    )


def test_second_identical_request_is_a_cache_hit_with_zero_usage(make_workspace, tmp_path):
    backend = ScriptedBackend(lambda v, f: "one two\n", model="m")
    handler = TaskHandler(backend, cache_dir=tmp_path / "cache")
    [first] = handler.run([fresh_task(make_workspace)])
    [second] = handler.run([fresh_task(make_workspace)])
    assert backend.calls == 1
    assert (
        first.usage.calls == 1
        and first.usage.cache_hits == 0
        and first.usage.completion_tokens == 2
    )
    assert second.usage.calls == 0 and second.usage.cache_hits == 1
    assert second.usage.prompt_tokens == second.usage.completion_tokens == 0
    assert (second.task.workspace / "f.py").read_text() == "one two\n"
    assert handler.usage.calls == 1 and handler.usage.cache_hits == 1


def test_cache_survives_a_new_handler(make_workspace, tmp_path):
    backend = ScriptedBackend(lambda v, f: "a\n", model="m")
    TaskHandler(backend, cache_dir=tmp_path / "cache").run([fresh_task(make_workspace)])
    TaskHandler(backend, cache_dir=tmp_path / "cache").run([fresh_task(make_workspace)])
    assert backend.calls == 1


def test_a_different_request_is_a_miss(make_workspace, tmp_path):
    backend = ScriptedBackend(lambda v, f: "a\n", model="m")
    handler = TaskHandler(backend, cache_dir=tmp_path / "cache")
    handler.run([fresh_task(make_workspace, "one")])
    handler.run([fresh_task(make_workspace, "two")])
    handler.run(
        [AgentTask(make_workspace({"f.py": "TODO", "ctx.txt": "changed"}), "one", (Path("f.py"),))]
    )
    assert backend.calls == 3


def test_cache_can_be_disabled(make_workspace, tmp_path):
    backend = ScriptedBackend(lambda v, f: "a\n", model="m")
    handler = TaskHandler(backend, cache_dir=tmp_path / "cache", use_cache=False)
    handler.run([fresh_task(make_workspace)])
    handler.run([fresh_task(make_workspace)])
    assert backend.calls == 2
    assert not (tmp_path / "cache").exists()


def test_cache_key_is_the_sha256_of_the_canonical_request_json(tmp_path):
    import hashlib

    request = ChatRequest((ChatMessage("user", "hé"),), "m", 16, 0.0)
    canonical = (
        '{"backend":"","max_tokens":16,"messages":[{"content":"hé","role":"user"}],'
        '"model":"m","temperature":0.0}'
    )
    assert request.canonical_json() == canonical
    assert request.cache_key() == hashlib.sha256(canonical.encode()).hexdigest()
    cache = ResponseCache(tmp_path)
    cache.put(request, ChatResponse("answer", 3, 4, 0.01, "m"))
    assert cache.path_for(request.cache_key()).is_file()
    assert cache.get(request) == ChatResponse("answer", 3, 4, 0.01, "m")
    assert cache.get(ChatRequest((ChatMessage("user", "he"),), "m", 16, 0.0)) is None


def test_a_corrupt_cache_entry_is_a_miss(tmp_path):
    request = ChatRequest((ChatMessage("user", "q"),), "m")
    cache = ResponseCache(tmp_path)
    cache.path_for(request.cache_key()).parent.mkdir(parents=True)
    cache.path_for(request.cache_key()).write_text("{not json")
    assert cache.get(request) is None


def test_a_disk_entry_is_served_from_memory_after_the_first_read(tmp_path):
    request = ChatRequest((ChatMessage("user", "q"),), "m")
    ResponseCache(tmp_path).put(request, ChatResponse("a"))
    cache = ResponseCache(tmp_path, memory_entries=1)
    assert cache.get(request) == ChatResponse("a")
    cache.path_for(request.cache_key()).unlink()
    assert cache.get(request) == ChatResponse("a")  # remembered
    other = ChatRequest((ChatMessage("user", "other"),), "m")
    cache.put(other, ChatResponse("b"))  # evicts the first (one entry kept)
    assert cache.get(request) is None
    assert cache.get(other) == ChatResponse("b")


def test_an_answer_that_does_not_fill_the_todo_is_not_cached(make_workspace, tmp_path):
    answers = iter(["TODO\n", "filled\n"])
    backend = ScriptedBackend(lambda v, f: next(answers), model="m")
    handler = TaskHandler(backend, cache_dir=tmp_path / "cache")
    [first] = handler.run([fresh_task(make_workspace)])
    [second] = handler.run([fresh_task(make_workspace)])
    assert not first.ok and second.ok
    assert backend.calls == 2 and handler.usage.cache_hits == 0
    assert (second.task.workspace / "f.py").read_text() == "filled\n"


def test_two_scripted_lambdas_of_one_module_do_not_share_answers(make_workspace, tmp_path):
    first = ScriptedBackend(lambda v, f: "first\n")
    second = ScriptedBackend(lambda v, f: "second\n")
    TaskHandler(first, cache_dir=tmp_path / "cache").run([fresh_task(make_workspace)])
    [result] = TaskHandler(second, cache_dir=tmp_path / "cache").run([fresh_task(make_workspace)])
    assert second.calls == 1
    assert (result.task.workspace / "f.py").read_text() == "second\n"


def test_two_scripted_tables_do_not_share_answers(make_workspace, tmp_path):
    one = ScriptedBackend.from_table({"f.py": "one\n"})
    two = ScriptedBackend.from_table({"f.py": "two\n"})
    TaskHandler(one, cache_dir=tmp_path / "cache").run([fresh_task(make_workspace)])
    [result] = TaskHandler(two, cache_dir=tmp_path / "cache").run([fresh_task(make_workspace)])
    assert (result.task.workspace / "f.py").read_text() == "two\n"


def test_temperature_zero_has_one_cache_key_in_every_spelling():
    def request(temperature):
        return ChatRequest((ChatMessage("user", "hi"),), "m", 16, temperature)

    keys = {request(t).cache_key() for t in (0, 0.0, -0.0)}
    assert len(keys) == 1
    assert request(0.5).cache_key() not in keys


def test_the_backend_is_part_of_the_cache_key():
    def request(backend):
        return ChatRequest((ChatMessage("user", "hi"),), "m", backend=backend)

    assert (
        request("openai:http://127.0.0.1:1").cache_key()
        != request("openai:http://127.0.0.1:2").cache_key()
    )


def test_a_grammar_is_part_of_the_cache_key_and_no_grammar_keeps_the_old_key():
    plain = ChatRequest((ChatMessage("user", "hi"),), "m", 16)
    constrained = ChatRequest((ChatMessage("user", "hi"),), "m", 16, grammar='root ::= "a"')
    other = ChatRequest((ChatMessage("user", "hi"),), "m", 16, grammar='root ::= "b"')
    assert "grammar" not in plain.canonical_json()
    assert len({plain.cache_key(), constrained.cache_key(), other.cache_key()}) == 3
