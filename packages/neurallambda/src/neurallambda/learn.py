"""Learning programs by gradient descent through the machine: fill the holes of a sketch.

A sketch is a program with holes: ``?int`` (an integer constant from ``INT_CANDIDATES``),
``?op`` (one of ``OP_CANDIDATES``) and ``?term{a|b|c}`` (one of several terms, of any shapes).
Each hole holds logits. An ``?int`` or ``?op`` cell in memory holds the softmax mixture of its
candidates' codebook vectors, and the machine reads values linearly
(``MachineConfig.value_decoding="linear"``), so one run carries every example through a
superposition of all the fillings at once: integers flow through arithmetic as distributions,
a comparison gives the probability that it holds. The candidates of ``?term`` holes, which
cannot share a cell, run side by side in the batch, weighted by their softmax. The loss is
the negative log-probability of the training outputs under the holes' distributions, whose
gradient at the uniform start already ranks every filling of a hole by how well it explains
the examples; Adam moves the logits. After each step the most likely program is read off (the
argmax of every hole) and checked on the training examples with the reference interpreter; a
program that passes them is verified on the held-out ones.

Where the relaxation is loose: a value used twice (``(* x x)`` of a superposed ``x``) is
treated as two independent draws. An ``if`` whose condition is uncertain waits until both its
branches are values, then mixes them (see ``neurallambda.redex_rules.if_pattern``), so a branch
that never becomes an integer or a boolean (a function, a list) leaves the program stuck.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from neurallambda.errors import IntegerRangeError, NeurallambdaError
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
    evaluations: int  # candidate programs run on the training examples


def parse_examples(text: str) -> tuple[Example, ...]:
    """Examples written ``"input -> output, ..."``, e.g. ``"1 -> 5, -2 -> 2, 0 -> true"``:
    each input an expression, each output an integer or ``true`` / ``false``.
    NeurallambdaError naming the bad example otherwise."""
    examples = []
    for item in (part.strip() for part in text.split(",")):
        argument, arrow, output = (side.strip() for side in item.partition("->"))
        if not arrow or not argument or not output:
            raise NeurallambdaError(f"example {item!r} is not written 'input -> output'")
        try:
            compile_text(argument)
        except NeurallambdaError as exc:
            raise NeurallambdaError(f"example {item!r}: {exc}") from None
        if output in ("true", "false"):
            examples.append((argument, output == "true"))
        elif re.fullmatch(r"-?\d+", output):
            examples.append((argument, int(output)))
        else:
            raise NeurallambdaError(f"example {item!r}: the output must be an integer or a boolean")
    return tuple(examples)


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


class Superposition:
    """A sketch compiled once for the machine: the training examples of every combination of
    the ``?term`` holes' candidates in one batch, each ``?int`` or ``?op`` hole a free name
    whose cells :meth:`log_likelihood` fills with the mixture of its candidates."""

    def __init__(self, sketch: Sketch, max_reduction: int = 60) -> None:
        self.sketch = sketch
        self.holes = holes = sketch.holes
        if not holes:
            raise NeurallambdaError(f"sketch {sketch.name!r} has no hole")
        self.max_reduction = max_reduction
        self.superposed = [k for k, hole in enumerate(holes) if hole.kind != "term"]
        self.enumerated = [k for k, hole in enumerate(holes) if hole.kind == "term"]
        self.combos = list(
            itertools.product(*(range(len(holes[k].candidates)) for k in self.enumerated))
        )
        named = [f"hole{k}" for k in range(len(holes))]  # free names mark the superposed holes
        first = [hole.candidates[0] for hole in holes]
        cells = max(cells_needed([self._text(c, first)], max_reduction) for c in self.combos)
        self.machine = ReductionMachine(
            MachineConfig(cells=cells + 16, gradient_sharpness=None, value_decoding="linear")
        )
        self.start = self.machine.compile(
            [f"({self._text(c, named)} {x})" for c in self.combos for x, _ in sketch.train]
        )
        self.groups = self.machine.codebook.groups(self.start.memory)
        decoded = self.machine.decode(self.start)
        self.where = {k: _hole_cells(decoded, f"hole{k}") for k in self.superposed}
        lo = self.machine.config.int_range[0]
        self.books = {  # per kind of superposed hole: its tag and its candidates' vectors
            "int": (TAG["Int"], self.groups.ints[[value - lo for value in INT_CANDIDATES]]),
            "op": (TAG["Prim"], self.groups.prims[[PRIM[op] for op in OP_CANDIDATES]]),
        }
        self.targets = [_target_index(self.machine, y) for _, y in sketch.train]

    def _text(self, combo: Sequence[int], others: Sequence[int | str]) -> str:
        choices = list(others)
        for k, choice in zip(self.enumerated, combo, strict=True):
            choices[k] = self.holes[k].candidates[choice]
        return self.sketch.fill(choices)

    @property
    def programs(self) -> int:
        """Candidate programs one machine run evaluates (the enumerated combinations)."""
        return len(self.combos)

    def log_likelihood(self, logits: Sequence[torch.Tensor]) -> torch.Tensor:
        """Mean log-probability of the training outputs when each hole is drawn from the
        softmax of its logits: one machine run over the batch."""
        memory = self.start.memory.clone()
        for k in self.superposed:
            tag, book = self.books[self.holes[k].kind]
            mixture = torch.softmax(logits[k], 0) @ book
            for b, address in self.where[k]:
                memory[b, address, 0] = self.groups.tags[tag]
                memory[b, address, 1] = mixture
        final = self.machine.run(self.machine.initial_state(memory), self.max_reduction)
        result = final.memory[:, 0, 1].reshape(len(self.combos), len(self.targets), -1)
        chance = torch.ones(len(self.combos))
        for j, k in enumerate(self.enumerated):
            probabilities = torch.softmax(logits[k], 0)
            chance = chance * torch.stack([probabilities[combo[j]] for combo in self.combos])
        outputs = []
        for e, (group, index) in enumerate(self.targets):
            given = self.machine.decode_values(result[:, e], getattr(self.groups, group))
            outputs.append((chance * given[:, index]).sum())  # P(output) over the combinations
        return torch.log(torch.stack(outputs).clamp_min(1e-6)).mean()


def learn(
    sketch: Sketch,
    *,
    budget: int = 60,
    lr: float = 0.3,
    seed: int = 0,
    max_reduction: int = 60,
    restart_every: int = 20,
) -> Learned:
    """Fit the holes of ``sketch`` to its training examples by gradient descent (see module).

    ``budget`` counts candidate programs run, as :func:`random_search` does: one optimizer
    step runs every combination of the ``?term`` holes' candidates on the machine (one
    superposed program when there is none) and costs that many. The first start is the uniform distribution over every hole's
    candidates; every ``restart_every`` steps without a solution the logits start again from a
    random draw (gradient descent from several starts, one budget).
    """
    problem = Superposition(sketch, max_reduction)
    holes = problem.holes
    generator = torch.Generator().manual_seed(seed)
    logits = [torch.zeros(len(hole.candidates), requires_grad=True) for hole in holes]
    optimizer = torch.optim.Adam(logits, lr=lr)
    steps = budget // problem.programs
    program = sketch.fill(_argmax(holes, logits))
    for step in range(steps):
        if step and step % restart_every == 0:
            logits = [
                torch.randn(len(hole.candidates), generator=generator).requires_grad_()
                for hole in holes
            ]
            optimizer = torch.optim.Adam(logits, lr=lr)
        loss = -problem.log_likelihood(logits)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        program = sketch.fill(_argmax(holes, logits))
        if passes(program, sketch.train):
            used = (step + 1) * problem.programs
            return Learned(program, passes(program, sketch.held_out), used)
    return Learned(program, False, steps * problem.programs)


def random_search(sketch: Sketch, budget: int, seed: int = 0) -> Learned:
    """The baseline: ``budget`` uniformly random fillings, each a candidate program run."""
    generator = torch.Generator().manual_seed(seed)
    holes = sketch.holes
    program = sketch.fill([hole.candidates[0] for hole in holes])
    for evaluation in range(1, budget + 1):
        choices = [
            hole.candidates[int(torch.randint(len(hole.candidates), (1,), generator=generator))]
            for hole in holes
        ]
        program = sketch.fill(choices)
        if passes(program, sketch.train):
            return Learned(program, passes(program, sketch.held_out), evaluation)
    return Learned(program, False, budget)


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
    lo, hi = machine.config.int_range
    if not lo <= output <= hi:
        raise IntegerRangeError(
            f"example output {output} is outside the machine's range {lo}..{hi}"
        )
    return "ints", output - lo
