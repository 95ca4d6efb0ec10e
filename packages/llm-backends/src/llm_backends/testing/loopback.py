"""A scriptable OpenAI-compatible chat server on 127.0.0.1, for tests and benchmarks.

It answers ``POST /v1/chat/completions`` after ``latency_s``; ``script`` lists what the first
requests get instead of a normal answer: ``(429, retry_after)``, ``(503, None)`` or ``"hang"``
(no answer until the server stops, at most ``max_hang_s``).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Action = tuple[int, float | str | None] | str


def default_reply(request: dict[str, Any]) -> str:
    """A deterministic answer naming how long the prompt was."""
    chars = sum(len(m.get("content") or "") for m in request.get("messages", []))
    return f"```\n# answer from the loopback server ({chars} prompt chars)\n```"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default backlog of 5 drops bursts of concurrent connects


def _header(retry_after: float | str) -> str:
    """A Retry-After value: seconds, or a string sent as is (to test malformed hints)."""
    return retry_after if isinstance(retry_after, str) else f"{retry_after:g}"


class LoopbackChatServer:
    """Context manager running the server in a background thread; ``url`` is its /v1 base URL."""

    def __init__(
        self,
        *,
        latency_s: float = 0.0,
        script: Iterable[Action] = (),
        reply: Callable[[dict[str, Any]], str] = default_reply,
        max_hang_s: float = 30.0,
    ) -> None:
        self.latency_s = latency_s
        self.reply = reply
        self.max_hang_s = max_hang_s
        self.requests: list[dict[str, Any]] = []
        self._script = list(script)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Base URL for an OpenAI client, e.g. ``http://127.0.0.1:PORT/v1``."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> LoopbackChatServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def _next_action(self, body: dict[str, Any]) -> Action:
        with self._lock:
            self.requests.append(body)
            return self._script.pop(0) if self._script else "ok"

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in separate writes

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                action = server._next_action(body)
                if action == "hang":
                    server._stop.wait(server.max_hang_s)
                    return
                if server.latency_s:
                    time.sleep(server.latency_s)
                if isinstance(action, tuple):
                    status, retry_after = action
                    headers = {} if retry_after is None else {"Retry-After": _header(retry_after)}
                    self._send(
                        status,
                        {"error": {"message": f"scripted {status}", "type": "scripted"}},
                        headers,
                    )
                    return
                content = server.reply(body)
                prompt_tokens = sum(
                    len((m.get("content") or "").split()) for m in body.get("messages", [])
                )
                self._send(
                    200,
                    {
                        "id": f"chatcmpl-{len(server.requests)}",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": body.get("model", "loopback"),
                        "choices": [
                            {
                                "index": 0,
                                "finish_reason": "stop",
                                "message": {"role": "assistant", "content": content},
                            }
                        ],
                        "usage": {
                            "prompt_tokens": prompt_tokens,
                            "completion_tokens": len(content.split()),
                            "total_tokens": prompt_tokens + len(content.split()),
                        },
                    },
                )

            def _send(
                self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted; prints the base URL as the first line of stdout."""
    import argparse
    import contextlib
    import sys

    parser = argparse.ArgumentParser(
        prog="python -m llm_backends.testing.loopback",
        description="Scriptable OpenAI-compatible chat server on 127.0.0.1 (for tests and benchmarks).",
    )
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay before every answer")
    args = parser.parse_args(argv)
    with LoopbackChatServer(latency_s=args.latency_ms / 1000) as server:
        print(server.url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            sys.stdin.read()  # serve until stdin closes (the parent exits) or Ctrl-C


if __name__ == "__main__":
    main()
