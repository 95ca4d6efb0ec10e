"""Domain exceptions: every failure a caller can act on has its own class and a message naming the fix."""

from __future__ import annotations


class LLMBackendError(Exception):
    """Base class of every error raised by llm_backends."""


class MissingAPIKeyError(LLMBackendError):
    """The backend needs an API key and none was given (or the server rejected it)."""


class ModelFileMissingError(LLMBackendError):
    """The GGUF model file (or the package that ships it) is not installed."""


class UnfilledTodoError(LLMBackendError):
    """The backend's answer left a TODO file empty or still holding the placeholder."""


class WorkspaceEscapeError(LLMBackendError):
    """A path would read or write outside the task's workspace."""


class WorkspaceMissingError(LLMBackendError):
    """A task's workspace directory does not exist (or is not a directory)."""


class ExampleFileError(LLMBackendError):
    """A task's example file is missing, unreadable or also one of its TODO files."""


class BackendConfigError(LLMBackendError):
    """The backend name or its settings are invalid."""


class RetryableBackendError(LLMBackendError):
    """A transient failure (HTTP 429, 5xx, timeout): the call may succeed if repeated.

    ``retry_after`` is the server's Retry-After hint in seconds, when it sent one.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class CallTimeoutError(RetryableBackendError):
    """One backend call took longer than the per-call timeout."""


class ServerBusyError(RetryableBackendError):
    """The server answered 429 (rate limit) or a 5xx status."""

    def __init__(self, message: str, *, status: int, retry_after: float | None = None) -> None:
        super().__init__(message, retry_after=retry_after)
        self.status = status


class ServerUnreachableError(RetryableBackendError):
    """No connection could be made to the model server (retried: it may still be starting)."""
