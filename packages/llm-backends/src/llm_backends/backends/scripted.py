"""A deterministic backend for tests: a Python function writes each TODO file."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from ..chat import ChatRequest, ChatResponse
from ..errors import BackendConfigError

if TYPE_CHECKING:
    from ..task import TaskView

Respond = Callable[["TaskView", str], str]


def _approx_tokens(text: str) -> int:
    return len(text.split())


def function_identity(function: Callable[..., object]) -> str:
    """A digest of what ``function`` computes: its code, constants, defaults and closure.

    Two lambdas of one module differ here (their code and line differ), and so do two closures
    over different tables; the same function gets the same digest in every run.
    """
    code = getattr(function, "__code__", None)
    if code is None:  # a callable object: its class and state
        return hashlib.sha256(repr((type(function), vars(function))).encode()).hexdigest()[:16]
    cells = tuple(cell.cell_contents for cell in (function.__closure__ or ()))
    parts = (
        code.co_code,
        code.co_consts,
        code.co_names,
        code.co_filename,
        code.co_firstlineno,
        function.__defaults__,
        tuple(repr(cell) for cell in cells),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


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
        name = getattr(
            respond, "__qualname__", type(respond).__qualname__
        )  # a function or an object
        self.model = model or f"scripted:{respond.__module__}.{name}"
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

    @property
    def cache_identity(self) -> str:
        """The model name and a digest of ``respond`` (see :func:`function_identity`)."""
        return f"scripted:{self.model}:{function_identity(self.respond)}"

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
