"""Learning programs by gradient descent through the machine: fill the holes of a sketch.

A sketch is a program with holes: ``?int`` (an integer constant from ``INT_CANDIDATES``),
``?op`` (one of ``OP_CANDIDATES``) and ``?term{a|b|c}`` (one of several terms, of any shapes).
Each hole holds logits. An ``?int`` or ``?op`` cell in memory holds the softmax mixture of its
candidates' codebook vectors, so the machine runs every example on a superposition of programs
at once (integers flow through arithmetic as distributions); the candidates of ``?term`` holes,
which cannot share a cell, run side by side in the batch, weighted by their softmax. The loss
is the cross-entropy of each example's decoded result against its expected output; Adam moves
the logits. After each step the most likely program is read off (the argmax of every hole) and
checked on the training examples with the reference interpreter; a program that passes them is
verified on the held-out ones.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from neurallambda.errors import NeurallambdaError
from neurallambda.machine import MachineConfig, ReductionMachine, cells_needed
from neurallambda.memory import AddressMemory
from neurallambda.redex_rules import PRIM, TAG
from neurallambda.reference import normalize
from neurallambda.terms import Bool, Int, compile_text

INT_CANDIDATES = tuple(range(-9, 10))
OP_CANDIDATES = ("+", "-", "*")
_HOLE = re.compile(r"\?(int|op)\b|\?term\{([^}]*)\}")

Example = tuple[str, int | bool]  # (input expression, expected output)


@dataclass(frozen=True)
class Hole:
    """One hole of a sketch: ``int`` and ``op`` holes are superposed in their memory cell,
    a ``term`` hole (candidates of any shapes) is enumerated in the batch."""

    kind: str
    candidates: tuple[int | str, ...]


@dataclass(frozen=True)
class Sketch:
    """A function with holes, e.g. ``(fn [x] (+ (* x ?int) ?int))``, and its examples.

    Holes: ``?int`` (an integer from ``INT_CANDIDATES``), ``?op`` (one of ``OP_CANDIDATES``),
    ``?term{a|b|c}`` (one of the listed terms, which may differ in shape).
    """

    name: str
    text: str
    train: tuple[Example, ...]
    held_out: tuple[Example, ...]

    @property
    def holes(self) -> list[Hole]:
        """Every hole, in order of appearance."""
        holes = []
        for match in _HOLE.finditer(self.text):
            if match.group(1) == "int":
                holes.append(Hole("int", INT_CANDIDATES))
            elif match.group(1) == "op":
                holes.append(Hole("op", OP_CANDIDATES))
            else:
                holes.append(Hole("term", tuple(t.strip() for t in match.group(2).split("|"))))
        return holes

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


def reference_output(program: str, argument: str) -> int | bool | None:
    """What the reference interpreter makes of ``(program argument)``: an integer or a boolean
    (a bool is never taken for an int), else None."""
    try:
        term = normalize(compile_text(f"({program} {argument})"), 200).term
    except NeurallambdaError:
        return None
    return term.value if isinstance(term, (Int, Bool)) else None


def passes(program: str, examples: Sequence[Example]) -> bool:
    """Whether the reference interpreter maps every example input to its output (of its type)."""
    return all(
        type(got := reference_output(program, x)) is type(y) and got == y for x, y in examples
    )


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
    100, so that a superposed hole still decodes as a distribution. Every combination of
    ``?term`` candidates runs in the batch; the loss is their expected loss under the terms'
    softmax, so the choice between differently shaped terms gets a gradient too.
    """
    holes = sketch.holes
    if not holes:
        raise NeurallambdaError(f"sketch {sketch.name!r} has no hole")
    superposed = [k for k, hole in enumerate(holes) if hole.kind != "term"]
    terms = [k for k, hole in enumerate(holes) if hole.kind == "term"]
    combos = list(itertools.product(*(range(len(holes[k].candidates)) for k in terms)))

    def text(combo: Sequence[int], others: Sequence[str]) -> str:
        choices: list[int | str] = list(others)
        for k, choice in zip(terms, combo, strict=True):
            choices[k] = holes[k].candidates[choice]
        return sketch.fill(choices)

    named = [f"hole{k}" for k in range(len(holes))]  # free names mark the superposed holes
    programs = [f"({text(combo, named)} {x})" for combo in combos for x, _ in sketch.train]
    first = [hole.candidates[0] for hole in holes]
    cells = max(cells_needed([text(combo, first)], max_reduction) for combo in combos)
    machine = ReductionMachine(MachineConfig(cells=cells + 16, sharpness=sharpness))
    start = machine.compile(programs)
    groups = machine.codebook.groups(start.memory)
    decoded = machine.decode(start)
    where = {k: _hole_cells(decoded, f"hole{k}") for k in superposed}
    lo = machine.config.int_range[0]
    books = {
        "int": groups.ints[[value - lo for value in INT_CANDIDATES]],
        "op": groups.prims[[PRIM[op] for op in OP_CANDIDATES]],
    }
    tags = {"int": groups.tags[TAG["Int"]], "op": groups.tags[TAG["Prim"]]}
    generator = torch.Generator().manual_seed(seed)
    targets = [_target_index(machine, y) for _, y in sketch.train] * len(combos)
    logits: list[torch.Tensor] = []
    optimizer = None
    for evaluation in range(1, steps + 1):
        if (evaluation - 1) % restart_every == 0:
            logits = [
                torch.randn(len(hole.candidates), generator=generator).requires_grad_()
                for hole in holes
            ]
            optimizer = torch.optim.Adam(logits, lr=lr)
        else:
            program = sketch.fill(_argmax(holes, logits))
            if passes(program, sketch.train):
                return Learned(program, passes(program, sketch.held_out), evaluation - 1)
        memory = start.memory.clone()
        for k in superposed:
            mixture = torch.softmax(logits[k], 0) @ books[holes[k].kind]
            for b, address in where[k]:
                memory[b, address, 0] = tags[holes[k].kind]
                memory[b, address, 1] = mixture
        final = machine.run(machine.initial_state(memory), max_reduction)
        losses = _readout_losses(final.memory, groups, targets).reshape(len(combos), -1)
        chance = torch.ones(len(combos))
        for j, k in enumerate(terms):
            probabilities = torch.softmax(logits[k], 0)
            chance = chance * torch.stack([probabilities[combo[j]] for combo in combos])
        loss = (chance * losses.mean(1)).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    program = sketch.fill(_argmax(holes, logits))
    solved = passes(program, sketch.train) and passes(program, sketch.held_out)
    return Learned(program, solved, steps)


