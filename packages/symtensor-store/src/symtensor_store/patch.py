"""Applying a unified diff to a text in-process, with the semantics of GNU `patch --fuzz=N`.

The algorithm follows GNU patch 2.7 (run with `--force`, so no reversed-patch guessing):

* Hunks are applied in order. Each hunk is first looked for where its header says, shifted by the
  offset the previous hunks were found at; then at offsets +1, -1, +2, -2, ... (nearest first)
  within the lines not yet consumed by earlier hunks.
* If no exact match exists, fuzz 1, 2, ... up to `fuzz` (and at most the hunk's context length)
  ignores that many context lines at both ends of the hunk. A hunk with less leading context than
  trailing context (it sits at the start of the file) must then match at line 1, and one with less
  trailing context (end of file) must match at the last line.
* Context lines are copied from the target, not from the diff, so fuzzed lines keep the target's
  text. A hunk that cannot be located is rejected; the others are still applied.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from symtensor_store.errors import MalformedDiffError
from symtensor_store.unified_diff import split_lines

_HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? ?\+(\d+)(?:,(\d+))? ?@@")


class PatchStatus(enum.Enum):
    """Outcome of patching one text (or one tensor element)."""

    APPLIED = "applied"  # every hunk matched exactly where the diff said
    FUZZED = "fuzzed"  # every hunk applied, some at an offset or with fuzz
    REJECTED = "rejected"  # at least one hunk could not be located
    SKIPPED = "skipped"  # nothing to do: empty diff, zero gradient, or masked out


@dataclass(slots=True)
class Hunk:
    """One `@@ -old_start,old_count +new_start,new_count @@` hunk.

    The old side (context and removed lines) and the new side (context and added lines) are
    kept as parallel tag strings (" -" / " +") and text lists; a text keeps its newline unless
    the diff marked it `\\ No newline at end of file`.
    """

    old_start: int
    old_count: int
    new_start: int
    new_count: int
    old_tags: str
    old_texts: list[str]
    new_tags: str
    new_texts: list[str]
    prefix_context: int  # context lines before the first change
    suffix_context: int  # context lines after the last change

    @property
    def added_lines(self) -> list[str]:
        """Texts of the `+` lines, in order."""
        return [text for tag, text in zip(self.new_tags, self.new_texts, strict=True) if tag == "+"]


@dataclass(frozen=True)
class HunkOutcome:
    """Where (1-based target line) a hunk was applied, with which fuzz and offset; or rejected."""

    applied: bool
    line: int
    fuzz: int
    offset: int


@dataclass(frozen=True)
class PatchResult:
    """Result of `apply_patch`: the new text (rejected hunks left out, as GNU patch writes it),
    the overall status and the outcome of each hunk."""

    text: str
    status: PatchStatus
    hunks: tuple[HunkOutcome, ...] = field(default_factory=tuple)

    @property
    def rejected_hunks(self) -> int:
        """Number of hunks that could not be applied."""
        return sum(not hunk.applied for hunk in self.hunks)


# ---------------------------------------------------------------------------------------------
# parsing


class _HunkReader:
    """Reads the body of one hunk the way GNU patch's `another_hunk` does for unified diffs."""

    def __init__(self, lines: list[str], position: int, header: re.Match[str]) -> None:
        self.lines, self.position = lines, position
        self.old_start = int(header.group(1))
        self.old_count = 1 if header.group(2) is None else int(header.group(2))
        self.new_start = int(header.group(3))
        self.new_count = 1 if header.group(4) is None else int(header.group(4))
        self.header_line = position  # index of the line after the header

    def _malformed(self, why: str) -> MalformedDiffError:
        return MalformedDiffError(
            f"diff line {self.position}: {why} (hunk starting at line {self.header_line})"
        )

    def read(self) -> Hunk:
        """Read exactly old_count old-side and new_count new-side lines (context counts for both)."""
        lines, old_count, new_count = self.lines, self.old_count, self.new_count
        end, position = len(lines), self.position
        old_texts: list[str] = []
        new_texts: list[str] = []
        tags: list[str] = []  # " ", "-" or "+" per body line; each side's tags are derived below
        olds = news = 0  # lines read so far on each side (kept as ints: this loop is hot)
        while olds < old_count or news < new_count:
            if position >= end:
                self.position = position
                raise self._malformed("unexpected end of diff inside a hunk")
            raw = lines[position]
            position += 1
            tag = raw[0]
            text = raw[1:]
            if tag == " " or tag == "-" or tag == "+":
                pass
            elif tag == "=":
                tag = " "
            elif tag == "\t" or tag == "\n":
                tag, text = " ", raw  # GNU: "assume the space got eaten"
            else:
                self.position = position
                raise self._malformed(
                    f"expected a line starting with ' ', '-' or '+', got {raw[:40]!r}"
                )
            new_text = text
            if tag != "+":
                if olds == old_count:
                    self.position = position
                    raise self._malformed("more old lines than the hunk header announces")
                olds += 1
                # a `\ No newline at end of file` marker can only follow a side's last line
                if olds == old_count and position < end and lines[position][0] == "\\":
                    position += 1
                    text = new_text = text[:-1]
                old_texts.append(text)
            if tag != "-":
                if news == new_count:
                    self.position = position
                    raise self._malformed("more new lines than the hunk header announces")
                news += 1
                if news == new_count and position < end and lines[position][0] == "\\":
                    position += 1
                    new_text = new_text[:-1]
                new_texts.append(new_text)
            tags.append(tag)
        self.position = position
        joined = "".join(tags)
        first_change = len(joined) - len(joined.lstrip(" "))
        if first_change == len(joined):
            raise self._malformed("hunk has no '-' or '+' line")
        return Hunk(
            self.old_start,
            old_count,
            self.new_start,
            new_count,
            joined.replace("+", ""),
            old_texts,
            joined.replace("-", ""),
            new_texts,
            first_change,
            len(joined) - len(joined.rstrip(" ")),
        )


