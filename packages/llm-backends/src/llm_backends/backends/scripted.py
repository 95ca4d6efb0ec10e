"""A deterministic backend for tests: a Python function writes each TODO file."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from ..chat import ChatRequest, ChatResponse
from ..errors import BackendConfigError

if TYPE_CHECKING:
    from ..task import TaskView

Respond = Callable[["TaskView", str], str]


def _approx_tokens(text: str) -> int:
    return len(text.split())


class ScriptedBackend:
    """Answers ``respond(view, todo_file)`` for every TODO file: the new content of that file.

    It is a chat-level backend like the others, so requests pass through the same cache,
    retries, accounting, logging and workspace confinement. Token counts are whitespace word
    counts. ``delay_s`` simulates latency; ``max_in_flight`` records the most concurrent calls seen.
    """

    name = "scripted"
    answers_are_file_content = True  # the handler writes answers verbatim (no fence stripping)

    def __init__(self, respond: Respond, *, model: str | None = None, delay_s: float = 0.0) -> None:
        self.respond = respond
        self.model = model or f"scripted:{respond.__module__}.{respond.__qualname__}"
        self.delay_s = delay_s
        self.calls = 0
        self.in_flight = 0
        self.max_in_flight = 0

    @classmethod
    def from_table(
        cls, table: Mapping[str, str], *, model: str = "scripted:table"
    ) -> ScriptedBackend:
        """A backend that answers ``table[todo_file]`` (KeyError -> BackendConfigError)."""

        def respond(view, todo_file: str) -> str:
            try:
                return table[todo_file]
            except KeyError:
                raise BackendConfigError(
                    f"scripted table has no answer for {todo_file!r}"
                ) from None

        return cls(respond, model=model)

    async def complete(self, request: ChatRequest) -> ChatResponse:
        """Call ``respond`` with the request's task view and TODO file."""
        if request.context is None:
            raise BackendConfigError(
                "ScriptedBackend needs requests built by TaskHandler (with a context)"
            )
        self.calls += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            content = self.respond(request.context.view, request.context.todo_file)
        finally:
            self.in_flight -= 1
        prompt = sum(_approx_tokens(m.content) for m in request.messages)
        return ChatResponse(content, prompt, _approx_tokens(content), 0.0, self.model)


def default_scripted_backend() -> ScriptedBackend:
    """The backend ``make_backend("scripted")`` gives: a comment naming the instruction and file."""

    def respond(view, todo_file: str) -> str:
        return f"# {todo_file}: {view.instruction}\n"

    return ScriptedBackend(respond, model="scripted:default")
