"""Unified diffs of two texts, in-process, in the format GNU `diff -u` writes.

Lines are split on "\\n" only and keep their terminator, so a last line without a newline differs
from the same line with one, and is followed by the `\\ No newline at end of file` marker.
"""

from __future__ import annotations

from difflib import SequenceMatcher

NO_NEWLINE_MARKER = "\\ No newline at end of file\n"


def split_lines(text: str) -> list[str]:
    """Split on "\\n" keeping terminators; the last line may lack one ("" -> [])."""
    lines = text.split("\n")
    result = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        result.append(lines[-1])
    return result


def _range(start: int, count: int) -> str:
    """GNU's hunk range: `start,count`, `start` when count is 1, `start-1,0` when empty."""
    if count == 1:
        return str(start + 1)
    if count == 0:
        return f"{start},0"
    return f"{start + 1},{count}"


def _emit(out: list[str], tag: str, line: str) -> None:
    out.append(tag + line)
    if not line.endswith("\n"):
        out.append("\n" + NO_NEWLINE_MARKER)


def unified_diff(a: str, b: str, *, context: int = 3, a_name: str = "a", b_name: str = "b") -> str:
    """Unified diff turning text `a` into text `b` ("" when they are equal).

    `patch` (GNU, or `apply_patch`) applied to `a` with this diff gives back exactly `b`,
    including a missing trailing newline on either side.
    """
    if a == b:
        return ""
    a_lines, b_lines = split_lines(a), split_lines(b)
    matcher = SequenceMatcher(None, a_lines, b_lines, autojunk=False)
    out = [f"--- {a_name}\n", f"+++ {b_name}\n"]
    for group in matcher.get_grouped_opcodes(context):
        first, last = group[0], group[-1]
        old_range = _range(first[1], last[2] - first[1])
        new_range = _range(first[3], last[4] - first[3])
        out.append(f"@@ -{old_range} +{new_range} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for line in a_lines[i1:i2]:
                    _emit(out, " ", line)
                continue
            for line in a_lines[i1:i2]:
                _emit(out, "-", line)
            for line in b_lines[j1:j2]:
                _emit(out, "+", line)
    return "".join(out)