def parse_unified_diff(diff: str) -> list[Hunk]:
    """Parse the hunks of a single-file unified diff (header lines before them are skipped)."""
    lines = split_lines(diff)
    hunks: list[Hunk] = []
    position = 0
    while position < len(lines):
        header = _HUNK_HEADER.match(lines[position])
        position += 1
        if header is None:
            continue
        reader = _HunkReader(lines, position, header)
        hunks.append(reader.read())
        position = reader.position
    if not hunks and diff.strip():
        raise MalformedDiffError(f"no '@@ -a,b +c,d @@' hunk found in diff: {diff[:80]!r}")
    return hunks


# ---------------------------------------------------------------------------------------------
# applying


class _Patcher:
    """State of one GNU-style patch run over a target text."""

    def __init__(self, text: str, max_fuzz: int) -> None:
        self.input = split_lines(text)  # input line n is self.input[n - 1]
        self.max_fuzz = max_fuzz
        self.output: list[str] = []
        self.after_newline = True
        self.last_frozen_line = 0  # input lines up to here are already consumed
        self.in_offset = 0  # where the previous hunks were found, relative to their headers

    def _input_line(self, number: int) -> str:
        return self.input[number - 1] if 1 <= number <= len(self.input) else ""

    def _matches(self, hunk: Hunk, base: int, prefix_fuzz: int, suffix_fuzz: int) -> bool:
        """Does the hunk's old side, less the fuzzed context, equal the input from line `base`?"""
        start, stop = prefix_fuzz, len(hunk.old_texts) - suffix_fuzz
        if base + start >= 1 and base + stop - 1 <= len(self.input):  # fully inside the input
            return self.input[base - 1 + start : base - 1 + stop] == list(
                hunk.old_texts[start:stop]
            )
        return all(
            self._input_line(base + pline) == hunk.old_texts[pline] for pline in range(start, stop)
        )

    def _locate(self, hunk: Hunk, first: int, fuzz: int) -> int:
        """1-based input line where the hunk's old side starts, or 0 (GNU `locate_hunk`)."""
        first_guess = first + self.in_offset
        pat_lines = len(hunk.old_texts)
        prefix, suffix = hunk.prefix_context, hunk.suffix_context
        context = max(prefix, suffix)
        prefix_fuzz = fuzz + prefix - context
        suffix_fuzz = fuzz + suffix - context
        max_where = len(self.input) - (pat_lines - suffix_fuzz) + 1
        min_where = self.last_frozen_line + 1
        max_pos_offset = max_where - first_guess
        max_neg_offset = first_guess - min_where
        max_offset = max(max_pos_offset, max_neg_offset)
        if not pat_lines:  # a pure insertion matches anywhere
            return first_guess
        max_neg_offset = min(max_neg_offset, first_guess - 1)  # never try lines <= 0
        if prefix_fuzz < 0 and first <= 1:  # the hunk can only match the start of the file
            offset = 1 - first_guess
            if (
                self.last_frozen_line <= prefix
                and offset <= max_pos_offset
                and self._matches(hunk, first_guess + offset, 0, suffix_fuzz)
            ):
                self.in_offset += offset
                return first_guess + offset
            return 0
        prefix_fuzz = max(prefix_fuzz, 0)
        if suffix_fuzz < 0:  # the hunk can only match the end of the file
            offset = first_guess - (len(self.input) - pat_lines + 1)
            if offset <= max_neg_offset and self._matches(
                hunk, first_guess - offset, prefix_fuzz, 0
            ):
                self.in_offset -= offset
                return first_guess - offset
            return 0
        if max_pos_offset < 0:
            min_offset = first_guess - max_where
        elif max_neg_offset < 0:
            min_offset = first_guess - min_where
        else:
            min_offset = 0
        for offset in range(min_offset, max_offset + 1):
            if offset <= max_pos_offset and self._matches(
                hunk, first_guess + offset, prefix_fuzz, suffix_fuzz
            ):
                self.in_offset += offset
                return first_guess + offset
            if offset <= max_neg_offset and self._matches(
                hunk, first_guess - offset, prefix_fuzz, suffix_fuzz
            ):
                self.in_offset -= offset
                return first_guess - offset
        return 0

    def _copy_till(self, last_line: int) -> bool:
        """Copy input lines up to `last_line` to the output; False if they were already passed."""
        if self.last_frozen_line > last_line:
            return False  # GNU: "misordered hunks! output would be garbled"
        lines = self.input[self.last_frozen_line : max(last_line, 0)]
        if lines:
            if not self.after_newline:
                self.output.append("\n")
            self.output.extend(lines)
            self.after_newline = lines[-1].endswith("\n")
        self.last_frozen_line = last_line
        return True

    def _write(self, line: str, *, fix_newline: bool) -> None:
        if fix_newline and not self.after_newline:
            self.output.append("\n")
        self.output.append(line)
        self.after_newline = line.endswith("\n")

    def _apply(self, hunk: Hunk, where: int) -> bool:
        """Write the hunk at input line `where` (GNU `apply_hunk`); False if it cannot go there."""
        old, new = 0, 0
        old_tags, new_tags, new_texts = hunk.old_tags, hunk.new_tags, hunk.new_texts
        old_end, new_end = len(old_tags), len(new_tags)
        # Whole runs of equal tags at a time: old_tags holds only " -" and new_tags only " +",
        # so a run ends at the next other tag (str.find, not a Python loop per line).
        while old < old_end:
            if old_tags[old] == "-":
                if not self._copy_till(where + old - 1):
                    return False
                run_end = old_tags.find(" ", old)
                run_end = old_end if run_end < 0 else run_end
                self.last_frozen_line += run_end - old  # drop the deleted input lines
                old = run_end
            elif new >= new_end:
                break
            elif new_tags[new] == "+":
                if not self._copy_till(where + old - 1):
                    return False
                run_end = new_tags.find(" ", new)
                run_end = new_end if run_end < 0 else run_end
                self.output.extend(new_texts[new:run_end])  # as _write(fix_newline=False) each
                self.after_newline = new_texts[run_end - 1].endswith("\n")
                new = run_end
            else:  # context: copied later from the input, which may differ under fuzz
                old_run = old_tags.find("-", old)
                new_run = new_tags.find("+", new)
                step = min(
                    (old_end if old_run < 0 else old_run) - old,
                    (new_end if new_run < 0 else new_run) - new,
                )
                old += step
                new += step
        if new < len(new_tags) and new_tags[new] == "+":
            if not self._copy_till(where + old - 1):
                return False
            while new < len(new_tags) and new_tags[new] == "+":
                self._write(new_texts[new], fix_newline=True)
                new += 1
        return True

    def apply_hunk(self, hunk: Hunk) -> HunkOutcome:
        """Locate (with increasing fuzz) and apply one hunk."""
        first = hunk.old_start + (0 if hunk.old_count else 1)  # "do append rather than insert"
        max_fuzz = min(self.max_fuzz, max(hunk.prefix_context, hunk.suffix_context))
        fuzz, where = 0, 0
        while True:
            where = self._locate(hunk, first, fuzz)
            if where or fuzz >= max_fuzz:
                break
            fuzz += 1
        if where and self._apply(hunk, where):
            return HunkOutcome(True, where, fuzz, self.in_offset)
        return HunkOutcome(False, where or first + self.in_offset, fuzz, self.in_offset)

    def finish(self) -> str:
        self._copy_till(len(self.input))
        return "".join(self.output)


def apply_patch(text: str, diff: str, *, fuzz: int = 3) -> PatchResult:
    """Apply unified `diff` to `text` like `patch --force --fuzz=<fuzz>` and return the result.

    An empty diff returns the text unchanged with status SKIPPED. A hunk that cannot be placed
    makes the status REJECTED; the returned text then holds the hunks that did apply, exactly
    as GNU patch writes its output file. Raises MalformedDiffError for an unparseable diff.
    """
    if fuzz < 0:
        raise ValueError(f"fuzz must be >= 0, got {fuzz}")
    hunks = parse_unified_diff(diff)
    if not hunks:
        return PatchResult(text, PatchStatus.SKIPPED, ())
    patcher = _Patcher(text, fuzz)
    outcomes = tuple(patcher.apply_hunk(hunk) for hunk in hunks)
    result = patcher.finish()
    if not all(outcome.applied for outcome in outcomes):
        status = PatchStatus.REJECTED
    elif any(outcome.fuzz or outcome.offset for outcome in outcomes):
        status = PatchStatus.FUZZED
    else:
        status = PatchStatus.APPLIED
    return PatchResult(result, status, outcomes)
