"""Content-addressed on-disk response cache: one JSON file per sha256 of the canonical request."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

from .chat import ChatRequest, ChatResponse
from .workspace import atomic_write_text


def default_cache_dir() -> Path:
    """``$LLM_CACHE_DIR``, else ``$XDG_CACHE_HOME/llm-backends``, else ``~/.cache/llm-backends``."""
    if env := os.environ.get("LLM_CACHE_DIR"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "llm-backends"


class ResponseCache:
    """Maps a request's cache key to the response once received.

    Entries live at ``<directory>/<key[:2]>/<key>.json`` and are written atomically, so concurrent
    writers of the same key are harmless (same request, same content).
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def path_for(self, key: str) -> Path:
        """Where the entry for ``key`` lives."""
        return self.directory / key[:2] / f"{key}.json"

    def get(self, request: ChatRequest) -> ChatResponse | None:
        """The stored response for ``request``, or None on a miss (a corrupt entry is a miss)."""
        try:
            data = json.loads(self.path_for(request.cache_key()).read_text(encoding="utf-8"))
            return ChatResponse(**data["response"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, request: ChatRequest, response: ChatResponse) -> None:
        """Store ``response`` under ``request``'s key, alongside the request itself for inspection."""
        entry = {"request": json.loads(request.canonical_json()), "response": asdict(response)}
        atomic_write_text(self.path_for(request.cache_key()), json.dumps(entry, ensure_ascii=False))
