"""Throughput of the batched DAG executor versus SymPy evaluating the same expressions.

    uv run python tools/bench/dag_bench.py [--batch 4096] [--depth 4] [--repeats 20] [--threads 1]

Both sides get the same expressions (ExpressionGenerator, seed 0, "test" split), already built:
the executor a stacked DagTensors batch (one-hot tensors, float64, CPU, no grad), SymPy the
unevaluated trees from ``Expr.to_sympy()``, evaluated with ``.doit()`` (exact rationals: SymPy's
own evaluation). Conversion to tensors is reported but is in neither rate.

Timing is robust to a shared, busy machine: the executor rate is the median over ``--repeats``
batches; SymPy's is the median over ``--repeats`` equal chunks of the same expressions. The
headline uses the default executor (soft path, which on one-hot tensors computes exactly the
hard values - checked below); the straight-through ``hard=True`` mode is also reported.
"""

import argparse
import statistics
import time
from collections.abc import Callable

import torch
from dag_executor import DagConfig, DagExecutor, DagTensors, ExpressionGenerator, expression_to_dag


def median_seconds(run: Callable[[], object], repeats: int) -> float:
    run()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=4096)
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=16, help="timed batches / sympy chunks")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    config = DagConfig(depth=args.depth)

    generator = ExpressionGenerator(config, "test", seed=0)
    exprs = [generator.sample(i)[1] for i in range(args.batch)]
    start = time.perf_counter()
    batch = DagTensors.stack([expression_to_dag(e, config) for e in exprs])
    convert_s = time.perf_counter() - start
    print(f"expressions: {args.batch}, depth {args.depth}, torch threads {args.threads}")
    print(f"conversion to tensors: {args.batch / convert_s:,.0f} expr/s (in neither rate)")

    executor = DagExecutor(config)
    with torch.no_grad():
        values = executor.execute(batch)
        hard_values = executor.execute(batch, hard=True)
        assert torch.equal(values, hard_values), "soft path on one-hot tensors must be exact"
        executor_s = median_seconds(lambda: executor.execute(batch), args.repeats)
        hard_s = median_seconds(lambda: executor.execute(batch, hard=True), args.repeats)
    executor_rate = args.batch / executor_s
    print(f"executor: {executor_s * 1e3:.2f} ms per batch, {executor_rate:,.0f} expr/s")
    print(f"executor hard=True: {hard_s * 1e3:.2f} ms per batch, {args.batch / hard_s:,.0f} expr/s")

    trees = [e.to_sympy() for e in exprs]
    chunk = args.batch // args.repeats
    chunk_times, sympy_values = [], []
    for k in range(args.repeats):
        start = time.perf_counter()
        sympy_values.extend(tree.doit() for tree in trees[k * chunk : (k + 1) * chunk])
        chunk_times.append(time.perf_counter() - start)
    sympy_rate = chunk / statistics.median(chunk_times)
    print(f"sympy .doit(): {sympy_rate:,.0f} expr/s (median over {args.repeats} chunks)")

    exact = torch.tensor([float(v) for v in sympy_values], dtype=torch.float64)
    ours = values[: len(exact)]
    nonzero = exact != 0
    relative = ((ours - exact).abs() / exact.abs())[nonzero]
    print(f"executor vs sympy: max relative difference {relative.max().item():.1e}")
    print(f"executor vs sympy throughput ratio: {executor_rate / sympy_rate:.1f}")


if __name__ == "__main__":
    main()
