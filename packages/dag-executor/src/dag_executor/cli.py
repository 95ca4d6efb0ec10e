"""``dag-exec``: show the normalised expression, its DAG tensors and the executor's value."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from importlib.metadata import version
from typing import Any

from dag_executor.config import DagConfig
from dag_executor.console import interruptible
from dag_executor.errors import DagError, MagnitudeRangeError
from dag_executor.executor import DagExecutor
from dag_executor.ir import Expr
from dag_executor.tensors import DagTensors, expression_to_dag, to_expr

MAX_CLI_DEPTH = 100
"""Largest --depth: the tables print d x (2d+1) operands, and memory grows as d**2."""
_OPTION = re.compile(r"--?[A-Za-z]")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dag-exec",
        description=(
            "Convert an arithmetic expression (numbers, + - * /, parentheses, **-1) into the "
            "fixed-size DAG tensors of a depth-D DAG and execute them with the float64 executor. "
            "Prints the normalised expression, the tensors as tables and the value."
        ),
        epilog="A bad expression (syntax, unsupported operation, division by zero, too many numbers "
        "for the depth, a number beyond the digit limits) prints a one-line error naming it and "
        "exits with status 2. Example: dag-exec '(-3) * (-3) + 1/3' --depth 4",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {version('dag-executor')}"
    )
    parser.add_argument(
        "expression",
        nargs="?",
        help="the expression, e.g. '2 - (-7) * 1.5' or '-3*2' (a leading '-' is fine)",
    )
    parser.add_argument(
        "--depth", type=int, default=4, help=f"DAG depth d (steps; 1..{MAX_CLI_DEPTH}; default 4)"
    )
    parser.add_argument("--digits", type=int, default=4, help="integer digits M (default 4)")
    parser.add_argument(
        "--decimals", type=int, default=4, help="decimal places K (default 4; M + K <= 15)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    return parser


def _digit_text(digits: list[int], config: DagConfig) -> str:
    text = "".join(map(str, digits))
    if config.max_decimals == 0:
        return text
    return f"{text[: config.max_digits]}.{text[config.max_digits :]}"


def _operand_text(row: list[float]) -> str:
    terms = [f"{'+' if c > 0 else '-'}n{j}" for j, c in enumerate(row) if c != 0]
    return " ".join(terms) or "(none)"


def report(expr: Expr, tensors: DagTensors, value: float, config: DagConfig) -> dict[str, Any]:
    """Everything the CLI prints, as JSON-ready data (digits as digit indices)."""
    exact = expr.value()
    return {
        "normalized": str(expr),
        "exact_value": str(exact),
        "exact_float": float(exact),
        "executor_value": value,
        "config": {
            "depth": config.depth,
            "max_digits": config.max_digits,
            "max_decimals": config.max_decimals,
        },
        "tensors": {
            "digits": tensors.digit_targets().tolist(),
            "signs": tensors.signs.tolist(),
            "operands": tensors.operands.tolist(),
            "gates": tensors.gates.tolist(),
            "step_mask": tensors.step_mask.tolist(),
            "node_mask": tensors.node_mask.tolist(),
        },
    }


def _print_tables(text: str, data: dict[str, Any], config: DagConfig) -> None:
    t = data["tensors"]
    print(f"expression:  {text}")
    print(f"normalised:  {data['normalized']}")
    print(f"exact value: {data['exact_value']} ({data['exact_float']!r})")
    print(f"\ninitial nodes (d+1 = {config.num_initial})")
    print(f"{'node':<6}{'used':<6}{'sign':<6}{'digits':<{config.num_places + 3}}")
    for j in range(config.num_initial):
        used = "yes" if t["node_mask"][j] else "no"
        sign = "+" if t["signs"][j] > 0 else "-"
        print(f"{'n' + str(j):<6}{used:<6}{sign:<6}{_digit_text(t['digits'][j], config)}")
    print(f"\nsteps (d = {config.depth}); G: 1 = linear (+ -), 0 = log (* /)")
    print(f"{'step':<6}{'node':<6}{'used':<6}{'G':<12}{'sign':<6}operands (O row)")
    for i in range(config.depth):
        node = config.num_initial + i
        used = "yes" if t["step_mask"][i] else "no"
        gate = "1 linear" if t["gates"][i] >= 0.5 else "0 log"
        sign = "+" if t["signs"][node] > 0 else "-"
        operands = _operand_text(t["operands"][i])
        print(f"{'s' + str(i):<6}{'n' + str(node):<6}{used:<6}{gate:<12}{sign:<6}{operands}")
    print(f"\nexecutor value: {data['executor_value']!r}")


@interruptible("dag-exec")
def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``dag-exec``; returns the exit status (2 for a bad expression)."""
    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    # argparse takes an expression such as '-3*2' or '-(1+2)' for an option: accept it
    if args.expression is None and len(unknown) == 1 and not _OPTION.match(unknown[0]):
        args.expression = unknown.pop()
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if args.expression is None:
        parser.error("the following arguments are required: expression")
    if not 1 <= args.depth <= MAX_CLI_DEPTH:
        parser.error(f"--depth must be between 1 and {MAX_CLI_DEPTH}, got {args.depth}")
    try:
        config = DagConfig(args.depth, args.digits, args.decimals)
        tensors = expression_to_dag(args.expression, config)
        expr = to_expr(args.expression)
    except (DagError, ValueError) as error:
        print(f"dag-exec: error: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    except RecursionError:
        print("dag-exec: error: the expression nests too deeply", file=sys.stderr)
        return 2
    try:
        value = DagExecutor(config, hard=True).execute(tensors).item()
    except MagnitudeRangeError as error:
        print(f"dag-exec: error: {error}", file=sys.stderr)
        return 1
    data = report(expr, tensors, value, config)
    if args.json:
        print(json.dumps({"expression": args.expression, **data}, indent=2))
    else:
        _print_tables(args.expression, data, config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
