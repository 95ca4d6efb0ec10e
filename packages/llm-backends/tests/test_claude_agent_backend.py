import asyncio
import json
import os
from pathlib import Path

import pytest
from llm_backends import (
    AgentTask,
    MissingAPIKeyError,
    TaskHandler,
    UnfilledTodoError,
    WorkspaceEscapeError,
)

claude_agent_sdk = pytest.importorskip("claude_agent_sdk")

from llm_backends.backends.claude_agent import (  # noqa: E402
    ClaudeAgentBackend,
    confined_path,
    make_permission_callback,
    make_pre_tool_hook,
)
from llm_backends.testing import LoopbackAnthropicServer  # noqa: E402

# --- the confinement check itself ---------------------------------------------------------------


def test_paths_inside_the_workspace_are_allowed(jail):
    root = os.path.realpath(jail)
    assert confined_path(root, "Write", {"file_path": f"{root}/ok.py"}) == f"{root}/ok.py"
    assert confined_path(root, "Read", {"file_path": "ok.py"}) == f"{root}/ok.py"
    assert (
        confined_path(root, "Edit", {"file_path": f"{root}/new/dir/g.py"}) == f"{root}/new/dir/g.py"
    )


@pytest.mark.parametrize(
    ("tool", "tool_input"),
    [
        ("Write", {"file_path": "{tmp}/secret.txt"}),
        ("Read", {"file_path": "{tmp}/secret.txt"}),
        ("Edit", {"file_path": "{root}/../secret.txt"}),
        ("Write", {"file_path": "../escape.py"}),
        ("Read", {"file_path": "{root}/link_out"}),
        ("Write", {"file_path": "/etc/passwd"}),
        ("Read", {"file_path": "~/secret.txt"}),
        ("Write", {"file_path": "~root/x.txt"}),
        ("Write", {"file_path": "~nosuchuser/x.txt"}),
        ("Write", {"file_path": "{root}"}),
        ("Write", {}),
        ("Bash", {"command": "cat {tmp}/secret.txt"}),
        ("Glob", {"pattern": "**"}),
    ],
)
def test_escapes_and_other_tools_are_refused(jail, tool, tool_input):
    root = os.path.realpath(jail)
    tmp = os.path.dirname(root)
    filled = {k: v.format(root=root, tmp=tmp) for k, v in tool_input.items()}
    with pytest.raises(WorkspaceEscapeError):
        confined_path(root, tool, filled)


def test_permission_callback_and_hook_agree_with_the_check(jail):
    root = os.path.realpath(jail)
    allow = {"file_path": f"{root}/ok.py"}
    deny = {"file_path": f"{os.path.dirname(root)}/secret.txt"}
    can_use_tool = make_permission_callback(root)
    hook = make_pre_tool_hook(root)
    assert asyncio.run(can_use_tool("Write", allow, None)).behavior == "allow"
    denied = asyncio.run(can_use_tool("Write", deny, None))
    assert denied.behavior == "deny" and "outside the workspace" in denied.message
    assert asyncio.run(hook({"tool_name": "Write", "tool_input": allow}, "t1", {})) == {}
    out = asyncio.run(hook({"tool_name": "Write", "tool_input": deny}, "t2", {}))
    assert out["hookSpecificOutput"]["permissionDecision"] == "deny"


def test_the_hook_alone_refuses_a_home_relative_path(jail, monkeypatch):
    """Each layer is enough on its own: `~` is expanded (to a home outside the workspace)."""
    root = os.path.realpath(jail)
    monkeypatch.setenv("HOME", os.path.dirname(root))
    hook = make_pre_tool_hook(root)
    out = asyncio.run(
        hook({"tool_name": "Read", "tool_input": {"file_path": "~/secret.txt"}}, "t", {})
    )
    assert out["hookSpecificOutput"]["permissionDecision"] == "deny"


