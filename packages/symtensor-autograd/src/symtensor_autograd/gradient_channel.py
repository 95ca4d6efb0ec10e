"""The text channel of the dual gradient: how a unified diff travels from the loss to the experience.

A gradient here has two channels. The numeric one (the coefficients) flows through autograd like
any gradient. The text one (a symbolic tensor of unified diffs, one per element: "this is how the
element's text should change") cannot ride on the gradient tensors, because autograd builds new
tensors and drops their attributes. So it travels on a :class:`GradientChannel`, an ordinary object
owned by one model, that every Function of this package is handed explicitly:

1. **Forward.** A Function gets a ``channel`` argument and stamps it on the symbolic tensors it
   returns (``out.st_channel``), so the Functions that consume ``out`` know where its text
   gradient belongs. A module stamps its own parameters the same way (``StMoeModule`` does this
   for its experience).
2. **Backward, sending.** When a Function's backward has the text gradient of one of its symbolic
   inputs ``x`` (one diff per element of ``x``), it calls ``send_diffs(x, diffs, ctx.channel)``,
   which sends them on ``x``'s own channel (``channel_of``). The loss starts this:
   ``edit_distance_ratio`` sends ``diff(actual, expected)``.
3. **Backward, receiving.** The Function that produced ``y`` calls ``channel.receive(y)`` at the
   top of its backward. Autograd runs backward in reverse topological order, so every consumer
   of ``y`` has sent by then. Two consumers' diffs for one value are combined (the value's text
   patched with the first, then the second, and diffed again), as autograd sums numeric grads.
   Diffs that conflict are kept side by side (:class:`~symtensor_autograd.texts.CombinedDiff`)
   and counted in ``conflicts``.
4. **Leaves.** Nothing receives a leaf's text gradient during backward: it waits in the channel
   until the optimizer reads it (``channel.text_grad(param)``) and ``zero_grad`` clears it.

Nothing is lost silently. A diff that cannot be routed (e.g. it rewrites the markers ``merge``
put between parts) is recorded in ``dropped`` with the reason; ``StSGD`` reports conflicts and
drops in its ``StepReport`` and refuses to step while a text gradient waits on an intermediate
value that no backward received (``undelivered``: e.g. a value re-stamped with another channel).

Entries are keyed by the value's storage identity ``(resolved st_root, st_uid)``. A channel is
guarded by a lock and holds no process-wide state, so two models, each with its own channel,
train side by side in one process or in two threads without seeing each other's gradients.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from symtensor_autograd.errors import GradientChannelError
from symtensor_autograd.texts import combine_diffs, read_texts, text_tensor

__all__ = ["GradientChannel", "TextGradient", "channel_of", "resolve_channel", "stamp"]

_Key = tuple[str, str]


@dataclass(frozen=True)
class TextGradient:
    """The text gradient of one value: ``diffs`` has the value's shape, one unified diff each,
    computed against ``base`` (the value's texts as forward saw them)."""

    value: torch.Tensor
    diffs: torch.Tensor
    base: tuple[str | None, ...]


def _key(value: torch.Tensor) -> _Key:
    return (str(Path(value.st_root).resolve()), value.st_uid)


class GradientChannel:
    """Carries text gradients (diff tensors) between the backward calls of one model's Functions.

    ``conflicts`` counts elements where a diff could not be applied on top of the others sent
    for the same element (both versions are then kept, see ``CombinedDiff``); ``dropped`` lists,
    with the reason, the text gradients that could not be routed to an input.
    :meth:`take_events` reads and resets both.
    """

    def __init__(self, name: str = "") -> None:
        self.name = name
        self._lock = threading.Lock()
        self._entries: dict[_Key, TextGradient] = {}
        self.conflicts = 0
        self.dropped: list[str] = []

    def __repr__(self) -> str:
        return f"GradientChannel({self.name!r}, {len(self)} pending)"

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __contains__(self, value: torch.Tensor) -> bool:
        with self._lock:
            return _key(value) in self._entries

    def send(
        self,
        value: torch.Tensor,
        diffs: torch.Tensor,
        *,
        base: Sequence[str | None] | None = None,
        conflicts: int = 0,
    ) -> None:
        """Add ``diffs`` (one unified diff per element of ``value``) to ``value``'s text gradient.

        ``base`` is the text of ``value`` the diffs were computed against (default: its text
        now); ``conflicts`` the conflicts the sender already merged while combining them.
        """
        if not hasattr(value, "st_uid") or not hasattr(diffs, "st_uid"):
            raise GradientChannelError("send() needs a symbolic value and a symbolic diff tensor")
        if tuple(diffs.shape) != tuple(value.shape):
            raise GradientChannelError(
                f"text gradient of shape {list(diffs.shape)} sent for a value of shape "
                f"{list(value.shape)} (tensor {value.st_uid})"
            )
        base = tuple(read_texts(value) if base is None else base)
        key = _key(value)
        with self._lock:
            previous = self._entries.get(key)
            if previous is not None:
                if previous.base != base:
                    raise GradientChannelError(
                        f"two text gradients for tensor {value.st_uid} were computed against "
                        "different texts: it was edited between forward and backward"
                    )
                diffs = self._combine(value, base, previous.diffs, diffs)
            self.conflicts += conflicts
            self._entries[key] = TextGradient(value, diffs, base)

    def drop(self, reason: str) -> None:
        """Record a text gradient that could not be delivered (reported, never silent)."""
        with self._lock:
            self.dropped.append(reason)

    def take_events(self) -> tuple[int, list[str]]:
        """``(conflicts, dropped)`` since the last call, and reset them."""
        with self._lock:
            events = (self.conflicts, self.dropped)
            self.conflicts, self.dropped = 0, []
        return events

    def undelivered(self) -> list[TextGradient]:
        """Text gradients waiting on intermediate values (not leaves): nothing will receive them.

        After a backward pass this is empty unless a value was re-stamped with another channel
        or its producer's backward did not run.
        """
        with self._lock:
            return [entry for entry in self._entries.values() if entry.value.grad_fn is not None]

    def receive(self, value: torch.Tensor) -> torch.Tensor | None:
        """Take (and forget) the text gradient of an intermediate ``value``; None if none was sent."""
        with self._lock:
            entry = self._entries.pop(_key(value), None)
        return None if entry is None else entry.diffs

    def text_grad(self, value: torch.Tensor) -> torch.Tensor | None:
        """The text gradient waiting for ``value`` (typically a parameter), left in place."""
        with self._lock:
            entry = self._entries.get(_key(value))
        return None if entry is None else entry.diffs

    def clear(self, values: list[torch.Tensor] | None = None) -> None:
        """Forget the text gradients of ``values`` (all of them when None)."""
        with self._lock:
            if values is None:
                self._entries.clear()
            else:
                for value in values:
                    self._entries.pop(_key(value), None)

    def _combine(
        self,
        value: torch.Tensor,
        base: Sequence[str | None],
        first: torch.Tensor,
        second: torch.Tensor,
    ) -> torch.Tensor:
        """One diff per element equivalent to applying ``first`` and then ``second`` to ``base``."""
        combined = []
        for text, a, b in zip(base, read_texts(first), read_texts(second), strict=True):
            both = combine_diffs(text or "", [a or "", b or ""])
            self.conflicts += both.conflicts
            combined.append(both.diff)
        return text_tensor(combined, value.shape, first.st_root, dtype=first.dtype, temporary=True)


def stamp(tensor: torch.Tensor, channel: GradientChannel) -> torch.Tensor:
    """Mark ``tensor`` as a value whose text gradient lives on ``channel``; returns it.

    A Function's output keeps the channel it was made on: its producer's backward receives
    there, so a different stamp would strand its text gradient (GradientChannelError).
    """
    current = getattr(tensor, "st_channel", None)
    if tensor.grad_fn is not None and current is not None and current is not channel:
        raise GradientChannelError(
            f"tensor {getattr(tensor, 'st_uid', '?')} came out of {current!r}, where its "
            f"producer listens for its text gradient; it cannot be re-stamped with {channel!r}"
        )
    tensor.st_channel = channel
    return tensor


def channel_of(value: torch.Tensor, default: GradientChannel) -> GradientChannel:
    """The channel a text gradient of ``value`` must be sent on: its stamp, else ``default``."""
    stamped = getattr(value, "st_channel", None)
    return default if stamped is None else stamped


def send_diffs(
    value: torch.Tensor,
    diffs: Sequence[str],
    default: GradientChannel,
    *,
    base: Sequence[str | None] | None = None,
    conflicts: int = 0,
) -> None:
    """Send ``diffs`` (one unified diff per element of ``value``, flat, "" for none) as
    ``value``'s text gradient on :func:`channel_of` ``(value, default)``.

    The diffs travel in a temporary symbolic tensor of ``value``'s shape; ``base`` and
    ``conflicts`` are as in :meth:`GradientChannel.send`.
    """
    tensor = text_tensor(diffs, value.shape, value.st_root, dtype=value.dtype, temporary=True)
    channel_of(value, default).send(value, tensor, base=base, conflicts=conflicts)


def resolve_channel(channel: GradientChannel | None, *inputs: torch.Tensor) -> GradientChannel:
    """The channel a Function call uses: ``channel`` if given, else the first input's stamp.

    With neither, a fresh channel is made when no input needs a gradient (nothing will be sent);
    otherwise GradientChannelError asks for one, so that no text gradient is silently lost.
    """
    if channel is not None:
        return channel
    for tensor in inputs:
        stamped = getattr(tensor, "st_channel", None)
        if stamped is not None:
            return stamped
    if any(getattr(tensor, "requires_grad", False) for tensor in inputs):
        raise GradientChannelError(
            "no GradientChannel: the inputs require a gradient but none carries a channel "
            "(st_channel); pass channel=GradientChannel() (or the model's gradient_channel) so "
            "that their text gradients have somewhere to go"
        )
    return GradientChannel("unused")
