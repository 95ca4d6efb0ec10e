"""What a trained Stack-RNN does with its stack: the mean push / pop / no-op probability after
each input token.

A controller that evaluates nested brackets as a pushdown automaton would pushes on ``(``, pops
on ``)`` and leaves the stack alone elsewhere; one that pushes on every token uses the stack as
a delay line, which stops helping beyond a few levels of nesting. The profile tells the two
apart at a glance (``neural-structures-train --action-profile``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from neural_structures.models import StackRNN
from neural_structures.stack import NOOP, POP, PUSH
from neural_structures.tasks import Task

Profile = dict[int, tuple[float, float, float]]
"""Token id -> mean probability of (push, pop, no-op) at the steps that read it."""


def profile_by_token(inputs: Tensor, actions: Tensor) -> Profile:
    """The mean of ``actions`` (batch, steps, 3) over the steps of each token id of ``inputs``
    (batch, steps), for the ids that occur, in increasing order."""
    profile = {}
    for token in inputs.unique().tolist():
        mean = actions[inputs == token].mean(0)
        profile[token] = (mean[PUSH].item(), mean[POP].item(), mean[NOOP].item())
    return profile


@torch.no_grad()
def action_profile(
    model: StackRNN,
    task: Task,
    lengths: Sequence[int],
    samples: int,
    seed: int,
    hard_actions: bool = True,
) -> Profile:
    """The action profile of ``model`` over ``samples`` fresh inputs of each of ``lengths``
    (drawn with ``seed``), its stack as deep as each input is long."""
    generator = torch.Generator().manual_seed(seed)
    model.eval()
    inputs, actions = [], []
    for length in lengths:
        batch = task.sample(samples, length, generator)
        _, taken = model.forward_with_actions(
            batch.inputs, depth=batch.inputs.shape[1], hard_actions=hard_actions
        )
        inputs.append(batch.inputs.flatten())
        actions.append(taken.flatten(0, 1))
    return profile_by_token(torch.cat(inputs)[:, None], torch.cat(actions)[:, None])
