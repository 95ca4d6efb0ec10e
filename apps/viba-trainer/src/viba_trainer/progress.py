"""One tqdm bar per training phase, counting the LLM calls (and cache hits) it makes.

On a terminal the bar is live; in a pipe or a log file (where a bar would write carriage-return
fragments) each phase prints one plain line when it ends instead.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from llm_backends import Usage
from tqdm import tqdm


def _requests(usage: Usage) -> int:
    return usage.calls + usage.cache_hits


@contextmanager
def phase_progress(
    label: str, usage: Callable[[], Usage], *, enabled: bool = True, poll_s: float = 0.25
) -> Iterator[dict[str, float]]:
    """Show ``label`` with a live count of LLM requests while the body runs.

    A phase (forward, backward, step) is one library call that runs many LLM tasks at once, so
    the bar follows the handler's running usage from a polling thread. Yields a dict that holds
    ``seconds`` (the phase's wall time) once the body is done.
    """
    start_count = _requests(usage())
    timing: dict[str, float] = {}
    live = enabled and sys.stderr.isatty()
    bar = tqdm(desc=label, unit=" LLM calls", disable=not live, leave=False, dynamic_ncols=True)
    stop = threading.Event()

    def update() -> None:
        bar.n = _requests(usage()) - start_count
        bar.refresh()

    def poll() -> None:
        while not stop.wait(poll_s):
            update()

    poller = threading.Thread(target=poll, name=f"progress-{label}", daemon=True)
    poller.start()
    started = time.perf_counter()
    try:
        yield timing
    finally:
        timing["seconds"] = time.perf_counter() - started
        stop.set()
        poller.join()
        update()
        bar.close()
        if enabled and not live:
            calls = _requests(usage()) - start_count
            print(f"{label}: {calls} LLM calls, {timing['seconds']:.1f} s", file=sys.stderr)
