"""Gradients with signal through every reduction rule, and agreement with finite differences.

A readout loss on the result (squared distance of its decoded weights to a *wrong* target) must
send a gradient of norm > 1e-3 back to the input cells the result depends on, at the default
configuration, for every rule kind. The relaxation keeps the machine exact: the forward values
are those of today's machine (the reference comparisons elsewhere still pass).
"""

from __future__ import annotations

import pytest
import torch
from neurallambda import MachineConfig, ReductionMachine

THRESHOLD = 1e-3

# rule, program, (address, group) of the readout, wrong target index in the group,
# the literals (tag, value) whose cells the result depends on
CASES = [
    ("beta", "((fn [x] x) 7)", (0, "ints"), 0, [("Int", 7)]),
    ("+", "(+ 3 4)", (0, "ints"), 0, [("Int", 3), ("Int", 4)]),
    ("-", "(- 9 4)", (0, "ints"), 0, [("Int", 9), ("Int", 4)]),
    ("*", "(* 3 4)", (0, "ints"), 0, [("Int", 3), ("Int", 4)]),
    ("<", "(< 3 4)", (0, "bools"), 0, [("Int", 3), ("Int", 4)]),
    ("=", "(= 5 5)", (0, "bools"), 0, [("Int", 5)]),
    ("if", "(if true 1 2)", (0, "ints"), 0, [("Bool", True)]),
    ("not", "(not true)", (0, "bools"), 1, [("Bool", True)]),
    ("cons", "(car (cons 8 '()))", (0, "ints"), 0, [("Int", 8)]),
    ("car", "(car '(5 6))", (0, "ints"), 0, [("Int", 5)]),
    ("cdr", "(car (cdr '(5 6)))", (0, "ints"), 0, [("Int", 6)]),
]


def addresses_of(machine, state, literals):
    memory = machine.decode(state)[0]
    kinds = {"Int": "int", "Bool": "bool"}
    found = [
        address
        for address, (tag, value, _) in memory.items()
        if tag in kinds and (tag, value[1]) in literals and value[0] == kinds[tag]
    ]
    assert found, f"no cell holds {literals}: {memory}"
    return found


def readout_gradient(program, readout, wrong, literals, config=None, steps=10):
    machine = ReductionMachine(config or MachineConfig(cells=16, vec_size=256))
    start = machine.compile([program])
    memory = start.memory.clone().requires_grad_()
    final = machine.run(machine.initial_state(memory), steps)
    assert machine.read_back(final)[0].ok
    address, group = readout
    book = getattr(machine.codebook.groups(final.memory), group)
    weights = machine._weights(final.memory[:, address, 1], book)
    target = torch.nn.functional.one_hot(torch.tensor([wrong]), book.shape[0]).to(weights.dtype)
    ((weights - target) ** 2).sum().backward()
    cells = addresses_of(machine, start, literals)
    return memory.grad[0, cells].norm().item()


@pytest.mark.parametrize(
    ("rule", "program", "readout", "wrong", "literals"), CASES, ids=[c[0] for c in CASES]
)
def test_every_rule_carries_a_gradient_at_the_default_configuration(
    rule, program, readout, wrong, literals
):
    norm = readout_gradient(program, readout, wrong, literals)
    assert norm > THRESHOLD, f"{rule}: gradient norm {norm:.2e} on its input cells"


def test_without_the_relaxation_arithmetic_gets_no_usable_gradient():
    """The saturated decoding of the plain machine is why the relaxation exists."""
    plain = MachineConfig(cells=16, vec_size=256, gradient_sharpness=None)
    norm = readout_gradient("(+ 3 4)", (0, "ints"), 0, [("Int", 3), ("Int", 4)], plain)
    assert norm < 1e-6


def test_gradients_agree_with_finite_differences_on_the_relaxed_machine():
    """A soft machine (low sharpness, no straight-through) is smooth in its operands: gradcheck
    in float64 of one ``+`` step with respect to the two integer cells' vectors."""
    config = MachineConfig(
        cells=8, vec_size=96, int_range=(-4, 4), sharpness=4.0, gradient_sharpness=None
    )
    machine = ReductionMachine(config)
    start = machine.compile(["(+ 1 2)"], dtype=torch.float64)  # cells 3 and 4 hold 1 and 2
    probe = torch.randn(96, dtype=torch.float64, generator=torch.Generator().manual_seed(0))

    def one_step(one, two):
        memory = start.memory.clone()
        memory[0, 3, 1], memory[0, 4, 1] = one, two
        return (machine.step(machine.initial_state(memory)).memory[:, 0, 1] @ probe).sum()

    operands = [start.memory[0, k, 1].clone().requires_grad_() for k in (3, 4)]
    assert torch.autograd.gradcheck(one_step, operands, eps=1e-6, atol=1e-5, rtol=1e-3)
