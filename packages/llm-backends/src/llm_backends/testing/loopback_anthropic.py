"""A scriptable Anthropic Messages API on 127.0.0.1, enough for the Claude Code CLI to run a turn.

The ``agent`` callback sees each ``POST /v1/messages`` body and returns the assistant's content
blocks (``{"type": "text", ...}`` / ``{"type": "tool_use", ...}``); the server answers them as a
streamed (SSE) or plain JSON message, ``stop_reason`` "tool_use" when a tool is called. Other
endpoints get a minimal 200 so the CLI's side requests do not fail. Every request is recorded.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Agent = Callable[[dict[str, Any]], list[dict[str, Any]]]


def final_text(body: dict[str, Any]) -> list[dict[str, Any]]:
    """An agent that just says it is done."""
    return [{"type": "text", "text": "Done."}]


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def stream_events(message: dict[str, Any]) -> bytes:
    """The SSE byte stream the Messages API sends for ``message``."""
    head = {**message, "content": [], "stop_reason": None, "stop_sequence": None}
    out = [_sse("message_start", {"type": "message_start", "message": head})]
    for index, block in enumerate(message["content"]):
        if block["type"] == "tool_use":
            start = {**block, "input": {}}
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
        else:
            start = {"type": "text", "text": ""}
            delta = {"type": "text_delta", "text": block["text"]}
        out.append(
            _sse(
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": start},
            )
        )
        out.append(
            _sse(
                "content_block_delta",
                {"type": "content_block_delta", "index": index, "delta": delta},
            )
        )
        out.append(_sse("content_block_stop", {"type": "content_block_stop", "index": index}))
    out.append(
        _sse(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                "usage": {"output_tokens": message["usage"]["output_tokens"]},
            },
        )
    )
    out.append(_sse("message_stop", {"type": "message_stop"}))
    return b"".join(out)


class LoopbackAnthropicServer:
    """Context manager serving the fake Messages API; ``url`` goes into ANTHROPIC_BASE_URL."""

    def __init__(self, agent: Agent = final_text) -> None:
        self.agent = agent
        self.requests: list[tuple[str, str, dict[str, Any] | None]] = []
        self._lock = threading.Lock()
        self._counter = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:PORT``."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def message_requests(self) -> list[dict[str, Any]]:
        """Bodies of the POST /v1/messages requests received so far."""
        with self._lock:
            return [
                body
                for method, path, body in self.requests
                if method == "POST"
                and path.startswith("/v1/messages")
                and "count_tokens" not in path
                and body
            ]

    def __enter__(self) -> LoopbackAnthropicServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def _message(self, body: dict[str, Any]) -> dict[str, Any]:
        content = self.agent(body)
        with self._lock:
            self._counter += 1
            number = self._counter
        uses_tool = any(block["type"] == "tool_use" for block in content)
        return {
            "id": f"msg_loopback_{number}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "loopback"),
            "content": content,
            "stop_reason": "tool_use" if uses_tool else "end_turn",
            "stop_sequence": None,
            "usage": {
                "input_tokens": 10,
                "output_tokens": 5,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            },
        }

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _record(self, body: dict[str, Any] | None) -> None:
                with server._lock:
                    server.requests.append((self.command, self.path, body))

            def do_GET(self) -> None:
                self._record(None)
                self._send(200, "application/json", b"{}")

            def do_HEAD(self) -> None:
                self._record(None)
                self._send(200, "application/json", b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    body = {}
                self._record(body)
                path = self.path.split("?")[0]
                if path.endswith("/count_tokens"):
                    self._send(200, "application/json", b'{"input_tokens": 10}')
                elif path.endswith("/v1/messages"):
                    message = server._message(body)
                    if body.get("stream"):
                        self._send(200, "text/event-stream", stream_events(message))
                    else:
                        self._send(200, "application/json", json.dumps(message).encode())
                else:
                    self._send(200, "application/json", b"{}")

            def _send(self, status: int, content_type: str, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("request-id", f"req_{time.monotonic_ns()}")
                self.end_headers()
                self.wfile.write(data)

        return Handler
