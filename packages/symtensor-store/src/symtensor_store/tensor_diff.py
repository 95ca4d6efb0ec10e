"""Element-wise diff and patch of symbolic tensors (the text channel of a gradient)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch

from symtensor_store import layout
from symtensor_store.elements import make_none_tensor, require_symbolic
from symtensor_store.errors import MalformedDiffError, ShapeMismatchError
from symtensor_store.patch import PatchStatus, apply_patch, parse_unified_diff
from symtensor_store.unified_diff import unified_diff


@dataclass
class PatchReport:
    """Counts of per-element patch outcomes, plus each element's status in flat order.

    `messages` maps a flat index to why that element was rejected (malformed diff, hunk failed).
    """

    applied: int = 0
    fuzzed: int = 0
    rejected: int = 0
    skipped: int = 0
    statuses: list[PatchStatus] = field(default_factory=list)
    messages: dict[int, str] = field(default_factory=dict)

    def record(self, status: PatchStatus, message: str | None = None) -> None:
        """Count one element's outcome."""
        self.statuses.append(status)
        setattr(self, status.value, getattr(self, status.value) + 1)
        if message is not None:
            self.messages[len(self.statuses) - 1] = message

    def __str__(self) -> str:
        return (
            f"applied={self.applied} fuzzed={self.fuzzed} "
            f"rejected={self.rejected} skipped={self.skipped}"
        )


def diff_tensor(actual: torch.Tensor, expected: torch.Tensor) -> torch.Tensor:
    """Element-wise unified diff turning `actual` into `expected` (none counts as "").

    Returns a new tensor under `actual.st_root` holding the diff text of each element (""
    where they agree); coefficient 1 where the diff is non-empty, 0 elsewhere.
    """
    require_symbolic(actual, "actual")
    require_symbolic(expected, "expected")
    if actual.shape != expected.shape:
        raise ShapeMismatchError(
            f"cannot diff shape {list(actual.shape)} against shape {list(expected.shape)}"
        )
    result = make_none_tensor(actual.shape, actual.st_root, dtype=actual.dtype)
    flat = result.data.view(-1)
    for i in range(actual.numel()):
        a = layout.read_text(layout.element_file(actual.st_root, actual.st_uid, i)) or ""
        b = layout.read_text(layout.element_file(expected.st_root, expected.st_uid, i)) or ""
        text = unified_diff(a, b)
        layout.atomic_write_text(layout.element_file(result.st_root, result.st_uid, i), text)
        flat[i] = 1.0 if text else 0.0
    return result


def cold_start_text(diff: str) -> str:
    """The text an empty target takes from a diff: its `+` lines, in order."""
    lines = []
    for hunk in parse_unified_diff(diff):
        lines.extend(hunk.added_lines)
    return "".join(lines)


def _patch_one(
    text: str | None, diff: str, fuzz: int
) -> tuple[PatchStatus, str | None, str | None]:
    """Return (status, new text or None to keep, rejection message)."""
    try:
        if not text:
            return PatchStatus.APPLIED, cold_start_text(diff), None
        result = apply_patch(text, diff, fuzz=fuzz)
    except MalformedDiffError as error:
        return PatchStatus.REJECTED, None, str(error)
    if result.status is PatchStatus.REJECTED:
        return result.status, None, f"{result.rejected_hunks} of {len(result.hunks)} hunks failed"
    return result.status, result.text, None


def patch_tensor(
    target: torch.Tensor,
    diffs: torch.Tensor,
    *,
    fuzz: int = 3,
    mask: torch.Tensor | None = None,
) -> PatchReport:
    """Apply each element's unified diff from `diffs` to `target`, in place.

    Per element: skipped where `mask` is False, the diff's coefficient is 0, or the diff text is
    empty; cold start where the target is none or "" (it takes the diff's `+` lines); otherwise
    GNU `patch --fuzz=<fuzz>` semantics. A rejected element is left unchanged (all hunks or
    nothing). Coefficients of `target` are not touched (that is the optimizer's numeric channel).
    """
    require_symbolic(target, "target")
    require_symbolic(diffs, "diffs")
    if target.shape != diffs.shape:
        raise ShapeMismatchError(
            f"diffs of shape {list(diffs.shape)} do not fit a target of shape {list(target.shape)}"
        )
    if mask is not None and tuple(mask.shape) != tuple(target.shape):
        raise ShapeMismatchError(
            f"mask of shape {list(mask.shape)} does not fit a target of shape {list(target.shape)}"
        )
    selected = [True] * target.numel() if mask is None else mask.reshape(-1).bool().tolist()
    gradient = diffs.detach().reshape(-1).tolist()
    report, changed = PatchReport(), []
    for i in range(target.numel()):
        if not selected[i] or gradient[i] == 0:  # skipped without reading its diff
            report.record(PatchStatus.SKIPPED)
            continue
        diff = layout.read_text(layout.element_file(diffs.st_root, diffs.st_uid, i)) or ""
        if not diff.strip():
            report.record(PatchStatus.SKIPPED)
            continue
        path = layout.element_file(target.st_root, target.st_uid, i)
        status, new_text, message = _patch_one(layout.read_text(path), diff, fuzz)
        if new_text is not None:
            layout.atomic_write_text(path, new_text)
            changed.append(i)
        report.record(status, message)
    mark_patched(target, changed)
    return report


def mark_patched(t: torch.Tensor, flat_indices: Sequence[int]) -> None:
    """Record that the elements `flat_indices` of `t` were patched (see :func:`st_patched`)."""
    require_symbolic(t)
    layout.add_patched(Path(t.st_root), t.st_uid, [int(i) for i in flat_indices])


def patched_elements(t: torch.Tensor) -> list[int]:
    """Sorted flat indices of the elements of `t` that a patch has changed so far."""
    require_symbolic(t)
    return sorted(layout.read_patched(Path(t.st_root), t.st_uid))


def st_patched(t: torch.Tensor) -> bool:
    """True once a patch (``patch_tensor``, or an optimizer step) has changed an element of `t`."""
    return bool(patched_elements(t))
