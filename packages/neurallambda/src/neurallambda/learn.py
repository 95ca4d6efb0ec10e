"""Learning programs by gradient descent through the machine: fill the holes of a sketch.

A sketch is a program with holes: ``?int`` (an integer constant from ``INT_CANDIDATES``) and
``?op`` (one of ``OP_CANDIDATES``). Each hole holds logits; its cell in memory holds the
softmax mixture of its candidates' codebook vectors, so the machine runs every example on a
superposition of programs at once (integers flow through arithmetic as distributions). The loss
is the cross-entropy of each example's decoded result against its expected output; Adam moves
the logits. After each step the most likely program is read off (the argmax of every hole) and
checked on the training examples with the reference interpreter; a program that passes them is
verified on the held-out ones.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from neurallambda.errors import NeurallambdaError
from neurallambda.machine import _P, _T, MachineConfig, ReductionMachine, cells_needed
from neurallambda.reference import normalize
from neurallambda.terms import Bool, Int, compile_text

INT_CANDIDATES = tuple(range(-9, 10))
OP_CANDIDATES = ("+", "-", "*")
_HOLE = re.compile(r"\?(int|op)\b")

Example = tuple[str, int | bool]  # (input expression, expected output)


@dataclass(frozen=True)
class Sketch:
    """A function with holes, e.g. ``(fn [x] (+ (* x ?int) ?int))``, and its examples."""

    name: str
    text: str
    train: tuple[Example, ...]
    held_out: tuple[Example, ...]

    @property
    def holes(self) -> list[str]:
        """The kind of every hole, in order of appearance (``int`` or ``op``)."""
        return _HOLE.findall(self.text)

    def fill(self, choices: Sequence[int | str]) -> str:
        """The sketch's text with hole k replaced by ``choices[k]``."""
        filled = iter(str(choice) for choice in choices)
        return _HOLE.sub(lambda _: next(filled), self.text)


@dataclass(frozen=True)
class Learned:
    """What :func:`learn` found: the program, whether it passes every example, and the cost."""

    program: str
    solved: bool
    evaluations: int  # machine runs over the training batch (one per optimizer step)


def _reference_output(program: str, argument: str) -> int | bool | None:
    try:
        term = normalize(compile_text(f"({program} {argument})"), 200).term
    except NeurallambdaError:
        return None
    return term.value if isinstance(term, (Int, Bool)) else None


def passes(program: str, examples: Sequence[Example]) -> bool:
    """Whether the reference interpreter maps every example input to its output."""
    return all(_reference_output(program, x) == y for x, y in examples)


def learn(
    sketch: Sketch,
    *,
    steps: int = 60,
    lr: float = 0.1,
    seed: int = 0,
    max_reduction: int = 60,
    sharpness: float = 30.0,
    restart_every: int = 10,
) -> Learned:
    """Fit the holes of ``sketch`` to its training examples by gradient descent (see module).

    ``steps`` machine runs at most; every ``restart_every`` steps without a solution the logits
    start again from a new random draw (gradient descent from several starts, one budget).
    ``sharpness`` is the machine's decoding sharpness while learning: softer than the default
    100, so that a superposed hole still decodes as a distribution.
    """
    kinds = sketch.holes
    if not kinds:
        raise NeurallambdaError(f"sketch {sketch.name!r} has no ?int or ?op hole")
    named = sketch.fill([f"hole{k}" for k in range(len(kinds))])  # free names mark the holes
    programs = [f"({named} {x})" for x, _ in sketch.train]
    machine = ReductionMachine(
        MachineConfig(
            cells=cells_needed([sketch.fill(_first(kinds))], max_reduction) + 16,
            sharpness=sharpness,
        )
    )
    start = machine.compile(programs)
    groups = machine.codebook.groups(start.memory)
    cells = [_hole_cells(machine, start, f"hole{k}") for k in range(len(kinds))]
    lo = machine.config.int_range[0]
    books = {
        "int": groups.ints[[value - lo for value in INT_CANDIDATES]],
        "op": groups.prims[[_P[op] for op in OP_CANDIDATES]],
    }
    tags = {"int": groups.tags[_T["Int"]], "op": groups.tags[_T["Prim"]]}
    generator = torch.Generator().manual_seed(seed)
    targets = [_target_index(machine, y) for _, y in sketch.train]
    logits: list[torch.Tensor] = []
    optimizer = None
    for evaluation in range(1, steps + 1):
        if (evaluation - 1) % restart_every == 0:
            logits = [
                torch.randn(len(books[kind]), generator=generator).requires_grad_()
                for kind in kinds
            ]
            optimizer = torch.optim.Adam(logits, lr=lr)
        else:
            program = sketch.fill(_argmax(kinds, logits))
            if passes(program, sketch.train):
                return Learned(program, passes(program, sketch.held_out), evaluation - 1)
        memory = start.memory.clone()
        for kind, hole, where in zip(kinds, logits, cells, strict=True):
            mixture = torch.softmax(hole, 0) @ books[kind]
            for b, address in where:
                memory[b, address, 0] = tags[kind]
                memory[b, address, 1] = mixture
        final = machine.run(machine.initial_state(memory), max_reduction)
        loss = _readout_loss(machine, final.memory, groups, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    program = sketch.fill(_argmax(kinds, logits))
    solved = passes(program, sketch.train) and passes(program, sketch.held_out)
    return Learned(program, solved, steps)


def random_search(sketch: Sketch, evaluations: int, seed: int = 0) -> Learned:
    """The baseline: uniformly random fillings, as many as ``evaluations`` machine runs."""
    generator = torch.Generator().manual_seed(seed)
    program = sketch.fill(_first(sketch.holes))
    for evaluation in range(1, evaluations + 1):
        choices = [
            _candidates(kind)[int(torch.randint(len(_candidates(kind)), (1,), generator=generator))]
            for kind in sketch.holes
        ]
        program = sketch.fill(choices)
        if passes(program, sketch.train):
            return Learned(program, passes(program, sketch.held_out), evaluation)
    return Learned(program, False, evaluations)


def _candidates(kind: str) -> tuple:
    return INT_CANDIDATES if kind == "int" else OP_CANDIDATES


def _first(kinds: Sequence[str]) -> list:
    return [_candidates(kind)[0] for kind in kinds]


def _argmax(kinds: Sequence[str], logits: Sequence[torch.Tensor]) -> list:
    return [_candidates(kind)[int(hole.argmax())] for kind, hole in zip(kinds, logits, strict=True)]


def _hole_cells(machine: ReductionMachine, state, name: str) -> list[tuple[int, int]]:
    """(program, address) of every cell holding the free variable ``name``."""
    found = [
        (b, address)
        for b, memory in enumerate(machine.decode(state))
        for address, (tag, value, _) in memory.items()
        if tag == "Free" and value == ("name", name)
    ]
    if not found:
        raise NeurallambdaError(f"hole {name} is not in the compiled programs")
    return found


def _target_index(machine: ReductionMachine, output: int | bool) -> tuple[str, int]:
    if isinstance(output, bool):
        return "bools", int(output)
    return "ints", output - machine.config.int_range[0]


def _readout_loss(machine, memory, groups, targets) -> torch.Tensor:
    """Cross-entropy of each program's result (cell 0), decoded at a soft temperature."""
    losses = []
    for b, (group, index) in enumerate(targets):
        book = getattr(groups, group)
        vector = memory[b, 0, 1]
        cosine = (book @ vector) / vector.norm().clamp_min(1e-12)
        losses.append(-torch.log_softmax(10.0 * cosine, 0)[index])
    return torch.stack(losses).mean()
