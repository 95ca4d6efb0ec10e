"""Time one NeuralStack step (forward + backward) against a naive per-row Python loop.

Both implementations run the same soft push/pop/no-op recurrence on the same inputs (checked
equal), over ``--steps`` steps; the figure is wall time per step, median of ``--repeats``.

    uv run python tools/bench/stack_bench.py

The last line is ``stack step speed ratio: <naive time / our time>`` (higher = better for us).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from neural_structures import NOOP, POP, PUSH, NeuralStack, StackState
from torch import Tensor


def naive_step(stack: Tensor, actions: Tensor, value: Tensor) -> Tensor:
    """The same recurrence written row by row, as a straightforward Python loop."""
    batch, depth, cell = stack.shape
    zero = torch.zeros(batch, cell, dtype=stack.dtype)
    p_push, p_pop, p_noop = (actions[:, k : k + 1] for k in (PUSH, POP, NOOP))
    rows = []
    for i in range(depth):
        above = value if i == 0 else stack[:, i - 1]
        below = stack[:, i + 1] if i + 1 < depth else zero
        rows.append(p_push * above + p_pop * below + p_noop * stack[:, i])
    return torch.stack(rows, dim=1)


def run(step_fn, actions: Tensor, values: Tensor, depth: int) -> tuple[float, Tensor]:
    """Seconds for len(actions) steps forward + backward; also the final stack."""
    actions = actions.detach().requires_grad_()
    values = values.detach().requires_grad_()
    batch, cell = values.shape[1:]
    started = time.perf_counter()
    stack = torch.zeros(batch, depth, cell)
    for t in range(actions.shape[0]):
        stack = step_fn(stack, actions[t].softmax(-1), values[t])
    stack.pow(2).sum().backward()
    elapsed = time.perf_counter() - started
    assert actions.grad is not None and actions.grad.abs().sum() > 0
    return elapsed, stack.detach()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--depth", type=int, default=64)
    parser.add_argument("--cell", type=int, default=8)
    parser.add_argument("--steps", type=int, default=32, help="steps per timed sequence")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    actions = torch.randn(args.steps, args.batch, 3)
    values = torch.randn(args.steps, args.batch, args.cell)
    module = NeuralStack(args.cell, depth=args.depth)

    def ours(stack: Tensor, a: Tensor, v: Tensor) -> Tensor:
        return module(StackState(stack), a, v)[0].stack

    _, ours_final = run(ours, actions, values, args.depth)  # warm-up and equality check
    _, naive_final = run(naive_step, actions, values, args.depth)
    torch.testing.assert_close(ours_final, naive_final)
    timings: dict[str, list[float]] = {"ours": [], "naive": []}
    for _ in range(args.repeats):
        timings["ours"].append(run(ours, actions, values, args.depth)[0] / args.steps)
        timings["naive"].append(run(naive_step, actions, values, args.depth)[0] / args.steps)
    ours_s = statistics.median(timings["ours"])
    naive_s = statistics.median(timings["naive"])
    print(
        f"NeuralStack step, batch {args.batch}, depth {args.depth}, cell {args.cell}, "
        f"forward + backward, {args.threads} thread(s), median of {args.repeats} x {args.steps}:"
    )
    print(f"  ours (vectorised shift-and-mix): {ours_s * 1e3:8.3f} ms/step")
    print(f"  naive Python loop over rows:     {naive_s * 1e3:8.3f} ms/step")
    print(f"stack step speed ratio: {naive_s / ours_s:.2f}")


if __name__ == "__main__":
    main()
