"""Structured log of every backend call: one JSON object a line."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any


class CallLog:
    """Appends one JSON line per call to ``path`` (created with its parents on first write)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def record(self, **fields: Any) -> None:
        """Append ``fields`` plus a ``ts`` unix timestamp as one JSON line."""
        line = json.dumps({"ts": round(time.time(), 6), **fields}, ensure_ascii=False, default=str)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
