"""``llm-backends``: fill the TODO files of workspaces from the command line."""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import version
from pathlib import Path

from llm_backends.console import interruptible

from .backends import BACKEND_NAMES, make_backend
from .errors import LLMBackendError
from .handler import TaskHandler
from .task import AgentTask


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (``llm-backends --help``)."""
    parser = argparse.ArgumentParser(
        prog="llm-backends",
        description=(
            "Fill the files holding the TODO placeholder in each WORKSPACE, following INSTRUCTION, "
            "with one LLM backend; tasks run concurrently, answers are cached on disk. The backend "
            "defaults to $LLM_BACKEND, else openai when $LLM_BASE_URL is set, else local."
        ),
        epilog=(
            "exit status: 0 when every task filled its files, 1 when a task failed (each failure "
            "is printed with its error), 2 for bad arguments or backend settings."
        ),
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {version('llm-backends')}"
    )
    parser.add_argument(
        "workspaces", nargs="+", type=Path, metavar="WORKSPACE", help="task directory"
    )
    parser.add_argument("-i", "--instruction", required=True, help="what the files should contain")
    parser.add_argument(
        "-f",
        "--file",
        action="append",
        default=[],
        type=Path,
        dest="files",
        help="TODO file relative to each workspace (repeatable; default: every file whose content is TODO)",
    )
    parser.add_argument(
        "-b",
        "--backend",
        choices=BACKEND_NAMES,
        default=None,
        help="backend (default: $LLM_BACKEND, else openai if $LLM_BASE_URL is set, else local)",
    )
    parser.add_argument(
        "-j", "--concurrency", type=int, default=8, help="most calls in flight (default 8)"
    )
    parser.add_argument(
        "--max-tokens",
        type=int,
        default=512,
        help="answer length limit per file, in tokens (default 512)",
    )
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="seconds per call attempt (default 120)"
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=5,
        help="retries on 429/5xx/timeouts/connection failures (default 5)",
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="neither read nor write the response cache"
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="response cache directory (default $LLM_CACHE_DIR, else ~/.cache/llm-backends)",
    )
    parser.add_argument("--log", type=Path, default=None, help="append one JSON line per call here")
    return parser


@interruptible("llm-backends")
def main(argv: list[str] | None = None) -> int:
    """Run the tasks; print one line per task and the usage; exit 1 if any task failed."""
    args = build_parser().parse_args(argv)
    try:
        handler = TaskHandler(
            make_backend(args.backend),
            concurrency=args.concurrency,
            cache_dir=args.cache_dir,
            use_cache=not args.no_cache,
            log_path=args.log,
            timeout_s=args.timeout,
            max_retries=args.retries,
            max_tokens=args.max_tokens,
        )
    except LLMBackendError as exc:
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    tasks = [AgentTask(ws, args.instruction, tuple(args.files)) for ws in args.workspaces]
    results = handler.run(tasks)
    for result in results:
        if result.ok:
            print(
                f"ok     {result.task.workspace}: wrote {', '.join(str(p) for p in result.written) or 'nothing'}"
            )
        else:
            print(f"FAILED {result.task.workspace}: {type(result.error).__name__}: {result.error}")
    print(f"usage: {handler.usage}")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
