"""Test doubles for llm-backends, not backends: scriptable local servers that stand in for
remote model APIs in tests and benchmarks.

- :class:`LoopbackChatServer` (``python -m llm_backends.testing.loopback``): an
  OpenAI-compatible chat server on 127.0.0.1 with scripted 429/5xx/hang answers and latency.
- :class:`LoopbackAnthropicServer`: an Anthropic Messages API stand-in on 127.0.0.1 that drives
  the Claude Code CLI through scripted tool calls.
- :func:`placeholder_task`: a workspace holding one TODO file and a spec, as an ``AgentTask``.

The scripted *backend* (``ScriptedBackend``) is a real backend and lives with the others.
"""

from llm_backends.testing.loopback import LoopbackChatServer
from llm_backends.testing.loopback_anthropic import LoopbackAnthropicServer
from llm_backends.testing.workspaces import placeholder_task

__all__ = ["LoopbackAnthropicServer", "LoopbackChatServer", "placeholder_task"]
