"""TaskHandler: run many AgentTasks concurrently on one backend, with cache, retries and accounting."""

from __future__ import annotations

import asyncio
import math
import os
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from .backends import make_backend
from .backends.base import Backend, TaskBackend
from .cache import ResponseCache, default_cache_dir
from .call_log import CallLog
from .chat import ChatRequest, ChatResponse, RequestContext
from .errors import BackendConfigError, UnfilledTodoError
from .prompt import build_messages, extract_file_content
from .retry import Attempts, RetryPolicy, call_with_retries
from .task import AgentTask, TaskResult, TaskView, is_unfilled
from .usage import Usage
from .workspace import TaskWorkspace

T = TypeVar("T")


class TaskHandler:
    """Runs AgentTasks on one backend, at most ``concurrency`` backend calls at a time.

    Chat-level backends get one request per TODO file (instruction + every workspace file + the
    file to write, or with the task's examples as previous exchanges: see
    :func:`~llm_backends.prompt.build_messages`); the answer becomes that file's content. Task-level backends (claude-agent) edit
    the workspace themselves. Either way every TODO path is checked to stay inside the workspace
    and every TODO file must end up filled, or the task fails with a domain error. One failing task
    never loses the others' results.

    Args:
        backend: a backend object, a name for :func:`make_backend`, or None (from the environment).
        concurrency: most backend calls in flight at once.
        cache_dir: response cache directory (None: :func:`default_cache_dir`).
        use_cache: read and write the response cache (chat-level backends only).
        log_path: append one JSON line per call here (None: ``$LLM_LOG_PATH`` or no log).
        timeout_s: limit for one backend call (one attempt).
        max_retries: retries after a 429/5xx/timeout/connection failure.
        retry: full retry policy (its ``max_retries`` is replaced by ``max_retries``).
        max_tokens, temperature, stop: passed in every chat request (``stop``: strings that end
            a generation, for backends that support them).
    """

    def __init__(
        self,
        backend: Backend | TaskBackend | str | None = None,
        *,
        concurrency: int = 8,
        cache_dir: Path | None = None,
        use_cache: bool = True,
        log_path: Path | None = None,
        timeout_s: float = 120,
        max_retries: int = 5,
        retry: RetryPolicy | None = None,
        max_tokens: int = 512,
        temperature: float = 0.0,
        stop: tuple[str, ...] = (),
    ) -> None:
        if concurrency < 1:
            raise BackendConfigError(f"concurrency must be >= 1, got {concurrency}")
        if not (math.isfinite(timeout_s) and timeout_s > 0):
            raise BackendConfigError(f"timeout_s must be a finite number > 0, got {timeout_s}")
        if max_retries < 0:
            raise BackendConfigError(f"max_retries must be >= 0, got {max_retries}")
        if max_tokens < 1:
            raise BackendConfigError(f"max_tokens must be >= 1, got {max_tokens}")
        self.backend = (
            backend
            if backend is not None and not isinstance(backend, str)
            else make_backend(backend)
        )
        self._task_level = isinstance(self.backend, TaskBackend)
        # Who answers, for every cache key: worked out once (a model file's size, a digest of a
        # scripted function), not per request.
        self._identity = cache_identity(self.backend)
        self.concurrency = concurrency
        self.cache = None
        if use_cache:
            self.cache = ResponseCache(_usable_folder(cache_dir or default_cache_dir(), "cache"))
        log_path = log_path or os.environ.get("LLM_LOG_PATH")
        self.log = None
        if log_path:
            log_path = Path(log_path)
            _usable_folder(log_path.parent, "log")
            if log_path.is_dir():
                raise BackendConfigError(f"log path {log_path} is a directory, not a file")
            self.log = CallLog(log_path)
        self.timeout_s = timeout_s
        base = retry or RetryPolicy()
        self.retry = RetryPolicy(
            max_retries, base.base_delay_s, base.max_delay_s, base.max_retry_after_s
        )
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.stop = tuple(stop)
        self._usage = Usage()
        self._usage_lock = threading.Lock()

    @property
    def usage(self) -> Usage:
        """Everything this handler's runs have cost so far."""
        return self._usage

    def run(self, tasks: Sequence[AgentTask]) -> list[TaskResult]:
        """Synchronous :meth:`arun`; safe from any thread, even one whose event loop is running."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self.arun(tasks))
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, self.arun(tasks)).result()

    async def arun(self, tasks: Sequence[AgentTask]) -> list[TaskResult]:
        """Run ``tasks`` concurrently; one TaskResult per task, in the same order."""
        limiter = asyncio.Semaphore(self.concurrency)
        try:
            return list(await asyncio.gather(*(self._run_one(task, limiter) for task in tasks)))
        finally:
            aclose = getattr(self.backend, "aclose", None)
            if aclose is not None:
                await aclose()

    async def _run_one(self, task: AgentTask, limiter: asyncio.Semaphore) -> TaskResult:
        run = _TaskRun(task, limiter)
        try:
            workspace = TaskWorkspace.open(task)
            if self._task_level:
                written = await self._run_agent(run, workspace)
            else:
                written = await self._run_chat(run, workspace)
            return TaskResult(task, ok=True, written=written, usage=run.usage)
        except Exception as exc:
            return TaskResult(task, ok=False, error=exc, usage=run.usage)

    async def _run_chat(self, run: _TaskRun, workspace: TaskWorkspace) -> list[Path]:
        """One request per TODO file; all answers must fill their file before any is written."""
        names = workspace.view.todo_files
        contents = await asyncio.gather(
            *(self._answer(run, workspace.view, name) for name in names)
        )
        for name, content in zip(names, contents, strict=True):
            if is_unfilled(content):
                raise UnfilledTodoError(
                    f"{self.backend.name} answer for {name!r} in {run.task.workspace} is empty or still TODO"
                )
        return [
            workspace.write(name, content) for name, content in zip(names, contents, strict=True)
        ]

    async def _answer(self, run: _TaskRun, view: TaskView, todo_file: str) -> str:
        context = RequestContext(view, todo_file)
        messages = build_messages(view, todo_file)
        request = ChatRequest(
            messages,
            self.backend.model,
            self.max_tokens,
            self.temperature,
            context,
            self.stop,
            self._identity,
            run.task.grammar,
        )
        return await self._complete(run, request, todo_file)

    def _file_content(self, response: ChatResponse) -> str:
        """What ``response`` would write into its TODO file."""
        if getattr(self.backend, "answers_are_file_content", False):
            return response.content
        return extract_file_content(response.content)

    async def _call_with_retries(
        self, run: _TaskRun, call: Callable[[], Awaitable[T]], **log_fields: Any
    ) -> tuple[T, Attempts, float]:
        """``call`` under the retry policy: (its result, the attempts made, the start time).

        A call that fails for good is accounted (calls made, retries) and logged before raising.
        """
        attempts = Attempts()
        start = time.perf_counter()
        try:
            result = await call_with_retries(
                call,
                policy=self.retry,
                timeout_s=self.timeout_s,
                attempts=attempts,
                limiter=run.limiter,
            )
        except Exception as exc:
            usage = Usage(calls=attempts.count, retries=max(0, attempts.count - 1))
            self._account(run, usage, attempts=attempts, start=start, error=exc, **log_fields)
            raise
        return result, attempts, start

    async def _complete(self, run: _TaskRun, request: ChatRequest, todo_file: str) -> str:
        """The file content of the cached response, else of the backend's (with retries);
        accounted and logged either way.

        Only answers that fill their TODO file are cached: a failed answer is asked again on the
        next run instead of being replayed from the cache forever.
        """
        key = request.cache_key()
        if self.cache is not None and (hit := self.cache.get(request)) is not None:
            self._account(run, Usage(cache_hits=1), todo_file=todo_file, key=key, cached=True)
            return self._file_content(hit)
        response, attempts, start = await self._call_with_retries(
            run, lambda: self.backend.complete(request), todo_file=todo_file, key=key
        )
        usage = Usage(
            calls=attempts.count,
            prompt_tokens=response.prompt_tokens,
            completion_tokens=response.completion_tokens,
            cost_usd=response.cost_usd,
            retries=attempts.count - 1,
        )
        self._account(run, usage, todo_file=todo_file, key=key, attempts=attempts, start=start)
        content = self._file_content(response)
        # After accounting, so that a failed cache write never hides a cost.
        if self.cache is not None and not is_unfilled(content):
            self.cache.put(request, response)
        return content

    async def _run_agent(self, run: _TaskRun, workspace: TaskWorkspace) -> list[Path]:
        """One agent session; afterwards every TODO file must be filled."""
        backend = self.backend
        assert isinstance(backend, TaskBackend)
        usage, attempts, start = await self._call_with_retries(
            run, lambda: backend.run_task(run.task, workspace.view)
        )
        self._account(
            run, usage + Usage(retries=attempts.count - 1), attempts=attempts, start=start
        )
        written = []
        for name in workspace.view.todo_files:
            path = workspace.resolve(name)
            if not path.is_file() or is_unfilled(
                path.read_text(encoding="utf-8", errors="replace")
            ):
                raise UnfilledTodoError(
                    f"{backend.name} left {name!r} in {run.task.workspace} empty or still TODO"
                )
            written.append(path)
        return written

    def _account(
        self,
        run: _TaskRun,
        usage: Usage,
        *,
        todo_file: str | None = None,
        key: str | None = None,
        cached: bool = False,
        attempts: Attempts | None = None,
        start: float | None = None,
        error: Exception | None = None,
    ) -> None:
        """Add ``usage`` to the task and the handler, and log the call."""
        run.usage = run.usage + usage
        with self._usage_lock:
            self._usage = self._usage + usage
        if self.log is None:
            return
        self.log.record(
            backend=self.backend.name,
            model=getattr(self.backend, "model", ""),
            workspace=str(run.task.workspace),
            todo_file=todo_file,
            key=key,
            cached=cached,
            attempts=0 if attempts is None else attempts.count,
            seconds=0.0 if start is None else round(time.perf_counter() - start, 6),
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            cost_usd=usage.cost_usd,
            error=None if error is None else f"{type(error).__name__}: {error}",
        )


def cache_identity(backend: Any) -> str:
    """Who answers, for the cache key: the backend's ``cache_identity`` (its server URL, model
    file, scripted function...), else its name and class."""
    identity = getattr(backend, "cache_identity", None)
    if identity:
        return str(identity)
    return (
        f"{getattr(backend, 'name', '?')}:{type(backend).__module__}.{type(backend).__qualname__}"
    )


def _usable_folder(folder: Path, what: str) -> Path:
    """``folder``, created if needed; BackendConfigError naming it if that is impossible."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackendConfigError(
            f"{what} directory {folder} cannot be created ({exc.strerror or exc})"
        ) from exc
    return folder


@dataclass
class _TaskRun:
    """One task in flight: the shared concurrency limiter and what the task has cost so far."""

    task: AgentTask
    limiter: asyncio.Semaphore
    usage: Usage = field(default_factory=Usage)
