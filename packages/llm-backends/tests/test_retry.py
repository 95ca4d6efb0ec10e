import asyncio
import random
import time

import pytest
from llm_backends import (
    CallTimeoutError,
    RetryableBackendError,
    RetryPolicy,
    ServerBusyError,
    call_with_retries,
)
from llm_backends.retry import Attempts

FAST = RetryPolicy(max_retries=3, base_delay_s=0.001, max_delay_s=0.01)


def flaky(failures: list[Exception], value="ok"):
    calls = []

    async def call():
        calls.append(1)
        if failures:
            raise failures.pop(0)
        return value

    return call, calls


def test_transient_errors_are_retried_until_success():
    call, calls = flaky([ServerBusyError("429", status=429), ServerBusyError("503", status=503)])
    attempts = Attempts()
    assert asyncio.run(call_with_retries(call, policy=FAST, timeout_s=1, attempts=attempts)) == "ok"
    assert len(calls) == 3 and attempts.count == 3


def test_the_last_error_is_raised_when_retries_run_out():
    call, calls = flaky([ServerBusyError(f"e{i}", status=500) for i in range(10)])
    with pytest.raises(ServerBusyError, match="e3"):
        asyncio.run(call_with_retries(call, policy=FAST, timeout_s=1))
    assert len(calls) == 4


def test_non_retryable_errors_are_raised_at_once():
    call, calls = flaky([ValueError("bad request")])
    with pytest.raises(ValueError):
        asyncio.run(call_with_retries(call, policy=FAST, timeout_s=1))
    assert len(calls) == 1


def test_a_slow_call_times_out_and_is_retried():
    calls = []

    async def slow():
        calls.append(1)
        await asyncio.sleep(10)

    start = time.perf_counter()
    with pytest.raises(CallTimeoutError, match=r"0\.05 s"):
        asyncio.run(call_with_retries(slow, policy=RetryPolicy(1, 0.001, 0.001), timeout_s=0.05))
    assert len(calls) == 2
    assert time.perf_counter() - start < 1


def test_retry_after_is_honoured():
    call, _ = flaky([RetryableBackendError("slow down", retry_after=0.3)])
    start = time.perf_counter()
    asyncio.run(call_with_retries(call, policy=FAST, timeout_s=1))
    assert time.perf_counter() - start >= 0.3


def test_backoff_grows_exponentially_with_jitter_and_a_cap():
    policy = RetryPolicy(max_retries=10, base_delay_s=1.0, max_delay_s=8.0)
    rng = random.Random(0)
    for attempt, ceiling in [(0, 1.0), (1, 2.0), (2, 4.0), (3, 8.0), (6, 8.0)]:
        delays = [policy.delay(attempt, None, rng) for _ in range(200)]
        assert min(delays) >= 0 and max(delays) <= ceiling
        assert max(delays) > ceiling * 0.8  # jitter spreads over the whole window
    assert policy.delay(0, 5.0, rng) == 5.0
    assert RetryPolicy(max_retry_after_s=2.0).delay(0, 100.0, rng) == 2.0