def test_session_options_confine_the_agent(jail):
    root = os.path.realpath(jail)
    options = ClaudeAgentBackend(base_url="http://127.0.0.1:9").options(root)
    assert options.tools == ["Read", "Edit", "Write"]
    assert options.allowed_tools == []  # nothing skips the permission callback
    assert "Bash" in options.disallowed_tools
    assert options.cwd == root and options.add_dirs == []
    assert options.setting_sources == []  # no user/project allow rules
    assert options.permission_mode == "default"
    assert options.can_use_tool is not None and options.hooks["PreToolUse"]
    assert options.env["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:9"


def test_a_remote_api_without_key_is_refused(monkeypatch):
    for name in ("ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(MissingAPIKeyError, match="ANTHROPIC_API_KEY"):
        ClaudeAgentBackend()


# --- the bundled Claude Code CLI against a loopback Messages API --------------------------------


def scripted_agent(steps):
    """Agent that plays ``steps`` (tool_use inputs) one per turn, then says Done."""

    def agent(body):
        if not body.get("tools"):  # side requests (titles, summaries)
            return [{"type": "text", "text": "ok"}]
        done = sum(
            1
            for m in body.get("messages", [])
            if isinstance(m.get("content"), list)
            for block in m["content"]
            if block.get("type") == "tool_result"
        )
        if done < len(steps):
            name, tool_input = steps[done]
            return [
                {"type": "tool_use", "id": f"toolu_{done:02d}", "name": name, "input": tool_input}
            ]
        return [{"type": "text", "text": "Done."}]

    return agent


def tool_results(server):
    last = server.message_requests[-1]
    return [
        b
        for m in last["messages"]
        if isinstance(m.get("content"), list)
        for b in m["content"]
        if b.get("type") == "tool_result"
    ]


def run_agent(tmp_path, jail, steps):
    with LoopbackAnthropicServer(scripted_agent(steps)) as server:
        backend = ClaudeAgentBackend(
            "claude-loopback",
            base_url=server.url,
            max_turns=len(steps) + 2,
            env={"CLAUDE_CONFIG_DIR": str(tmp_path / "claude-config")},
        )
        [result] = TaskHandler(backend, timeout_s=90, max_retries=0).run(
            [AgentTask(jail, "fill ok.py", (Path("ok.py"),))]
        )
    return result, server


@pytest.mark.slow
def test_the_claude_code_cli_fills_the_todo_file_through_the_loopback_api(tmp_path, jail):
    root = os.path.realpath(jail)
    result, server = run_agent(
        tmp_path, jail, [("Write", {"file_path": f"{root}/ok.py", "content": "x = 1\n"})]
    )
    assert result.ok, result.error
    assert (jail / "ok.py").read_text() == "x = 1\n"
    assert result.written == [Path(root) / "ok.py"]
    assert result.usage.calls == 1 and result.usage.prompt_tokens > 0
    [write_result] = tool_results(server)
    assert not write_result.get("is_error")


@pytest.mark.slow
def test_the_claude_code_cli_cannot_read_or_write_outside_the_workspace(tmp_path, jail):
    root = os.path.realpath(jail)
    tmp = os.path.dirname(root)
    steps = [
        ("Read", {"file_path": f"{tmp}/secret.txt"}),
        ("Write", {"file_path": f"{tmp}/escaped.py", "content": "pwned"}),
        ("Edit", {"file_path": f"{tmp}/secret.txt", "old_string": "TOP", "new_string": "PWNED"}),
        ("Write", {"file_path": f"{root}/link_out", "content": "pwned"}),
        ("Write", {"file_path": f"{root}/../escaped2.py", "content": "pwned"}),
        ("Bash", {"command": f"echo pwned > {tmp}/escaped3.py"}),
    ]
    result, server = run_agent(tmp_path, jail, steps)
    assert isinstance(result.error, UnfilledTodoError)
    assert (tmp_path / "secret.txt").read_text() == "TOP-SECRET-42"
    assert not any(
        (tmp_path / name).exists() for name in ("escaped.py", "escaped2.py", "escaped3.py")
    )
    assert (jail / "ok.py").read_text() == "TODO"
    results = tool_results(server)
    assert len(results) == len(steps)
    assert all(r.get("is_error") for r in results), results
    assert "TOP-SECRET-42" not in json.dumps(server.message_requests)


def test_the_agent_prompt_names_the_solved_examples():
    from llm_backends import ClaudeAgentBackend, TaskView

    files = {"a.txt": "1", "b.txt": "2", "out.txt": "TODO"}
    view = TaskView("Do it.", files, ["out.txt"], [("a.txt", "b.txt")])
    prompt = ClaudeAgentBackend.prompt(view, "/ws")
    assert "Solved examples (input file -> its output file):\n- /ws/a.txt -> /ws/b.txt\n" in prompt
    assert prompt.index("/ws/a.txt") < prompt.index("- /ws/out.txt")
