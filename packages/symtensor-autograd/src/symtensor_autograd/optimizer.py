"""StSGD: the dual-channel optimizer.

For each parameter with a gradient:

* plain parameters, numeric channel: ``p = (1 - lr) * p + lr * g``
* symbolic parameters, text channel: the text gradient waiting on the parameter's
  GradientChannel is patched into its text (in-process patch, fuzz 3, cold start for empty
  elements) only where the numeric gradient is nonzero (the gradient says *where*, the diff
  *what*); in append-only mode also only where the row (or, for a non-experience tensor, the
  element) holds no text yet. Experience rows (tensors marked by ``mark_experience``) are
  patched all-or-nothing: if the key or the value of a row is rejected, the row stays as it was.
  Then every patched experience row gets its query regenerated: the keywords of its key and
  value, sorted and deduplicated.

**Coefficient rule.** A symbolic parameter's coefficients follow the store's rule before and
after every step: 1 where the element holds text, 0 where it is empty or none. The step writes
them from the patched texts rather than mixing in the gradient, which for text only marks the
elements to patch.

Nothing is skipped silently: ``last_report`` counts applied / fuzzed / rejected / skipped
elements, rows updated and rolled back, LLM calls spent regenerating queries, and the gradient
channel's events since the last step (conflicting diffs merged side by side, diffs dropped with
the reason). A step refuses to run while text gradients wait on intermediate values that no
backward received (``GradientChannel.undelivered``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from symtensor_store import PatchStatus, is_symbolic, mark_patched, patch_tensor, slice_tensor

from symtensor_autograd.errors import CheckpointError, GradientChannelError
from symtensor_autograd.experience import KEY, QUERY, VALUE, is_experience
from symtensor_autograd.gradient_channel import GradientChannel
from symtensor_autograd.keywords import KeywordExtractor, LexicalKeywords, format_keywords
from symtensor_autograd.texts import read_texts, write_texts


@dataclass
class StepReport:
    """What one ``StSGD.step`` did to the symbolic parameters."""

    applied: int = 0
    fuzzed: int = 0
    rejected: int = 0
    skipped: int = 0
    rows_updated: int = 0
    rows_rolled_back: int = 0
    llm_calls: int = 0
    conflicts: int = 0
    dropped: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"applied={self.applied} fuzzed={self.fuzzed} rejected={self.rejected} "
            f"skipped={self.skipped} rows_updated={self.rows_updated} "
            f"rows_rolled_back={self.rows_rolled_back} llm_calls={self.llm_calls} "
            f"conflicts={self.conflicts} dropped={len(self.dropped)}"
        )


class StSGD(torch.optim.Optimizer):
    """SGD over numeric coefficients and unified-diff text gradients (see the module docstring).

    Args:
        params: parameters (symbolic or plain) or param groups.
        lr: the step size of the numeric channel.
        append_only: never patch rows (elements) that already hold text.
        fuzz: GNU patch fuzz factor.
        channel: where to find text gradients of parameters that carry no ``st_channel`` stamp.
        keywords: query keyword extractor for parameters without an ``st_keywords`` stamp
            (default: LexicalKeywords).
        query_fields: the columns ("key", "value") a regenerated query is made from.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        *,
        append_only: bool = False,
        fuzz: int = 3,
        channel: GradientChannel | None = None,
        keywords: KeywordExtractor | None = None,
        query_fields: tuple[str, ...] = ("key", "value"),
    ) -> None:
        if not 0.0 <= lr <= 1.0:
            raise ValueError(f"StSGD lr must be in [0, 1] (p = (1 - lr) * p + lr * g), got {lr}")
        unknown = set(query_fields) - {"key", "value"}
        if unknown or not query_fields:
            raise ValueError(
                f"query_fields must be a non-empty subset of ('key', 'value'), got {query_fields}"
            )
        super().__init__(params, {"lr": lr, "append_only": append_only, "fuzz": fuzz})
        self.channel = channel
        self.keywords = keywords
        self.query_columns = tuple(KEY if name == "key" else VALUE for name in query_fields)
        self.last_report = StepReport()

    def _channel_of(self, p: torch.Tensor) -> GradientChannel | None:
        stamped = getattr(p, "st_channel", None)
        return stamped if stamped is not None else self.channel

    def _keywords_of(self, p: torch.Tensor) -> KeywordExtractor:
        return getattr(p, "st_keywords", None) or self.keywords or LexicalKeywords()

    @torch.no_grad()
    def step(self, closure=None):  # noqa: D102
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        report = StepReport()
        channels = self._channels()
        for channel in channels:
            _refuse_undelivered(channel)
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if is_symbolic(p):
                    self._symbolic_step(p, group, report)
                    p.copy_(_text_mask(p))
                else:
                    p.mul_(1 - group["lr"]).add_(p.grad.to(p.dtype), alpha=group["lr"])
        for channel in channels:
            conflicts, dropped = channel.take_events()
            report.conflicts += conflicts
            report.dropped.extend(dropped)
        self.last_report = report
        return loss

    def _channels(self) -> list[GradientChannel]:
        """The channels the symbolic parameters' text gradients wait on (each once)."""
        found: dict[int, GradientChannel] = {}
        for p in self._all_params():
            channel = self._channel_of(p) if is_symbolic(p) else None
            if channel is not None:
                found.setdefault(id(channel), channel)
        return list(found.values())

    def _symbolic_step(self, p: torch.Tensor, group: dict[str, Any], report: StepReport) -> None:
        channel = self._channel_of(p)
        diffs = None if channel is None else channel.text_grad(p)
        if diffs is None:
            return
        experience = is_experience(p)
        mask = p.grad != 0
        if group["append_only"]:
            mask &= ~_holds_text(read_texts(p), p.shape, experience)
        diff_texts = read_texts(diffs)
        report.skipped += sum(
            bool(d and d.strip()) and not m
            for d, m in zip(diff_texts, mask.reshape(-1).tolist(), strict=True)
        )
        work = slice_tensor(p, Ellipsis)  # patch a copy, commit what may be committed
        try:
            self._patch_and_commit(p, work, diffs, mask, group, report, experience)
        finally:
            shutil.rmtree(Path(work.st_root) / work.st_uid, ignore_errors=True)

    def _patch_and_commit(self, p, work, diffs, mask, group, report, is_experience) -> None:
        """Patch ``work`` (a copy of ``p``), then write into ``p`` what may be committed."""
        outcome = patch_tensor(work, diffs, fuzz=group["fuzz"], mask=mask)
        report.applied += outcome.applied
        report.fuzzed += outcome.fuzzed
        report.rejected += outcome.rejected
        patched = [s in (PatchStatus.APPLIED, PatchStatus.FUZZED) for s in outcome.statuses]
        rejected = [s is PatchStatus.REJECTED for s in outcome.statuses]
        if is_experience:
            rows = self._commit_rows(p, work, patched, rejected, report)
            if rows:
                self._regenerate_queries(p, rows, report)
            mark_patched(p, [k for row in rows for k in range(3 * row, 3 * row + 3) if patched[k]])
        else:
            new = read_texts(work)
            write_texts(p, {k: new[k] for k, ok in enumerate(patched) if ok})
            mark_patched(p, [k for k, ok in enumerate(patched) if ok])

    def _commit_rows(self, p, work, patched, rejected, report: StepReport) -> list[int]:
        """Write the patched rows of ``work`` into ``p`` (rows with a rejection stay unchanged)."""
        new = read_texts(work)
        committed = []
        for row in range(p.shape[0]):
            cells = range(3 * row, 3 * row + 3)
            if any(rejected[k] for k in cells):
                report.rows_rolled_back += 1
                continue
            if not any(patched[k] for k in cells):
                continue
            write_texts(p, {k: new[k] for k in cells if patched[k]})
            committed.append(row)
        report.rows_updated += len(committed)
        return committed

    def _regenerate_queries(self, p: torch.Tensor, rows: list[int], report: StepReport) -> None:
        texts = read_texts(p)
        sources = [
            "\n".join(texts[3 * row + column] or "" for column in self.query_columns)
            for row in rows
        ]
        extractor = self._keywords_of(p)
        runner = getattr(extractor, "runner", None)
        calls_before = runner.usage.calls + runner.usage.cache_hits if runner is not None else 0
        keyword_lists = extractor(sources)
        if runner is not None:
            report.llm_calls += runner.usage.calls + runner.usage.cache_hits - calls_before
        write_texts(
            p,
            {
                3 * row + QUERY: format_keywords(words)
                for row, words in zip(rows, keyword_lists, strict=True)
            },
        )

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Zero the numeric gradients; forget the text gradients of these parameters and any
        left stranded on intermediate values of their channels."""
        super().zero_grad(set_to_none=set_to_none)
        for channel in self._channels():
            stranded = [entry.value for entry in channel.undelivered()]
            channel.clear(stranded + [p for p in self._all_params() if is_symbolic(p)])

    def state_dict(self) -> dict[str, Any]:
        """The usual optimizer state plus the text of every symbolic parameter (by position)."""
        state = super().state_dict()
        state["symbolic_text"] = {
            position: {"shape": list(p.shape), "texts": read_texts(p)}
            for position, p in enumerate(self._all_params())
            if is_symbolic(p)
        }
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the optimizer state and write the saved texts back into the parameters."""
        state_dict = dict(state_dict)
        saved = state_dict.pop("symbolic_text", {})
        params = self._all_params()
        for position, entry in saved.items():
            position = int(position)
            if position >= len(params) or not is_symbolic(params[position]):
                raise CheckpointError(
                    f"saved text for parameter {position}, which is not a symbolic parameter here"
                )
            p = params[position]
            if list(p.shape) != list(entry["shape"]):
                raise CheckpointError(
                    f"saved text of parameter {position} has shape {entry['shape']}, the parameter is {list(p.shape)}"
                )
        for position, entry in saved.items():
            write_texts(params[int(position)], dict(enumerate(entry["texts"])))
        super().load_state_dict(state_dict)

    def _all_params(self) -> list[torch.Tensor]:
        return [p for group in self.param_groups for p in group["params"]]


def _refuse_undelivered(channel: GradientChannel) -> None:
    """GradientChannelError when text gradients wait on values no backward will receive."""
    stranded = channel.undelivered()
    if stranded:
        uids = ", ".join(entry.value.st_uid for entry in stranded[:3])
        raise GradientChannelError(
            f"{len(stranded)} text gradient(s) on {channel!r} were sent to intermediate values "
            f"that no backward received (tensor {uids}): was a value re-stamped with another "
            "channel, or backward run on part of the graph? zero_grad() discards them"
        )


def _text_mask(p: torch.Tensor) -> torch.Tensor:
    """The store's coefficient rule for ``p``: 1 where an element holds text, 0 elsewhere."""
    return torch.tensor([bool(t) for t in read_texts(p)], dtype=p.dtype).reshape(p.shape)


def _holds_text(texts: list[str | None], shape: torch.Size, is_experience: bool) -> torch.Tensor:
    """True where an element already holds text (for an experience: every cell of a filled row)."""
    filled = torch.tensor([bool(t and t.strip()) for t in texts], dtype=torch.bool).reshape(shape)
    if is_experience:
        return filled[:, KEY:].any(dim=1, keepdim=True).expand(shape)
    return filled
