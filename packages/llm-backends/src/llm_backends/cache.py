"""Content-addressed on-disk response cache: one JSON file per sha256 of the canonical request."""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from dataclasses import asdict
from pathlib import Path

from .atomic import atomic_write_text
from .chat import ChatRequest, ChatResponse


def default_cache_dir() -> Path:
    """``$LLM_CACHE_DIR``, else ``$XDG_CACHE_HOME/llm-backends``, else ``~/.cache/llm-backends``."""
    if env := os.environ.get("LLM_CACHE_DIR"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "llm-backends"


class ResponseCache:
    """Maps a request's cache key to the response once received.

    Entries live at ``<directory>/<key[:2]>/<key>.json`` and are written atomically, so concurrent
    writers of the same key are harmless (same request, same content). The last
    ``memory_entries`` entries read or written are also kept in memory (0 turns that off).
    """

    def __init__(self, directory: Path, *, memory_entries: int = 4096) -> None:
        self.directory = Path(directory)
        self.memory_entries = memory_entries
        self._memory: OrderedDict[str, ChatResponse] = OrderedDict()
        self._lock = threading.Lock()

    def _remember(self, key: str, response: ChatResponse) -> None:
        if not self.memory_entries:
            return
        with self._lock:
            self._memory[key] = response
            self._memory.move_to_end(key)
            while len(self._memory) > self.memory_entries:
                self._memory.popitem(last=False)

    def path_for(self, key: str) -> Path:
        """Where the entry for ``key`` lives."""
        return self.directory / key[:2] / f"{key}.json"

    def get(self, request: ChatRequest) -> ChatResponse | None:
        """The stored response for ``request``, or None on a miss (a corrupt entry is a miss)."""
        key = request.cache_key()
        if (hit := self._memory.get(key)) is not None:
            return hit
        try:
            data = json.loads(self.path_for(key).read_text(encoding="utf-8"))
            response = ChatResponse(**data["response"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        self._remember(key, response)
        return response

    def put(self, request: ChatRequest, response: ChatResponse) -> None:
        """Store ``response`` under ``request``'s key, alongside the request itself for inspection."""
        entry = {"request": json.loads(request.canonical_json()), "response": asdict(response)}
        atomic_write_text(self.path_for(request.cache_key()), json.dumps(entry, ensure_ascii=False))
        self._remember(request.cache_key(), response)
