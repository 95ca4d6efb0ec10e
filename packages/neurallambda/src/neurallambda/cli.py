"""Command line: ``neurallambda run 'PROGRAM'`` and ``neurallambda check 'PROGRAM'``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import version

import torch
from neural_structures.arguments import MAX_SEED, integer_at_least, positive_float
from neural_structures.console import interruptible

from neurallambda.errors import NeurallambdaError, ProgramTooLargeError
from neurallambda.learn import Sketch, learn, parse_examples
from neurallambda.machine import (
    MAX_CELLS,
    VALUE_DECODINGS,
    MachineConfig,
    MachineState,
    ReductionMachine,
    cells_needed,
)
from neurallambda.memory import format_memory
from neurallambda.reference import normalize
from neurallambda.sketches import suite
from neurallambda.terms import compile_text, show

_LANGUAGE = """\
language: integers (negative too), true / false, names, (fn [x y] body) (curried),
application (f a b), quoted lists '(1 x (+ 1 2)), cons / car / cdr, (let [a 1 b a] body),
(if cond then else), + - *, = < > <= >=, not, and top-level (defn name [params] body)
before the expression; ; starts a comment.

exit status: 0 result printed (check: machine and reference agree), 1 the program failed
while running (no normal form within --steps, memory or integer overflow; check: they
disagree), 2 bad input (parse error with line and column, program too large for --cells,
integer outside --int-range, --vec-size too small for the codebook, bad option).
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="neurallambda",
        description=(
            "Run a small Lisp on a differentiable lambda-calculus machine. The program is parsed, "
            "laid out in address memory, projected to random vectors, reduced in normal order by "
            "soft tensor operations, and read back to text."
        ),
        epilog='example: neurallambda run "((fn [x y] \'(1 y x)) 10 100)"\n\n' + _LANGUAGE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {version('neurallambda')}"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run",
        help="print the machine's read-back of a program",
        description="Reduce PROGRAM on the machine and print the normal form it reads back "
        "(an error instead when there is none).",
        epilog='example: neurallambda run "((fn [x] x) 42)" --trace\n\n' + _LANGUAGE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check = commands.add_parser(
        "check",
        help="print the machine's result beside the reference interpreter's",
        description="Reduce PROGRAM on the machine and with the symbolic reference interpreter "
        "(same step budget and limits) and print both and whether they agree.",
        epilog='example: neurallambda check "(let [a 6] (* a 7))"\n\n' + _LANGUAGE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for sub in (run, check):
        sub.add_argument("program", help='program text, e.g. "((fn [x] x) 42)"')
        sub.add_argument(
            "--steps",
            type=integer_at_least(0, 10_000),
            default=100,
            help="max reduction steps, at most 10,000 (default 100; a step takes a few ms)",
        )
        sub.add_argument(
            "--vec-size",
            type=integer_at_least(1, 8192),
            default=512,
            help="dimension of the symbol vectors, at most 8192 (default 512; too small is "
            "refused)",
        )
        sub.add_argument(
            "--cells",
            type=_cells,
            default="auto",
            help="memory cells, one per term node, at most 4096; 'auto' (the default) takes the "
            "reference interpreter's peak over --steps, rounded up to a multiple of 8",
        )
        sub.add_argument(
            "--seed",
            type=integer_at_least(0, MAX_SEED),
            default=0,
            help="codebook seed (default 0)",
        )
        sub.add_argument(
            "--int-range",
            type=int,
            nargs=2,
            default=(-128, 128),
            metavar=("LO", "HI"),
            help="integers the codebook can hold, LO <= HI (default -128 128)",
        )
        sub.add_argument(
            "--sharpness",
            type=positive_float,
            default=100.0,
            help="inverse temperature of decoding (default 100: exact on clean memory)",
        )
        sub.add_argument(
            "--gradient-sharpness",
            type=_gradient_sharpness,
            default=5.0,
            help="inverse temperature of the decoding's gradient, or 'none' for the plain "
            "softmax (default 5; values are unchanged, only gradients use it)",
        )
        sub.add_argument(
            "--value-decoding",
            choices=VALUE_DECODINGS,
            default="sharp",
            help="how a redex reads integers and booleans: 'sharp' (default) rounds a "
            "superposition to its largest member, 'linear' reads it as the distribution it "
            "holds (for learning; both are exact on clean memory)",
        )
    run.add_argument("--trace", action="store_true", help="print the memory after each step")
    learn = commands.add_parser(
        "learn",
        help="fill the holes of a sketch task by gradient descent through the machine",
        description="Fill the holes of a sketch by gradient descent: each hole's candidates "
        "are superposed in its memory cell, every training example runs on the machine, Adam "
        "moves the holes' logits; the most likely program is checked on the training examples "
        "and verified on held-out ones with the reference interpreter. The sketch is a task of "
        "the suite (TASK) or your own (--sketch with --train and --held-out).",
        epilog="Sketch syntax: a program with holes, ?int (an integer from -9 to 9), ?op "
        "(+, - or *) and ?term{a|b|c} (one of the terms a, b, c, of any shapes), e.g.\n"
        "  (fn [x] (+ (* x ?int) ?int))\n"
        "  (fn [x] (+ (?term{(fn [y] (* y y))|(fn [y] y)} x) ?int))\n\n"
        "examples:\n"
        "  neurallambda learn affine          # prints (fn [x] (+ (* x 3) 2))\n"
        '  neurallambda learn --sketch "(fn [x] (+ (* x ?int) ?int))" \\\n'
        '      --train "1 -> 5, 2 -> 8, 3 -> 11" --held-out "0 -> 2, 4 -> 14"\n\n'
        f"tasks: {', '.join(task.name for task in suite())}, or all",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    learn.add_argument(
        "task",
        nargs="?",
        choices=[*(task.name for task in suite()), "all"],
        metavar="TASK",
        help="a task of the suite, or all (see the list below); or give --sketch",
    )
    learn.add_argument("--sketch", help="your own sketch: a function with holes (syntax below)")
    learn.add_argument(
        "--train",
        help='its training examples, "input -> output, ..." (outputs: integers, true or false)',
    )
    learn.add_argument(
        "--held-out", help="examples that verify the program found (same form as --train)"
    )
    learn.add_argument(
        "--budget",
        type=integer_at_least(1, 10_000),
        default=60,
        help="candidate programs run per task (default 60): an optimizer step runs one "
        "superposed program per combination of the ?term holes' candidates",
    )
    learn.add_argument(
        "--seed", type=integer_at_least(0, MAX_SEED), default=0, help="seed (default 0)"
    )
    return parser


def _cells(text: str) -> int | str:
    """An argparse type: ``auto`` or a number of cells from 1 to MAX_CELLS."""
    return text if text == "auto" else integer_at_least(1, MAX_CELLS)(text)


def _gradient_sharpness(text: str) -> float | None:
    """An argparse type: ``none`` or a finite number > 0."""
    return None if text == "none" else positive_float(text)


def _config(args: argparse.Namespace) -> MachineConfig:
    cells = cells_needed([args.program], args.steps) if args.cells == "auto" else args.cells
    return MachineConfig(
        cells=cells,
        vec_size=args.vec_size,
        seed=args.seed,
        int_range=tuple(args.int_range),
        sharpness=args.sharpness,
        gradient_sharpness=args.gradient_sharpness,
        value_decoding=args.value_decoding,
    )


def _run(args: argparse.Namespace) -> int:
    machine = ReductionMachine(_config(args))

    def print_memory(state: MachineState) -> None:
        print(f"step {round(state.steps[0].item())}:")
        print(format_memory(machine.decode(state)[0]))

    with torch.no_grad():
        state = machine.compile([args.program])
        if args.trace:
            print_memory(state)
        state = machine.run(state, args.steps, on_step=print_memory if args.trace else None)
    outcome = machine.read_back(state, args.steps)[0]
    if not outcome.ok:
        hint = ""
        if isinstance(outcome.error, ProgramTooLargeError):
            needed = cells_needed([args.program], args.steps)
            hint = f" (it needs {needed}: --cells {needed}, or --cells auto)"
        print(f"error: {outcome.error}{hint}", file=sys.stderr)
        return 1
    print(outcome.text)
    return 0


def _sketches(args: argparse.Namespace) -> list[Sketch]:
    """The sketches the ``learn`` command was asked for (NeurallambdaError on bad ones)."""
    if args.sketch is None:
        if args.train or args.held_out:
            raise NeurallambdaError("--train and --held-out go with --sketch")
        if args.task is None:
            raise NeurallambdaError("give a TASK of the suite, all, or --sketch with --train")
        return [task for task in suite() if args.task in ("all", task.name)]
    if args.task is not None:
        raise NeurallambdaError(f"give either TASK ({args.task}) or --sketch, not both")
    if not args.train:
        raise NeurallambdaError('--sketch needs --train "input -> output, ..."')
    held_out = parse_examples(args.held_out) if args.held_out else ()
    sketch = Sketch("sketch", args.sketch, parse_examples(args.train), held_out)
    if not sketch.holes:
        raise NeurallambdaError("the sketch has no hole (?int, ?op or ?term{a|b})")
    try:
        compile_text(sketch.fill([hole.candidates[0] for hole in sketch.holes]))
    except NeurallambdaError as exc:
        raise NeurallambdaError(f"the sketch: {exc}") from None
    return [sketch]


def _learn(args: argparse.Namespace) -> int:
    tasks = _sketches(args)
    solved = 0
    for task in tasks:
        found = learn(task, budget=args.budget, seed=args.seed)
        solved += found.solved
        if not found.solved:
            verdict = "NOT solved"
        elif task.held_out:
            verdict = "verified on held-out examples"
        else:
            verdict = "fits the training examples; no held-out ones given"
        cost = f"{found.evaluations} program{'' if found.evaluations == 1 else 's'} run"
        print(f"{task.name}: {found.program}  ({verdict}, {cost})")
    if len(tasks) > 1:
        print(f"solved {solved} of {len(tasks)}")
    return 0 if solved == len(tasks) else 1


def _check(args: argparse.Namespace) -> int:
    config = _config(args)
    term = compile_text(args.program)
    try:
        expected = show(
            normalize(term, args.steps, max_cells=config.cells, int_range=config.int_range).term
        )
        expected_error = None
    except NeurallambdaError as exc:
        expected, expected_error = f"error: {exc}", type(exc)
    with torch.no_grad():
        outcome = ReductionMachine(config).evaluate([term], args.steps)[0]
    if outcome.ok:
        same = expected_error is None and outcome.text == expected
    else:
        same = type(outcome.error) is expected_error
    print(f"machine:   {outcome.text}")
    print(f"reference: {expected}")
    print(f"agree:     {'yes' if same else 'NO'}")
    return 0 if same else 1


@interruptible("neurallambda")
def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``neurallambda`` console script; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command != "learn" and args.int_range[0] > args.int_range[1]:
        parser.error(f"--int-range needs LO <= HI, got {args.int_range[0]} {args.int_range[1]}")
    try:
        if args.command == "learn":
            return _learn(args)
        return _run(args) if args.command == "run" else _check(args)
    except NeurallambdaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
