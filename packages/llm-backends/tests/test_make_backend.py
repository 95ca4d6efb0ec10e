import pytest
from llm_backends import BackendConfigError, ScriptedBackend, default_backend_name, make_backend
from llm_backends.backends.openai import OpenAIBackend


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("LLM_BACKEND", "LLM_BASE_URL", "LLM_API_KEY", "LLM_MODEL"):
        monkeypatch.delenv(name, raising=False)


def test_default_is_local_without_a_base_url():
    assert default_backend_name() == "local"


def test_default_is_openai_with_a_base_url(monkeypatch):
    monkeypatch.setenv("LLM_BASE_URL", "http://127.0.0.1:1/v1")
    assert default_backend_name() == "openai"
    assert isinstance(make_backend(), OpenAIBackend)


def test_llm_backend_env_wins(monkeypatch):
    monkeypatch.setenv("LLM_BASE_URL", "http://127.0.0.1:1/v1")
    monkeypatch.setenv("LLM_BACKEND", "scripted")
    assert isinstance(make_backend(), ScriptedBackend)


def test_unknown_names_list_the_choices():
    with pytest.raises(BackendConfigError, match="openai, claude-agent, local, scripted"):
        make_backend("gpt")
