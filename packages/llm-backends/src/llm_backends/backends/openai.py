"""OpenAI-compatible chat backend (OpenAI, vLLM, llama.cpp server, ...) over AsyncOpenAI."""

from __future__ import annotations

import asyncio
import datetime
import email.utils
import os
import time
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from ..chat import ChatRequest, ChatResponse
from ..errors import (
    CallTimeoutError,
    LLMBackendError,
    MissingAPIKeyError,
    ServerBusyError,
    ServerUnreachableError,
)

if TYPE_CHECKING:  # openai (and its pydantic types) is imported on first use: it takes seconds
    import httpx
    import openai

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_MODEL = "gpt-4o-mini"
_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


def is_loopback(url: str) -> bool:
    """True when ``url`` points at this machine (no API key needed there)."""
    host = urlparse(url).hostname or ""
    return host in _LOOPBACK_HOSTS or host.startswith("127.")


def parse_retry_after(headers: httpx.Headers | None) -> float | None:
    """Seconds from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date), if present."""
    if headers is None:
        return None
    if (ms := headers.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:  # an HTTP date; anything else ("soon") counts as no hint
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return max(0.0, parsed.timestamp() - time.time())


class OpenAIBackend:
    """Chat completions from an OpenAI-compatible server.

    Settings default to ``$LLM_BASE_URL`` (else the OpenAI API), ``$LLM_API_KEY`` (required unless
    the server is on loopback) and ``$LLM_MODEL`` (else ``gpt-4o-mini``). Prices in USD per
    million tokens (``$LLM_PRICE_PROMPT_PER_MTOK``, ``$LLM_PRICE_COMPLETION_PER_MTOK``) give
    ``cost_usd``. The SDK's own retries are off: TaskHandler retries with its policy.

    A request's GBNF ``grammar`` is sent in the body, as llama.cpp's server reads it; a server
    that refuses it (HTTP 400, as the OpenAI API does for a field it does not know) is asked
    again without it, and is no longer sent one.
    """

    name = "openai"

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        model: str | None = None,
        *,
        prompt_price_per_mtok: float | None = None,
        completion_price_per_mtok: float | None = None,
    ) -> None:
        self.base_url = base_url or os.environ.get("LLM_BASE_URL") or DEFAULT_BASE_URL
        key = api_key or os.environ.get("LLM_API_KEY")
        if not key:
            if not is_loopback(self.base_url):
                raise MissingAPIKeyError(
                    f"no API key for {self.base_url}: set LLM_API_KEY (or pass api_key=...)"
                )
            key = "no-key-needed-on-loopback"
        self._api_key = key
        self.model = model or os.environ.get("LLM_MODEL") or DEFAULT_MODEL
        self.prompt_price = _price(prompt_price_per_mtok, "LLM_PRICE_PROMPT_PER_MTOK")
        self.completion_price = _price(completion_price_per_mtok, "LLM_PRICE_COMPLETION_PER_MTOK")
        self._client: openai.AsyncOpenAI | None = None
        self._client_loop: asyncio.AbstractEventLoop | None = None
        self.takes_grammar = True  # until the server refuses one

    @property
    def cache_identity(self) -> str:
        """The server answering (its URL): part of every cache key."""
        return f"openai:{self.base_url.rstrip('/')}"

    def _get_client(self) -> openai.AsyncOpenAI:
        import openai

        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop:
            self._client = openai.AsyncOpenAI(
                base_url=self.base_url, api_key=self._api_key, max_retries=0, timeout=3600.0
            )
            self._client_loop = loop
        return self._client

    async def aclose(self) -> None:
        """Close the HTTP connections (a new client is made on the next call)."""
        if self._client is not None and self._client_loop is asyncio.get_running_loop():
            await self._client.close()
        self._client = None
        self._client_loop = None

    async def complete(self, request: ChatRequest) -> ChatResponse:
        """One chat completion; HTTP failures become the matching domain errors."""
        import openai

        grammar = request.grammar if self.takes_grammar else None
        try:
            try:
                answer = await self._create(request, grammar)
            except openai.BadRequestError:
                if grammar is None:
                    raise
                answer = await self._create(request, None)
                self.takes_grammar = False  # the grammar was what it refused
        except openai.APITimeoutError as exc:
            raise CallTimeoutError(f"{self.base_url} timed out") from exc
        except openai.APIConnectionError as exc:
            raise ServerUnreachableError(
                f"cannot reach the model server at {self.base_url}: {exc}"
            ) from exc
        except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
            raise MissingAPIKeyError(
                f"{self.base_url} rejected the API key (HTTP {exc.status_code}): check LLM_API_KEY"
            ) from exc
        except openai.APIStatusError as exc:
            if exc.status_code == 429 or exc.status_code >= 500:
                raise ServerBusyError(
                    f"{self.base_url} answered HTTP {exc.status_code}: {exc.message}",
                    status=exc.status_code,
                    retry_after=parse_retry_after(exc.response.headers),
                ) from exc
            raise LLMBackendError(
                f"{self.base_url} answered HTTP {exc.status_code}: {exc.message}"
            ) from exc
        content = answer.choices[0].message.content if answer.choices else None
        usage = answer.usage
        prompt = usage.prompt_tokens if usage else 0
        completion = usage.completion_tokens if usage else 0
        cost = (prompt * self.prompt_price + completion * self.completion_price) / 1e6
        return ChatResponse(content or "", prompt, completion, cost, answer.model or request.model)

    async def _create(
        self, request: ChatRequest, grammar: str | None
    ) -> openai.types.chat.ChatCompletion:
        return await self._get_client().chat.completions.create(
            model=request.model,
            messages=[{"role": m.role, "content": m.content} for m in request.messages],
            max_tokens=request.max_tokens,
            temperature=request.temperature,
            **({"stop": list(request.stop)} if request.stop else {}),
            **({"extra_body": {"grammar": grammar}} if grammar else {}),
        )


def _price(value: float | None, env: str) -> float:
    if value is not None:
        return value
    try:
        return float(os.environ.get(env, "0") or 0)
    except ValueError:
        raise LLMBackendError(f"${env} must be a number (USD per million tokens)") from None
