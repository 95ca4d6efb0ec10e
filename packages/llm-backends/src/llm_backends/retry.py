"""Retries with exponential backoff and full jitter, honouring the server's Retry-After."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from .errors import CallTimeoutError, RetryableBackendError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to repeat a failed call.

    Attempt ``n`` (0-based) waits ``uniform(0, min(max_delay_s, base_delay_s * 2**n))`` before the
    next try, or the server's Retry-After (capped at ``max_retry_after_s``) when it is longer.
    """

    max_retries: int = 5
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    max_retry_after_s: float = 120.0

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to sleep after failed attempt number ``attempt`` (0-based)."""
        backoff = rng.uniform(0.0, min(self.max_delay_s, self.base_delay_s * 2**attempt))
        if retry_after is not None:
            return max(backoff, min(retry_after, self.max_retry_after_s))
        return backoff


@dataclass
class Attempts:
    """How many attempts a call took (filled in by :func:`call_with_retries`)."""

    count: int = 0


async def call_with_retries(
    call: Callable[[], Awaitable[T]],
    *,
    policy: RetryPolicy,
    timeout_s: float,
    attempts: Attempts | None = None,
    rng: random.Random | None = None,
    limiter: asyncio.Semaphore | None = None,
) -> T:
    """Await ``call()`` with a per-attempt timeout, repeating on RetryableBackendError.

    A timeout becomes CallTimeoutError (retryable). After ``policy.max_retries`` retries the last
    error is raised; non-retryable errors are raised at once. With a ``limiter``, each attempt
    holds one of its slots (the timeout starts once the slot is taken; backoff sleeps hold none).
    """
    rng = rng or random.Random()
    attempts = attempts if attempts is not None else Attempts()
    for attempt in range(policy.max_retries + 1):
        attempts.count = attempt + 1
        try:
            async with limiter if limiter is not None else contextlib.nullcontext():
                try:
                    return await asyncio.wait_for(call(), timeout=timeout_s)
                except TimeoutError as exc:
                    message = f"the backend did not answer within {timeout_s:g} s"
                    raise CallTimeoutError(message) from exc
        except RetryableBackendError as exc:
            if attempt == policy.max_retries:
                if policy.max_retries:
                    exc.add_note(f"gave up after {attempt + 1} attempts")
                raise
            await asyncio.sleep(policy.delay(attempt, exc.retry_after, rng))
    raise AssertionError("unreachable")  # pragma: no cover
