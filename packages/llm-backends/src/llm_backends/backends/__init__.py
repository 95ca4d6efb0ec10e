"""Backend registry: ``make_backend(name)`` builds one from its name and the environment."""

from __future__ import annotations

import os

from ..errors import BackendConfigError
from .base import Backend, TaskBackend
from .scripted import ScriptedBackend, default_scripted_backend

BACKEND_NAMES = ("openai", "claude-agent", "local", "scripted")


def default_backend_name() -> str:
    """``$LLM_BACKEND``, else "openai" when ``$LLM_BASE_URL`` is set, else "local"."""
    if name := os.environ.get("LLM_BACKEND"):
        return name
    return "openai" if os.environ.get("LLM_BASE_URL") else "local"


def make_backend(name: str | None = None) -> Backend | TaskBackend:
    """Build the backend called ``name`` ("openai" | "claude-agent" | "local" | "scripted").

    None picks :func:`default_backend_name`. Heavy backends are imported only when asked for, so
    the package works without the ``local`` / ``claude`` extras installed.
    """
    name = name or default_backend_name()
    if name == "scripted":
        return default_scripted_backend()
    if name == "openai":
        from .openai import OpenAIBackend

        return OpenAIBackend()
    if name == "local":
        from .local import LocalBackend

        return LocalBackend()
    if name == "claude-agent":
        from .claude_agent import ClaudeAgentBackend

        return ClaudeAgentBackend()
    raise BackendConfigError(f"unknown backend {name!r}; choose one of {', '.join(BACKEND_NAMES)}")


__all__ = [
    "BACKEND_NAMES",
    "Backend",
    "ScriptedBackend",
    "TaskBackend",
    "default_backend_name",
    "make_backend",
]
