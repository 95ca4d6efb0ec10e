"""NeuralQueue: a Grefenstette-style differentiable FIFO queue with strengths."""

from __future__ import annotations

from neural_structures._strength import StrengthMemory


class NeuralQueue(StrengthMemory):
    """Grefenstette-style neural queue (first in, first out).

    Same state and controls as :class:`GrefenstetteStack` (``forward(state, push, pop, value)``
    pops ``pop`` units of strength, pushes ``value`` with strength ``push``, then reads), but
    pops and reads take strength from the oldest end. With push/pop in {0, 1} it behaves exactly
    like ``collections.deque`` with ``append`` / ``popleft`` and ``q[0]`` as the read (zeros when
    empty). State: values (batch, capacity, cell_size), strengths (batch, capacity), row 0 newest;
    the capacity must be at least the number of steps.
    """

    from_newest = False
