"""The chat-level request/response every chat backend speaks, and its canonical (cache-key) form."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .task import TaskView


@dataclass(frozen=True)
class ChatMessage:
    """One message of a chat: ``role`` is "system", "user" or "assistant"."""

    role: str
    content: str


@dataclass(frozen=True)
class RequestContext:
    """Where a request came from: the task's view and the TODO file being written.

    Not part of the cache key (the messages already hold the same text); the scripted backend
    answers from it directly.
    """

    view: TaskView
    todo_file: str


@dataclass(frozen=True)
class ChatRequest:
    """A chat completion request: messages, model, max_tokens, temperature, stop sequences.

    Generation ends before the first of the ``stop`` strings (none by default). ``backend`` names
    who answers (the backend's ``cache_identity``: e.g. the server's URL), so that two servers
    serving a model of the same name never share cached answers. ``grammar``, a GBNF grammar
    (llama.cpp's format), constrains the answer for backends whose decoder takes one (``local``;
    ``openai`` forwards it, as llama.cpp's server accepts it); the others answer unconstrained.
    """

    messages: tuple[ChatMessage, ...]
    model: str
    max_tokens: int = 512
    temperature: float = 0.0
    context: RequestContext | None = field(default=None, compare=False, repr=False)
    stop: tuple[str, ...] = ()
    backend: str = ""
    grammar: str | None = None

    def canonical_json(self) -> str:
        """The request as JSON with sorted keys and no whitespace: equal requests, equal text.

        Everything that changes an answer is in it; numbers in one form (0, 0.0 and -0.0 are
        one temperature).
        """
        payload = {
            "messages": [{"role": m.role, "content": m.content} for m in self.messages],
            "model": self.model,
            "max_tokens": int(self.max_tokens),
            "temperature": float(self.temperature) + 0.0,  # + 0.0 turns -0.0 into 0.0
            "backend": self.backend,
        }
        if self.stop:  # absent when unused, so requests without stops keep their cache keys
            payload["stop"] = list(self.stop)
        if self.grammar is not None:  # likewise
            payload["grammar"] = self.grammar
        return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def cache_key(self) -> str:
        """sha256 hex digest of :meth:`canonical_json` (computed once per request)."""
        key = self.__dict__.get("_cache_key")
        if key is None:
            key = hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()
            object.__setattr__(self, "_cache_key", key)
        return key


@dataclass(frozen=True)
class ChatResponse:
    """The assistant's answer and what it cost."""

    content: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    model: str = ""
