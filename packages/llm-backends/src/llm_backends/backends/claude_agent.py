"""Task-level backend: a Claude Code agent (claude-agent-sdk) edits the workspace with Read/Edit/Write.

Confinement has three layers, each enough on its own for file tools:
1. the agent only has the Read, Edit and Write tools (``tools=``), nothing pre-allowed;
2. a PreToolUse hook denies every call whose ``file_path`` resolves outside the workspace (hooks
   see every tool call, even ones Claude Code's own rules would auto-allow);
3. ``can_use_tool`` applies the same check to every call that reaches a permission prompt.
No user or project settings are loaded (``setting_sources=[]``), so no allow rule can widen this.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from ..errors import (
    LLMBackendError,
    MissingAPIKeyError,
    ModelFileMissingError,
    ServerBusyError,
    WorkspaceEscapeError,
)
from ..task import AgentTask, TaskView
from ..usage import Usage
from .openai import is_loopback

AGENT_TOOLS = ("Read", "Edit", "Write")
# Removed from the model's context outright, in case a CLI version adds any of them by default.
DENIED_TOOLS = (
    "Bash",
    "Glob",
    "Grep",
    "WebFetch",
    "WebSearch",
    "NotebookEdit",
    "Agent",
    "Task",
    "TodoWrite",
)


def confined_path(root: str, tool_name: str, tool_input: dict[str, Any]) -> str:
    """The real path a Read/Edit/Write call touches; WorkspaceEscapeError if it is not allowed.

    ``root`` is the workspace's real path. Relative paths are taken from ``root``; ``~`` is
    expanded as the agent's tools expand it; ``..`` components, other tools, missing paths and
    anything resolving (through symlinks) outside ``root`` are refused.
    """
    if tool_name not in AGENT_TOOLS:
        raise WorkspaceEscapeError(
            f"tool {tool_name!r} is not allowed; only {', '.join(AGENT_TOOLS)}"
        )
    file_path = tool_input.get("file_path")
    if not isinstance(file_path, str) or not file_path or "\x00" in file_path:
        raise WorkspaceEscapeError(f"{tool_name} call without a valid file_path: {tool_input!r}")
    if ".." in file_path.replace("\\", "/").split("/"):
        raise WorkspaceEscapeError(f"{tool_name} path {file_path!r} contains '..'")
    expanded = os.path.expanduser(file_path)
    if expanded.startswith("~"):  # ~unknown-user: never a workspace path
        raise WorkspaceEscapeError(f"{tool_name} path {file_path!r} names another home folder")
    candidate = expanded if os.path.isabs(expanded) else os.path.join(root, expanded)
    real = os.path.realpath(candidate)
    if not real.startswith(root + os.sep):
        raise WorkspaceEscapeError(
            f"{tool_name} path {file_path!r} resolves to {real}, outside the workspace {root}"
        )
    return real


def make_permission_callback(root: str):
    """``can_use_tool`` callback allowing only confined Read/Edit/Write calls."""
    from claude_agent_sdk import PermissionResultAllow, PermissionResultDeny

    async def can_use_tool(tool_name: str, tool_input: dict[str, Any], context: Any):
        try:
            confined_path(root, tool_name, tool_input)
        except WorkspaceEscapeError as exc:
            return PermissionResultDeny(message=str(exc))
        return PermissionResultAllow()

    return can_use_tool


def make_pre_tool_hook(root: str):
    """PreToolUse hook denying any tool call that is not a confined Read/Edit/Write."""

    async def pre_tool_use(
        hook_input: dict[str, Any], tool_use_id: str | None, context: Any
    ) -> dict[str, Any]:
        try:
            confined_path(root, hook_input.get("tool_name", ""), hook_input.get("tool_input") or {})
        except WorkspaceEscapeError as exc:
            return {
                "hookSpecificOutput": {
                    "hookEventName": "PreToolUse",
                    "permissionDecision": "deny",
                    "permissionDecisionReason": str(exc),
                }
            }
        return {}  # no opinion: can_use_tool decides

    return pre_tool_use


class ClaudeAgentBackend:
    """Runs each task as one Claude Code session whose ``cwd`` is the task's workspace.

    Settings: ``model`` (else ``$CLAUDE_MODEL``, else the CLI default), ``base_url`` (else
    ``$ANTHROPIC_BASE_URL``), ``api_key`` (else ``$ANTHROPIC_API_KEY``; required unless
    ``$CLAUDE_CODE_OAUTH_TOKEN`` is set or the base URL is loopback), ``max_turns``,
    ``cli_path`` (default: the CLI bundled in the claude-agent-sdk wheel) and ``env`` (extra
    variables for the CLI process, e.g. ``CLAUDE_CONFIG_DIR``). Needs ``llm-backends[claude]``.
    """

    name = "claude-agent"

    def __init__(
        self,
        model: str | None = None,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        max_turns: int = 30,
        cli_path: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        try:
            import claude_agent_sdk  # noqa: F401
        except ModuleNotFoundError:
            raise ModelFileMissingError(
                "the claude-agent backend needs claude-agent-sdk: install llm-backends[claude]"
            ) from None
        self.model = model or os.environ.get("CLAUDE_MODEL") or ""
        self.base_url = base_url or os.environ.get("ANTHROPIC_BASE_URL")
        key = api_key or os.environ.get("ANTHROPIC_API_KEY")
        if not key and not os.environ.get("CLAUDE_CODE_OAUTH_TOKEN"):
            if not (self.base_url and is_loopback(self.base_url)):
                raise MissingAPIKeyError(
                    "the claude-agent backend needs ANTHROPIC_API_KEY (or CLAUDE_CODE_OAUTH_TOKEN)"
                )
            key = "no-key-needed-on-loopback"
        self._api_key = key
        self.max_turns = max_turns
        self.cli_path = cli_path
        self.env = dict(env or {})

    def options(self, root: str) -> Any:
        """The ClaudeAgentOptions for a session confined to the workspace at real path ``root``."""
        from claude_agent_sdk import ClaudeAgentOptions, HookMatcher

        env = {
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_AUTOUPDATER": "1",
            **self.env,
        }
        if self.base_url:
            env["ANTHROPIC_BASE_URL"] = self.base_url
        if self._api_key:
            env["ANTHROPIC_API_KEY"] = self._api_key
        return ClaudeAgentOptions(
            tools=list(AGENT_TOOLS),
            allowed_tools=[],
            disallowed_tools=list(DENIED_TOOLS),
            permission_mode="default",
            can_use_tool=make_permission_callback(root),
            hooks={"PreToolUse": [HookMatcher(matcher=None, hooks=[make_pre_tool_hook(root)])]},
            setting_sources=[],
            strict_mcp_config=True,
            cwd=root,
            add_dirs=[],
            max_turns=self.max_turns,
            model=self.model or None,
            cli_path=self.cli_path,
            env=env,
        )

    @staticmethod
    def prompt(view: TaskView, root: str) -> str:
        """The instruction plus which files to fill (and the solved examples, if any)."""
        files = "\n".join(f"- {root}/{name}" for name in view.todo_files)
        examples = "".join(
            f"- {root}/{source} -> {root}/{answer}\n" for source, answer in view.examples
        )
        if examples:
            examples = f"Solved examples (input file -> its output file):\n{examples}"
        return (
            f"{view.instruction}\n\nThe working directory is {root}. {examples}These files hold "
            f"the placeholder TODO; replace each with its complete content using the Write or Edit "
            f"tool:\n{files}\nOnly read and write files inside the working directory."
        )

    async def run_task(self, task: AgentTask, view: TaskView) -> Usage:
        """Run one agent session for ``task``; the handler checks the TODO files afterwards."""
        from claude_agent_sdk import ClaudeSDKError, ResultMessage, query

        root = os.path.realpath(task.workspace)
        prompt_text = self.prompt(view, root)

        async def prompt() -> AsyncIterator[dict[str, Any]]:  # can_use_tool needs streaming mode
            yield {"type": "user", "message": {"role": "user", "content": prompt_text}}

        result: ResultMessage | None = None
        try:
            async for message in query(prompt=prompt(), options=self.options(root)):
                if isinstance(message, ResultMessage):
                    result = message
        except ClaudeSDKError as exc:
            raise LLMBackendError(f"Claude Code failed on {task.workspace}: {exc}") from exc
        if result is None:
            raise LLMBackendError(f"Claude Code ended without a result for {task.workspace}")
        if result.is_error:
            status = result.api_error_status
            detail = "; ".join(result.errors or []) or result.result or result.subtype
            if status is not None and (status == 429 or status >= 500):
                raise ServerBusyError(
                    f"Anthropic API answered HTTP {status}: {detail}", status=status
                )
            raise LLMBackendError(f"Claude Code session failed ({result.subtype}): {detail}")
        usage = result.usage or {}
        prompt_tokens = sum(
            int(usage.get(k) or 0)
            for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
        )
        return Usage(
            calls=1,
            prompt_tokens=prompt_tokens,
            completion_tokens=int(usage.get("output_tokens") or 0),
            cost_usd=float(result.total_cost_usd or 0.0),
        )
