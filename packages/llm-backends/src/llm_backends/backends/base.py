"""The two shapes a backend can take: chat-level (one completion per TODO file) or task-level."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ..chat import ChatRequest, ChatResponse
from ..task import AgentTask, TaskView
from ..usage import Usage


@runtime_checkable
class Backend(Protocol):
    """A chat-level backend: answers one chat request. ``model`` goes into every request."""

    name: str
    model: str

    async def complete(self, request: ChatRequest) -> ChatResponse:
        """Answer ``request``; raise RetryableBackendError subclasses for transient failures."""
        ...


@runtime_checkable
class TaskBackend(Protocol):
    """A task-level backend (an agent that edits the workspace files itself)."""

    name: str

    async def run_task(self, task: AgentTask, view: TaskView) -> Usage:
        """Carry out ``task`` in its workspace and return what it cost."""
        ...
