"""Unified diffs of two texts, in-process, in the format GNU `diff -u` writes.

Lines are split on "\\n" only and keep their terminator, so a last line without a newline differs
from the same line with one, and is followed by the `\\ No newline at end of file` marker.
"""

from __future__ import annotations

from symtensor_store.line_diff import diff_opcodes, group_opcodes

NO_NEWLINE_MARKER = "\\ No newline at end of file\n"


def split_lines(text: str) -> list[str]:
    """Split on "\\n" keeping terminators; the last line may lack one ("" -> [])."""
    lines = text.splitlines(keepends=True)  # fast, but also splits on \\r, \\x0b, \\u2028...
    if len(lines) == text.count("\n") + (not text.endswith("\n") and bool(text)):
        return lines  # every break was a newline (or the only other one ends the text)
    pieces = text.split("\n")
    result = [piece + "\n" for piece in pieces[:-1]]
    if pieces[-1]:
        result.append(pieces[-1])
    return result


def _range(start: int, count: int) -> str:
    """GNU's hunk range: `start,count`, `start` when count is 1, `start-1,0` when empty."""
    if count == 1:
        return str(start + 1)
    if count == 0:
        return f"{start},0"
    return f"{start + 1},{count}"


def _prefixed(tag: str, lines: list[str]) -> str:
    """`lines` joined, each prefixed by `tag`. Every line but a text's last ends in a newline,
    so joining on `tag` puts it right after each newline: one C-level join instead of a loop."""
    return tag + tag.join(lines) if lines else ""


def unified_diff(a: str, b: str, *, context: int = 3, a_name: str = "a", b_name: str = "b") -> str:
    """Unified diff turning text `a` into text `b` ("" when they are equal).

    `patch` (GNU, or `apply_patch`) applied to `a` with this diff gives back exactly `b`,
    including a missing trailing newline on either side.
    """
    if a == b:
        return ""
    a_lines, b_lines = split_lines(a), split_lines(b)
    # only a text's last line can lack its newline; emitting it must add the marker after it
    a_open = len(a_lines) if a and not a.endswith("\n") else -1
    b_open = len(b_lines) if b and not b.endswith("\n") else -1
    marker = "\n" + NO_NEWLINE_MARKER
    out = [f"--- {a_name}\n", f"+++ {b_name}\n"]
    for group in group_opcodes(diff_opcodes(a_lines, b_lines), context):
        first, last = group[0], group[-1]
        old_range = _range(first[1], last[2] - first[1])
        new_range = _range(first[3], last[4] - first[3])
        out.append(f"@@ -{old_range} +{new_range} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.append(_prefixed(" ", a_lines[i1:i2]))
                if i2 == a_open and i2 > i1:
                    out.append(marker)
                continue
            out.append(_prefixed("-", a_lines[i1:i2]))
            if i2 == a_open and i2 > i1:
                out.append(marker)
            out.append(_prefixed("+", b_lines[j1:j2]))
            if j2 == b_open and j2 > j1:
                out.append(marker)
    return "".join(out)
