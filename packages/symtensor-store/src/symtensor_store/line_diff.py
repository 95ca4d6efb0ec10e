"""Which lines two texts share: Myers' O((N+M)·D) shortest edit script over lines.

`diff_opcodes` returns difflib-style opcodes (`equal`/`replace`/`delete`/`insert`, half-open
ranges). Common prefix and suffix are trimmed first; when the texts differ in more than
`MAX_EDIT_DISTANCE` lines, difflib's SequenceMatcher takes over to bound time and memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from difflib import SequenceMatcher

Opcode = tuple[str, int, int, int, int]
MAX_EDIT_DISTANCE = 2000


def _myers_runs(
    a: Sequence[str], b: Sequence[str], limit: int
) -> list[tuple[int, int, int]] | None:
    """(i, j, size) runs of matched lines in a shortest edit script, ascending; None past `limit`
    edits."""
    n, m = len(a), len(b)
    offset = n + m + 1
    v = [0] * (2 * offset + 1)  # v[offset + k]: furthest x on diagonal k
    trace: list[list[int]] = []  # trace[d]: v[k] for k in [-d-1, d+1] before round d
    for d in range(min(n + m, limit) + 1):
        trace.append(v[offset - d - 1 : offset + d + 2])
        lowest, highest = offset - d, offset + d
        for index in range(lowest, highest + 1, 2):  # index = offset + k: saves an add per use
            if index == lowest or (index != highest and v[index - 1] < v[index + 1]):
                x = v[index + 1]  # step down: insertion from b
            else:
                x = v[index - 1] + 1  # step right: deletion from a
            y = x - index + offset
            while x < n and y < m and a[x] == b[y]:
                x, y = x + 1, y + 1
            v[index] = x
            if x >= n and y >= m:
                return _backtrack(trace, n, m)
    return None


def _backtrack(trace: list[list[int]], x: int, y: int) -> list[tuple[int, int, int]]:
    """Walk the trace back from (x, y); each round's diagonal snake is one run. Runs of different
    rounds are separated by an edit, so they never need merging."""
    runs: list[tuple[int, int, int]] = []
    for d in range(len(trace) - 1, -1, -1):
        v = trace[d]  # v[k + d + 1] is diagonal k
        k = x - y
        came_down = k == -d or (k != d and v[k + d] < v[k + d + 2])
        previous_k = k + 1 if came_down else k - 1
        previous_x = v[previous_k + d + 1]
        previous_y = previous_x - previous_k
        size = min(x - previous_x, y - previous_y)  # the snake ends at (x, y)
        if size > 0:
            runs.append((x - size, y - size, size))
        x, y = previous_x, previous_y
    runs.reverse()
    return runs


def _opcodes_from_runs(runs: list[tuple[int, int, int]], n: int, m: int) -> list[Opcode]:
    opcodes: list[Opcode] = []
    i = j = 0
    for run_i, run_j, size in [*runs, (n, m, 0)]:
        if run_i > i and run_j > j:
            opcodes.append(("replace", i, run_i, j, run_j))
        elif run_i > i:
            opcodes.append(("delete", i, run_i, j, j))
        elif run_j > j:
            opcodes.append(("insert", i, i, j, run_j))
        if size:
            opcodes.append(("equal", run_i, run_i + size, run_j, run_j + size))
        i, j = run_i + size, run_j + size
    return opcodes


def diff_opcodes(a: Sequence[str], b: Sequence[str]) -> list[Opcode]:
    """Opcodes turning line list `a` into `b` (a minimal edit script when it is small)."""
    n, m = len(a), len(b)
    prefix = 0
    # zip rather than indexing: no index arithmetic or bounds checks per line
    for line_a, line_b in zip(a, b, strict=False):
        if line_a != line_b:
            break
        prefix += 1
    suffix, most = 0, min(n, m) - prefix  # the suffix must not overlap the prefix
    for line_a, line_b in zip(reversed(a), reversed(b), strict=False):
        if suffix == most or line_a != line_b:
            break
        suffix += 1
    middle_a, middle_b = a[prefix : n - suffix], b[prefix : m - suffix]
    middle_runs = _myers_runs(middle_a, middle_b, MAX_EDIT_DISTANCE)
    if middle_runs is None:
        matcher = SequenceMatcher(None, middle_a, middle_b, autojunk=False)
        middle_runs = [run for run in matcher.get_matching_blocks() if run[2]]
    runs = [(0, 0, prefix)] if prefix else []
    runs += [(i + prefix, j + prefix, size) for i, j, size in middle_runs]
    if suffix:
        runs.append((n - suffix, m - suffix, suffix))
    return _opcodes_from_runs(runs, n, m)


def group_opcodes(opcodes: list[Opcode], context: int) -> Iterator[list[Opcode]]:
    """Split opcodes into hunks with at most `context` equal lines around each change; changes
    separated by at most 2 * context equal lines share a hunk (as in GNU diff)."""
    codes = list(opcodes)
    if all(code[0] == "equal" for code in codes):
        return
    if codes[0][0] == "equal":
        tag, i1, i2, j1, j2 = codes[0]
        codes[0] = (tag, max(i1, i2 - context), i2, max(j1, j2 - context), j2)
    if codes[-1][0] == "equal":
        tag, i1, i2, j1, j2 = codes[-1]
        codes[-1] = (tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context))
    group: list[Opcode] = []
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal" and i2 - i1 > 2 * context:
            group.append((tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context)))
            yield group
            group = []
            i1, j1 = max(i1, i2 - context), max(j1, j2 - context)
        group.append((tag, i1, i2, j1, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        yield group
