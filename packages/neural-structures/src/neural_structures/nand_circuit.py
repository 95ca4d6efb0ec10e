"""NandCircuit: a learnable circuit of NAND gates that fits a boolean function to its truth table
(seed 001's t05).

Wires carry truth values in [0, 1]: the inputs, a constant True, then every gate's output. Each
gate of a layer chooses its two inputs among the wires before it by a softmax over learned
scores and computes ``1 - a * b`` (NAND on truth values, :class:`NeuralNAND`'s rule); the output
chooses one wire the same way. Training anneals the softmax temperature from 1 to 0.05, so the
soft choices harden into the circuit that :meth:`NandCircuit.forward` with ``hard=True`` runs:
a plain NAND circuit, checked exactly against the table.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from neural_structures.errors import ConfigurationError


class NandCircuit(nn.Module):
    """Layers of NAND gates with learnable input choices.

    Args:
        n_inputs: number of boolean inputs.
        layers: gates per layer; depth bounds what the circuit can express (NOT, AND and XOR of
            two inputs need 1, 2 and 3 layers).
    """

    def __init__(self, n_inputs: int, layers: Sequence[int] = (4, 4, 4, 4)) -> None:
        super().__init__()
        if n_inputs < 1 or not layers or min(layers) < 1:
            raise ConfigurationError(
                f"need n_inputs >= 1 and layers >= 1, got {n_inputs}, {layers}"
            )
        self.n_inputs = n_inputs
        self.choices = nn.ParameterList()
        wires = n_inputs + 1  # the inputs and a constant True
        for width in layers:
            self.choices.append(nn.Parameter(0.5 * torch.randn(width, 2, wires)))
            wires += width
        self.output_choice = nn.Parameter(0.5 * torch.randn(wires))

    def forward(self, inputs: Tensor, *, hard: bool = False, temperature: float = 1.0) -> Tensor:
        """Truth values (batch,) of the circuit on ``inputs`` (batch, n_inputs) in [0, 1].

        ``hard=True`` takes each choice's argmax: the discrete circuit."""

        def choose(scores: Tensor) -> Tensor:
            if hard:
                return F.one_hot(scores.argmax(-1), scores.shape[-1]).to(inputs)
            return (scores / temperature).softmax(-1)

        wires = torch.cat([inputs, torch.ones_like(inputs[:, :1])], dim=1)
        for scores in self.choices:
            pair = torch.einsum("bw,gkw->bgk", wires, choose(scores))  # (batch, gates, 2)
            wires = torch.cat([wires, 1 - pair.prod(-1)], dim=1)
        return wires @ choose(self.output_choice)


def truth_table(function: Callable[..., int], n_inputs: int) -> tuple[Tensor, Tensor]:
    """Every input row (2**n, n) and ``function``'s output (2**n,) as 0./1. floats."""
    rows = list(itertools.product((0, 1), repeat=n_inputs))
    outputs = [float(bool(function(*row))) for row in rows]
    return torch.tensor(rows, dtype=torch.float32), torch.tensor(outputs)


def fit_truth_table(
    function: Callable[..., int],
    n_inputs: int,
    layers: Sequence[int] = (4, 4, 4, 4),
    steps: int = 300,
    seed: int = 0,
    restarts: int = 5,
) -> tuple[NandCircuit, bool]:
    """Fit a :class:`NandCircuit` to ``function``'s truth table by gradient descent (Adam,
    binary cross-entropy, annealed temperature), from seeds ``seed, seed + 1, ...`` until one
    circuit's hard form reproduces the table exactly (at most ``restarts`` tries); returns that
    circuit (or the last one) and whether it is exact."""
    inputs, targets = truth_table(function, n_inputs)
    for attempt in range(restarts):
        circuit = _fit(inputs, targets, layers, steps, seed + attempt)
        with torch.no_grad():
            exact = torch.equal(circuit(inputs, hard=True), targets)
        if exact:
            break
    return circuit, exact


def _fit(
    inputs: Tensor, targets: Tensor, layers: Sequence[int], steps: int, seed: int
) -> NandCircuit:
    torch.manual_seed(seed)
    circuit = NandCircuit(inputs.shape[1], layers)
    optimizer = torch.optim.Adam(circuit.parameters(), lr=0.1)
    for step in range(steps):
        temperature = 0.05 ** (step / steps)
        predicted = circuit(inputs, temperature=temperature).clamp(1e-6, 1 - 1e-6)
        loss = F.binary_cross_entropy(predicted, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return circuit
