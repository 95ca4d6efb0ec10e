"""Joining several texts into one, with a marker line before each part, and splitting it back.

``merge`` (attention) joins the texts along an axis this way, and two text gradients that
conflict on one element are combined this way too: both versions are kept, each under its marker.
"""

from __future__ import annotations

import re
from collections.abc import Sequence


class TextMerger:
    """Joins parts into one text with a marker line before each, and splits it back.

    ``<<<part 2>>>`` starts part 2; every part ends with a newline inside the merged text (one
    is added when missing and removed again by :meth:`split`).
    """

    marker = "<<<part {}>>>\n"
    _pattern = re.compile(r"^<<<part (\d+)>>>\n", re.MULTILINE)

    def join(self, parts: Sequence[str | None]) -> str:
        """The merged text of the non-none parts (their positions kept in the markers)."""
        chunks = []
        for position, part in enumerate(parts):
            if part is None:
                continue
            chunks.append(
                self.marker.format(position) + (part if part.endswith("\n") else part + "\n")
            )
        return "".join(chunks)

    def split(self, merged: str, originals: Sequence[str | None]) -> list[str | None] | None:
        """Parts of ``merged`` by position (None where absent); None if the markers do not match
        the non-none ``originals`` (the text was edited across a boundary)."""
        found = list(self._pattern.finditer(merged))
        present = [p for p, part in enumerate(originals) if part is not None]
        if [int(m.group(1)) for m in found] != present or (found and found[0].start() != 0):
            return None
        parts: list[str | None] = [None] * len(originals)
        for m, following in zip(found, [*found[1:], None], strict=True):
            position = int(m.group(1))
            text = merged[m.end() : following.start() if following else len(merged)]
            if not originals[position].endswith("\n"):
                text = text.removesuffix("\n")
            parts[position] = text
        return parts
