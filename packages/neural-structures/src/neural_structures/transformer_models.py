"""A small causal transformer for the tasks, with or without a stack side chain (seed 001's t07).

The transformer reads the whole sequence at once (causal self-attention, sinusoidal positions,
so any length can be fed). With ``stack=True`` its hidden state at each step also drives a
:class:`NeuralStack` (push / pop / no-op softmax and a value to push), and the output at step t
reads the stack's top rows as they were before step t's action. The stack is a side chain: the
transformer's hidden states do not depend on it, so the stack must carry what attention cannot
(the paper finds transformers fail to extrapolate to longer inputs on most tasks).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from neural_structures.errors import ConfigurationError
from neural_structures.stack import NeuralStack


@dataclass(frozen=True)
class TransformerConfig:
    """Sizes of a :class:`TransformerController`."""

    n_inputs: int
    n_outputs: int
    d_model: int = 64
    n_heads: int = 4
    n_layers: int = 2
    stack: bool = False
    cell_size: int = 8
    read_depth: int = 2


def sinusoidal_positions(steps: int, width: int) -> Tensor:
    """(steps, width) sine/cosine position encodings of Vaswani et al. (any length)."""
    position = torch.arange(steps, dtype=torch.float32)[:, None]
    frequency = torch.exp(torch.arange(0, width, 2, dtype=torch.float32) * (-math.log(1e4) / width))
    encoding = torch.zeros(steps, width)
    encoding[:, 0::2] = torch.sin(position * frequency)
    encoding[:, 1::2] = torch.cos(position * frequency[: width // 2])
    return encoding


class TransformerController(nn.Module):
    """Causal transformer encoder -> logits (batch, steps, n_outputs); optional stack side chain."""

    def __init__(self, config: TransformerConfig) -> None:
        super().__init__()
        c = config
        if c.d_model % c.n_heads or c.d_model % 2:
            raise ConfigurationError(
                f"d_model ({c.d_model}) must be even and divisible by n_heads ({c.n_heads})"
            )
        self.config = config
        self.embed = nn.Embedding(c.n_inputs, c.d_model)
        layer = nn.TransformerEncoderLayer(
            c.d_model, c.n_heads, 4 * c.d_model, dropout=0.0, batch_first=True, norm_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, c.n_layers, enable_nested_tensor=False)
        read = c.read_depth * c.cell_size if c.stack else 0
        self.to_output = nn.Linear(c.d_model + read, c.n_outputs)
        if c.stack:
            self.to_actions = nn.Linear(c.d_model, 3)
            self.to_value = nn.Linear(c.d_model, c.cell_size)
            self.stack = NeuralStack(c.cell_size, depth=64)

    def forward(
        self, inputs: Tensor, depth: int | None = None, hard_actions: bool = False
    ) -> Tensor:
        """Logits (batch, steps, n_outputs) for inputs (batch, steps).

        ``depth`` is the stack depth of this call (default: one row per step);
        ``hard_actions`` takes the argmax stack action (a discrete stack).
        """
        batch, steps = inputs.shape
        x = self.embed(inputs) * math.sqrt(self.config.d_model)
        x = x + sinusoidal_positions(steps, self.config.d_model).to(x)
        mask = nn.Transformer.generate_square_subsequent_mask(steps, device=inputs.device)
        hidden = self.encoder(x, mask=mask, is_causal=True)  # (B, T, D)
        if not self.config.stack:
            return self.to_output(hidden)
        state = self.stack.init_state(batch, depth or steps + 1, device=x.device, dtype=x.dtype)
        actions = F.softmax(self.to_actions(hidden), dim=-1)  # (B, T, 3)
        if hard_actions:
            actions = F.one_hot(actions.argmax(-1), 3).to(actions)
        values = torch.tanh(self.to_value(hidden))  # (B, T, C)
        outputs = []
        for t in range(steps):
            top = self.stack.peek(state, self.config.read_depth).flatten(1)  # (B, k*C)
            outputs.append(self.to_output(torch.cat([hidden[:, t], top], dim=1)))
            state, _ = self.stack(state, actions[:, t], values[:, t])
        return torch.stack(outputs, dim=1)  # (B, T, O)
