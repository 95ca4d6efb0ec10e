"""TaskHandler concurrency and response-cache speedups against a loopback server, same run.

A loopback OpenAI-compatible server (``python -m llm_backends.testing.loopback``, its own process, as a
real server would be) answers every chat request after a fixed latency (200 ms by default). Each
task is a small workspace with one TODO file (one chat call). Workspaces and cache live under
``--root``: by default /dev/shm (tmpfs) when it exists, so that what is timed is the handler and
the cache rather than the disk's journal; every pass, cold or warm, still writes each answer
atomically (temp file + rename). On a busy ext4 disk a rename over an existing file costs ~5 ms,
which then dominates the warm pass (see the package README for both figures).

1. Baseline: the tasks one after another with the plain synchronous OpenAI client (read the
   workspace, build the same prompt, call, write the answer): what code without a handler does.
2. TaskHandler at ``--concurrency`` (cache off): same tasks, same server.
3. Cache: a fresh cache, a cold pass (every call goes to the server), the TODO files reset, then
   a warm pass that must be served entirely from the cache.

    uv run python tools/bench/llm_bench.py
    uv run python tools/bench/llm_bench.py --tasks 128 --concurrency 32 --latency-ms 100
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import openai
from llm_backends import AgentTask, TaskHandler, build_messages, extract_file_content
from llm_backends.backends.openai import OpenAIBackend
from llm_backends.testing.workspaces import PLACEHOLDER_FILE, placeholder_task
from llm_backends.workspace import build_view, write_inside


@contextmanager
def loopback_server(latency_ms: float):
    """Start the loopback server in a child process; yield its base URL; always stop it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "llm_backends.testing.loopback", "--latency-ms", str(latency_ms)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = proc.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise SystemExit(f"loopback server did not start (printed {url!r})")
        yield url
    finally:
        proc.stdin.close()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


def make_tasks(root: Path, count: int) -> list[AgentTask]:
    return [
        placeholder_task(
            root / f"task{i:03d}", f"Task {i}: return the number {i}.\n", f"Implement task {i}."
        )
        for i in range(count)
    ]


def reset(tasks: list[AgentTask]) -> None:
    for task in tasks:
        (task.workspace / PLACEHOLDER_FILE).write_text("TODO")


def sequential_baseline(tasks: list[AgentTask], url: str, model: str) -> float:
    client = openai.OpenAI(base_url=url, api_key="none", max_retries=0)
    start = time.perf_counter()
    for task in tasks:
        view = build_view(task)
        for name in view.todo_files:
            messages = [{"role": m.role, "content": m.content} for m in build_messages(view, name)]
            answer = client.chat.completions.create(
                model=model, messages=messages, max_tokens=512, temperature=0.0
            )
            write_inside(
                task.workspace, name, extract_file_content(answer.choices[0].message.content or "")
            )
    elapsed = time.perf_counter() - start
    client.close()
    return elapsed


def timed_run(handler: TaskHandler, tasks: list[AgentTask]) -> float:
    start = time.perf_counter()
    results = handler.run(tasks)
    elapsed = time.perf_counter() - start
    failed = [r for r in results if not r.ok]
    if failed:
        raise SystemExit(f"{len(failed)} tasks failed, first: {failed[0].error!r}")
    return elapsed


def cache_passes(
    backend: OpenAIBackend,
    tasks: list[AgentTask],
    cache_dir: Path,
    concurrency: int,
    warm_passes: int,
) -> tuple[float, list[float]]:
    """One cold pass into an empty cache, then ``warm_passes`` passes that must all be cache hits."""
    handler = TaskHandler(backend, concurrency=concurrency, cache_dir=cache_dir)
    reset(tasks)
    cold = timed_run(handler, tasks)
    assert handler.usage.calls == len(tasks) and handler.usage.cache_hits == 0, handler.usage
    warm = []
    for _ in range(warm_passes):
        reset(tasks)
        warm.append(timed_run(handler, tasks))
    assert handler.usage.calls == len(tasks), f"a warm pass reached the server: {handler.usage}"
    assert handler.usage.cache_hits == warm_passes * len(tasks), handler.usage
    return cold, warm


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--tasks", type=int, default=64, help="number of tasks (one TODO file each)"
    )
    parser.add_argument("--concurrency", type=int, default=16, help="TaskHandler concurrency")
    parser.add_argument(
        "--latency-ms", type=float, default=200.0, help="server latency per request"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="handler/cache measurements to take the best of"
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=Path("/dev/shm") if Path("/dev/shm").is_dir() else None,
        help="where workspaces and cache go (default /dev/shm if present, else $TMPDIR)",
    )
    args = parser.parse_args()
    model = "loopback"

    with tempfile.TemporaryDirectory(dir=args.root) as tmp, loopback_server(args.latency_ms) as url:
        root = Path(tmp)
        tasks = make_tasks(root / "ws", args.tasks)
        backend = OpenAIBackend(base_url=url, model=model)
        print(f"{args.tasks} tasks, {args.latency_ms:g} ms server latency, workspaces in {root}")
        print(
            f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs"
        )

        sequential = sequential_baseline(tasks, url, model)
        print(f"  sequential, plain OpenAI client loop : {sequential:8.3f} s")
        concurrent = []
        for _ in range(args.repeats):
            reset(tasks)
            concurrent.append(
                timed_run(
                    TaskHandler(backend, concurrency=args.concurrency, use_cache=False), tasks
                )
            )
        print(
            f"  TaskHandler concurrency={args.concurrency:<3d} no cache : "
            + ", ".join(f"{t:.3f}" for t in concurrent)
            + " s"
        )

        colds, warms = [], []
        for i in range(args.repeats):
            cold, warm = cache_passes(
                backend, tasks, root / f"cache{i}", args.concurrency, args.repeats
            )
            colds.append(cold)
            warms.extend(warm)
        print(
            "  cache cold passes (all misses)       : "
            + ", ".join(f"{t:.3f}" for t in colds)
            + " s"
        )
        print(
            "  cache warm passes (all hits)         : "
            + ", ".join(f"{t:.3f}" for t in warms)
            + " s"
        )
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    print("(ratios use the best time of each kind)")
    print(f"concurrency speedup ratio: {sequential / min(concurrent):.1f}")
    print(f"cache speedup ratio: {min(colds) / min(warms):.1f}")


if __name__ == "__main__":
    main()
