"""Concurrent, cached, accounted LLM task execution over OpenAI-compatible, Claude agent, embedded llama.cpp and scripted backends.

>>> handler = TaskHandler(ScriptedBackend(lambda view, name: "print('hi')\\n"))  # doctest: +SKIP
>>> results = handler.run([AgentTask(Path("ws"), "say hi", (Path("main.py"),))])  # doctest: +SKIP
"""

from .backends import (
    BACKEND_NAMES,
    Backend,
    ScriptedBackend,
    TaskBackend,
    default_backend_name,
    make_backend,
)
from .backends.claude_agent import ClaudeAgentBackend
from .backends.local import LocalBackend
from .backends.openai import OpenAIBackend
from .cache import ResponseCache, default_cache_dir
from .call_log import CallLog
from .chat import ChatMessage, ChatRequest, ChatResponse, RequestContext
from .errors import (
    BackendConfigError,
    CallTimeoutError,
    ExampleFileError,
    LLMBackendError,
    MissingAPIKeyError,
    ModelFileMissingError,
    RetryableBackendError,
    ServerBusyError,
    ServerUnreachableError,
    UnfilledTodoError,
    WorkspaceEscapeError,
    WorkspaceMissingError,
)
from .handler import TaskHandler
from .prompt import build_messages, extract_file_content
from .retry import RetryPolicy, call_with_retries
from .task import TODO_PLACEHOLDER, AgentTask, TaskResult, TaskView
from .usage import Usage
from .workspace import read_workspace_files, resolve_inside, write_inside

__all__ = [
    "BACKEND_NAMES",
    "TODO_PLACEHOLDER",
    "AgentTask",
    "Backend",
    "BackendConfigError",
    "CallLog",
    "CallTimeoutError",
    "ChatMessage",
    "ChatRequest",
    "ChatResponse",
    "ClaudeAgentBackend",
    "ExampleFileError",
    "LLMBackendError",
    "LocalBackend",
    "MissingAPIKeyError",
    "ModelFileMissingError",
    "OpenAIBackend",
    "RequestContext",
    "ResponseCache",
    "RetryPolicy",
    "RetryableBackendError",
    "ScriptedBackend",
    "ServerBusyError",
    "ServerUnreachableError",
    "TaskBackend",
    "TaskHandler",
    "TaskResult",
    "TaskView",
    "UnfilledTodoError",
    "Usage",
    "WorkspaceEscapeError",
    "WorkspaceMissingError",
    "build_messages",
    "call_with_retries",
    "default_backend_name",
    "default_cache_dir",
    "extract_file_content",
    "make_backend",
    "read_workspace_files",
    "resolve_inside",
    "write_inside",
]
