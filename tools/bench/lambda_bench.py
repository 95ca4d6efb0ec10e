"""Benchmark the neurallambda reduction machine.

1. Throughput: reduction steps per second for a batch of 64 programs at the default memory size
   (64 cells, vec size 512) versus the same 64 programs run one at a time (batch 1, 64 runs).
2. Memory: bytes autograd saves for backward, and the process's peak RSS, for that batch.
3. Capacity: success rate (machine read-back == reference normal form) against vector size and
   number of cells, on random closed programs, with the codebook separation guard switched off so
   that the raw failure rate is visible; ``guard`` says whether the default guard would have
   refused the configuration up front (VectorSizeError).

Usage: uv run python tools/bench/lambda_bench.py [--quick]
Ends with ``batching throughput ratio: <x>`` (batched steps/s over one-at-a-time steps/s).
"""

from __future__ import annotations

import argparse
import itertools
import resource
import time

import torch
from neurallambda import (
    MachineConfig,
    ReductionMachine,
    VectorSizeError,
    compile_text,
    normalize,
    show,
)
from neurallambda.codebook import Codebook
from neurallambda.generate import random_terms, reductions

DEMOS = [
    "((fn [x] x) 42)",
    "((fn [x] '(1 x)) 13)",
    "((fn [x y z] '(x y z)) 1 2 3)",
    "((fn [x y] '(1 y x)) 10 100)",
    "((fn [x f] (f x)) 42 (fn [y] '(0 y y 100 y)))",
    "((fn [g f z] (g (f z))) (fn [y] '(y y y)) (fn [x] '(x x)))",
    "(let [a 6 b (* a 7)] (if (< a b) (- b a) 0))",
    "(defn twice [f x] (f (f x))) (twice (fn [n] (* n 2)) 5)",
]


def workload(count: int, cells: int, max_steps: int) -> list:
    """The demos plus random programs that reduce (>= 1 step) to a normal form that fits."""
    candidates = random_terms(count * 8, max_cells=cells, seed=1, depth=5)
    terms = [compile_text(p) for p in DEMOS]
    terms += [term for term, _ in reductions(candidates, max_steps, max_cells=cells)]
    return terms[:count]


def throughput(
    machine: ReductionMachine, terms: list, max_steps: int, repeats: int = 3
) -> tuple[float, float]:
    """Best-of-``repeats`` reduction steps per second: (batched, one program at a time)."""
    batched, serial = [], []
    with torch.no_grad():
        for _ in range(repeats):
            state = machine.compile(terms)
            start = time.perf_counter()
            state = machine.run(state, max_steps)
            batched.append(state.steps.sum().item() / (time.perf_counter() - start))
            elapsed, steps = 0.0, 0.0
            for term in terms:
                single = machine.compile([term])
                start = time.perf_counter()
                single = machine.run(single, max_steps)
                elapsed += time.perf_counter() - start
                steps += single.steps.sum().item()
            serial.append(steps / elapsed)
    return max(batched), max(serial)


def autograd_memory(machine: ReductionMachine, terms: list, steps: int) -> tuple[float, float]:
    """MiB saved for backward over ``steps`` steps, and the process peak RSS in MiB."""
    saved = 0

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        nonlocal saved
        saved += tensor.numel() * tensor.element_size()
        return tensor

    memory = machine.compile(terms).memory.requires_grad_()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        state = machine.initial_state(memory)
        for _ in range(steps):
            state = machine.step(state)
    state.memory.sum().backward()
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return saved / 2**20, peak_rss


def capacity(vec_sizes: list[int], cells_list: list[int], programs: int, max_steps: int) -> None:
    print(f"capacity: success rate on {programs} random reducing programs per row (guard off)")
    print("  cells " + "".join(f"{f'D={d}':>14}" for d in vec_sizes))
    for cells in cells_list:
        candidates = random_terms(programs * 6, max_cells=cells, seed=cells, depth=5)
        # only programs that actually reduce (min_steps=1) to a normal form that fits
        found = reductions(candidates, max_steps, max_cells=cells, int_range=(-128, 128))
        pairs = list(itertools.islice(found, programs))
        kept = [term for term, _ in pairs]
        expected = [show(result.term) for _, result in pairs]
        row = []
        for vec_size in vec_sizes:
            try:
                Codebook(cells=cells, vec_size=vec_size)
                guard = ""
            except VectorSizeError:
                guard = "*"
            config = MachineConfig(cells=cells, vec_size=vec_size, max_similarity=1.0)
            machine = ReductionMachine(config)
            with torch.no_grad():
                outcomes = machine.evaluate(kept, max_steps)
            pairs = list(zip(outcomes, expected, strict=True))
            rate = sum(o.text == e for o, e in pairs) / len(kept)
            wrong = sum(o.ok and o.text != e for o, e in pairs)  # a wrong result passed off as one
            row.append(f"{rate:.0%}{guard} w{wrong}")
        print(f"  {cells:>5} " + "".join(f"{r:>14}" for r in row))
    print("  (* = refused by the default codebook guard, VectorSizeError;")
    print("   wN = N wrong results read back as if correct; every other failure is reported)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller capacity sweep")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads (1; 0 = torch's default)"
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    config = MachineConfig()  # the default memory size: 64 cells, vec size 512
    machine = ReductionMachine(config)
    terms = workload(64, config.cells, max_steps=40)
    if len(terms) != 64:
        raise SystemExit(f"workload has {len(terms)} programs, expected 64")
    print(
        f"machine: cells={config.cells} vec_size={config.vec_size}, torch threads={torch.get_num_threads()}"
    )

    if args.quick:
        capacity([4, 8, 64], [16, 32], programs=24, max_steps=30)
    else:
        capacity([4, 8, 16, 64, 256, 512], [16, 32, 64], programs=64, max_steps=30)

    saved, rss = autograd_memory(machine, terms, steps=8)
    print(
        f"autograd memory, batch 64, 8 steps: {saved:.0f} MiB saved for backward; peak RSS {rss:.0f} MiB"
    )

    batched, serial = throughput(machine, terms, max_steps=40)
    total = sum(normalize(t, 40).steps for t in terms)
    print(f"workload: 64 programs, {total} reduction steps in all (best of 3 runs)")
    print(f"reduction steps/s, batch 64: {batched:.1f}")
    print(f"reduction steps/s, batch 1 x 64 runs: {serial:.1f}")
    print(f"batching throughput ratio: {batched / serial:.2f}")


if __name__ == "__main__":
    main()