def random_search(sketch: Sketch, evaluations: int, seed: int = 0) -> Learned:
    """The baseline: uniformly random fillings, as many as ``evaluations`` machine runs."""
    generator = torch.Generator().manual_seed(seed)
    holes = sketch.holes
    program = sketch.fill([hole.candidates[0] for hole in holes])
    for evaluation in range(1, evaluations + 1):
        choices = [
            hole.candidates[int(torch.randint(len(hole.candidates), (1,), generator=generator))]
            for hole in holes
        ]
        program = sketch.fill(choices)
        if passes(program, sketch.train):
            return Learned(program, passes(program, sketch.held_out), evaluation)
    return Learned(program, False, evaluations)


def _argmax(holes: Sequence[Hole], logits: Sequence[torch.Tensor]) -> list:
    return [
        hole.candidates[int(weights.argmax())] for hole, weights in zip(holes, logits, strict=True)
    ]


def _hole_cells(memories: Sequence[AddressMemory], name: str) -> list[tuple[int, int]]:
    """(program, address) of every cell holding the free variable ``name``."""
    found = [
        (b, address)
        for b, memory in enumerate(memories)
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


def _readout_losses(memory, groups, targets) -> torch.Tensor:
    """Cross-entropy (B,) of each program's result (cell 0), decoded at a soft temperature."""
    losses = []
    for b, (group, index) in enumerate(targets):
        book = getattr(groups, group)
        vector = memory[b, 0, 1]
        cosine = (book @ vector) / vector.norm().clamp_min(1e-12)
        losses.append(-torch.log_softmax(10.0 * cosine, 0)[index])
    return torch.stack(losses)
