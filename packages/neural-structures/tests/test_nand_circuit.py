"""A learnable NAND circuit fits boolean functions to their truth tables (seed 001's t05)."""

import itertools

import pytest
import torch
from neural_structures.nand_circuit import NandCircuit, fit_truth_table, truth_table

TWO_INPUT_FUNCTIONS = list(itertools.product((0, 1), repeat=4))  # outputs for 00, 01, 10, 11


@pytest.mark.parametrize("outputs", TWO_INPUT_FUNCTIONS, ids=lambda o: "".join(map(str, o)))
def test_every_two_input_function_is_learned_exactly(outputs):
    """All 16, XOR and XNOR included (three NAND layers deep), within 5 restarts."""
    circuit, exact = fit_truth_table(lambda a, b: outputs[2 * a + b], 2)
    assert exact
    inputs, targets = truth_table(lambda a, b: outputs[2 * a + b], 2)
    assert torch.equal(circuit(inputs, hard=True), targets)


def test_the_hard_circuit_is_nand_gates_on_the_chosen_wires():
    circuit = NandCircuit(2, layers=(1,))
    with torch.no_grad():
        circuit.choices[0].zero_()
        circuit.choices[0][0, 0, 0] = circuit.choices[0][0, 1, 1] = 10.0  # NAND(x0, x1)
        circuit.output_choice.zero_()
        circuit.output_choice[3] = 10.0  # the gate's wire (after x0, x1, True)
    inputs, _ = truth_table(lambda a, b: 0, 2)
    assert circuit(inputs, hard=True).tolist() == [1.0, 1.0, 1.0, 0.0]


def test_a_circuit_too_shallow_for_xor_is_reported_as_not_exact():
    """XOR needs three NAND layers: with one, the fit cannot be exact, and says so."""
    _, exact = fit_truth_table(lambda a, b: a ^ b, 2, layers=(4,))
    assert not exact
