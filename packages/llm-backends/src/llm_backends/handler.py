"""TaskHandler: run many AgentTasks concurrently on one backend, with cache, retries and accounting."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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


class TaskHandler:
    """Runs AgentTasks on one backend, at most ``concurrency`` backend calls at a time.

    Chat-level backends get one request per TODO file (instruction + every workspace file + the
    file to write); the answer becomes that file's content. Task-level backends (claude-agent) edit
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
        max_tokens, temperature: passed in every chat request.
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
    ) -> None:
        if concurrency < 1:
            raise BackendConfigError(f"concurrency must be >= 1, got {concurrency}")
        if timeout_s <= 0:
            raise BackendConfigError(f"timeout_s must be > 0, got {timeout_s}")
        self.backend = (
            backend
            if backend is not None and not isinstance(backend, str)
            else make_backend(backend)
        )
        self._task_level = isinstance(self.backend, TaskBackend)
        self.concurrency = concurrency
        self.cache = ResponseCache(cache_dir or default_cache_dir()) if use_cache else None
        log_path = log_path or os.environ.get("LLM_LOG_PATH")
        self.log = CallLog(Path(log_path)) if log_path else None
        self.timeout_s = timeout_s
        base = retry or RetryPolicy()
        self.retry = RetryPolicy(
            max_retries, base.base_delay_s, base.max_delay_s, base.max_retry_after_s
        )
        self.max_tokens = max_tokens
        self.temperature = temperature
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
        usage = Usage()
        try:
            workspace = TaskWorkspace.open(task)
            if self._task_level:
                usage, written = await self._run_agent(task, workspace, limiter)
            else:
                usage, written = await self._run_chat(task, workspace, limiter)
            return TaskResult(task, ok=True, written=written, usage=usage)
        except Exception as exc:
            return TaskResult(task, ok=False, error=exc, usage=usage)

    async def _run_chat(
        self, task: AgentTask, workspace: TaskWorkspace, limiter: asyncio.Semaphore
    ) -> tuple[Usage, list[Path]]:
        view = workspace.view
        answers = await asyncio.gather(
            *(self._answer(task, view, name, limiter) for name in view.todo_files)
        )
        usage = sum((u for _, u in answers), Usage())
        for name, (content, _) in zip(view.todo_files, answers, strict=True):
            if is_unfilled(content):
                raise UnfilledTodoError(
                    f"{self.backend.name} answer for {name!r} in {task.workspace} is empty or still TODO"
                )
        written = [
            workspace.write(name, content)
            for name, (content, _) in zip(view.todo_files, answers, strict=True)
        ]
        return usage, written

    async def _answer(
        self, task: AgentTask, view: TaskView, todo_file: str, limiter: asyncio.Semaphore
    ) -> tuple[str, Usage]:
        request = ChatRequest(
            build_messages(view, todo_file),
            self.backend.model,
            self.max_tokens,
            self.temperature,
            RequestContext(view, todo_file),
        )
        response, usage = await self._complete(request, task, todo_file, limiter)
        if getattr(self.backend, "answers_are_file_content", False):
            return response.content, usage
        return extract_file_content(response.content), usage

    async def _complete(
        self, request: ChatRequest, task: AgentTask, todo_file: str, limiter: asyncio.Semaphore
    ) -> tuple[ChatResponse, Usage]:
        key = request.cache_key()
        if self.cache is not None and (hit := self.cache.get(request)) is not None:
            usage = Usage(cache_hits=1)
            self._account(
                usage, task=task, todo_file=todo_file, key=key, cached=True, attempts=0, seconds=0.0
            )
            return hit, usage
        attempts = Attempts()
        start = time.perf_counter()
        try:
            async with limiter:
                response = await call_with_retries(
                    lambda: self.backend.complete(request),
                    policy=self.retry,
                    timeout_s=self.timeout_s,
                    attempts=attempts,
                )
        except Exception as exc:
            usage = Usage(calls=attempts.count, retries=max(0, attempts.count - 1))
            self._account(
                usage,
                task=task,
                todo_file=todo_file,
                key=key,
                cached=False,
                attempts=attempts.count,
                seconds=time.perf_counter() - start,
                error=exc,
            )
            raise
        usage = Usage(
            attempts.count,
            0,
            response.prompt_tokens,
            response.completion_tokens,
            response.cost_usd,
            attempts.count - 1,
        )
        if self.cache is not None:
            self.cache.put(request, response)
        self._account(
            usage,
            task=task,
            todo_file=todo_file,
            key=key,
            cached=False,
            attempts=attempts.count,
            seconds=time.perf_counter() - start,
        )
        return response, usage

    async def _run_agent(
        self, task: AgentTask, workspace: TaskWorkspace, limiter: asyncio.Semaphore
    ) -> tuple[Usage, list[Path]]:
        view = workspace.view
        backend = self.backend
        assert isinstance(backend, TaskBackend)
        attempts = Attempts()
        start = time.perf_counter()
        try:
            async with limiter:
                usage = await call_with_retries(
                    lambda: backend.run_task(task, view),
                    policy=self.retry,
                    timeout_s=self.timeout_s,
                    attempts=attempts,
                )
        except Exception as exc:
            self._account(
                Usage(calls=attempts.count),
                task=task,
                todo_file=None,
                key=None,
                cached=False,
                attempts=attempts.count,
                seconds=time.perf_counter() - start,
                error=exc,
            )
            raise
        self._account(
            usage,
            task=task,
            todo_file=None,
            key=None,
            cached=False,
            attempts=attempts.count,
            seconds=time.perf_counter() - start,
        )
        written = []
        for name in view.todo_files:
            path = workspace.resolve(name)
            if not path.is_file() or is_unfilled(
                path.read_text(encoding="utf-8", errors="replace")
            ):
                raise UnfilledTodoError(
                    f"{backend.name} left {name!r} in {task.workspace} empty or still TODO"
                )
            written.append(path)
        return usage, written

    def _account(
        self,
        usage: Usage,
        *,
        task: AgentTask,
        todo_file: str | None,
        key: str | None,
        cached: bool,
        attempts: int,
        seconds: float,
        error: Exception | None = None,
    ) -> None:
        with self._usage_lock:
            self._usage = self._usage + usage
        if self.log is None:
            return
        self.log.record(
            backend=self.backend.name,
            model=getattr(self.backend, "model", ""),
            workspace=str(task.workspace),
            todo_file=todo_file,
            key=key,
            cached=cached,
            attempts=attempts,
            seconds=round(seconds, 6),
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            cost_usd=usage.cost_usd,
            error=None if error is None else f"{type(error).__name__}: {error}",
        )
