"""Sequence models for the tasks: a Stack-RNN (controller + NeuralStack), controllers of the
strength memories (Grefenstette stack, NeuralQueue), a tape RNN (AddressableMemory read and
written under a moving head), and LSTM and plain-RNN baselines.

All map inputs (batch, steps) of token ids to logits (batch, steps, n_outputs), one prediction
per step, so they train on the same :class:`~neural_structures.tasks.TaskBatch`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from neural_structures._strength import StrengthMemory
from neural_structures.errors import ConfigurationError
from neural_structures.latch import NeuralLatch
from neural_structures.memory import AddressableMemory
from neural_structures.queue import NeuralQueue
from neural_structures.stack import GrefenstetteStack, NeuralStack

VALUE_CODES = ("tanh", "softmax")  # how a StackRNN codes the value it pushes
# the recurrent cell that drives a StackRNN's stack, by the name StackRNNConfig.controller takes
_CONTROLLER_CELLS: dict[str, type[nn.RNNCellBase]] = {"gru": nn.GRUCell, "lstm": nn.LSTMCell}
CONTROLLERS = tuple(_CONTROLLER_CELLS)


@dataclass(frozen=True)
class StackRNNConfig:
    """Sizes of a :class:`StackRNN`."""

    n_inputs: int
    n_outputs: int
    hidden_size: int = 32
    cell_size: int = 8
    read_depth: int = 2  # how many top rows the controller sees
    stack_depth: int = 64  # default, overridable per call
    # How the pushed value is coded: "tanh" (Joulin-Mikolov) or "softmax", a near one-hot code
    # over the cell (passed through tanh too, so both live in [-1, 1]). A near-discrete code
    # survives many pushes better: on modular_arithmetic_brackets it raised the test accuracy.
    value_code: str = "tanh"
    # The controller's recurrent cell: "gru" (this model's first controller) or "lstm".
    controller: str = "gru"

    def __post_init__(self) -> None:
        choices = [
            ("value_code", self.value_code, VALUE_CODES),
            ("controller", self.controller, CONTROLLERS),
        ]
        for name, value, allowed in choices:
            if value not in allowed:
                raise ConfigurationError(
                    f"{name} must be one of {', '.join(allowed)}, got {value!r}"
                )


class StackRNN(nn.Module):
    """Joulin-Mikolov Stack-RNN: a GRU (or LSTM) controller that drives a :class:`NeuralStack`.

    At each step the controller reads the input token and the top ``read_depth`` rows of the
    stack, then emits the output logits, a softmax over push / pop / no-op and the value to
    push (tanh, or tanh of a softmax: ``StackRNNConfig.value_code``). The stack depth is chosen
    per call, so a model trained on short sequences can run on long ones.
    """

    def __init__(self, config: StackRNNConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        self.embed = nn.Embedding(c.n_inputs, c.hidden_size)
        cell = _CONTROLLER_CELLS[c.controller]
        self.controller = cell(c.hidden_size + c.read_depth * c.cell_size, c.hidden_size)
        self.to_actions = nn.Linear(c.hidden_size, 3)
        self.to_value = nn.Linear(c.hidden_size, c.cell_size)
        self.to_output = nn.Linear(c.hidden_size, c.n_outputs)
        self.stack = NeuralStack(c.cell_size, depth=c.stack_depth)

    def forward(
        self, inputs: Tensor, depth: int | None = None, hard_actions: bool = False
    ) -> Tensor:
        """Logits (batch, steps, n_outputs) for inputs (batch, steps).

        Args:
            inputs: token ids.
            depth: stack depth for this call (default: the config's ``stack_depth``).
            hard_actions: replace the action softmax by its argmax (one-hot), i.e. run the
                stack as an exact discrete stack; useful at test time on long sequences.
        """
        return self.forward_with_actions(inputs, depth, hard_actions)[0]

    def forward_with_actions(
        self, inputs: Tensor, depth: int | None = None, hard_actions: bool = False
    ) -> tuple[Tensor, Tensor]:
        """The logits of :meth:`forward` and the stack actions the controller took: (batch,
        steps, 3) probabilities of push, pop, no-op (columns ``PUSH``, ``POP``, ``NOOP``),
        one-hot under ``hard_actions``."""
        batch, steps = inputs.shape
        embedded = self.embed(inputs)  # (B, T, H)
        # At most one push a step: rows below ``steps`` would stay empty, so leave them out
        # (but keep the ``read_depth`` rows the controller reads).
        depth = self.config.stack_depth if depth is None else depth
        depth = min(depth, max(steps, self.config.read_depth))
        state = self.stack.init_state(batch, depth, device=inputs.device, dtype=embedded.dtype)
        hidden = embedded.new_zeros(batch, self.config.hidden_size)
        memory_cell = hidden  # the LSTM's cell state; a GRU has none
        outputs, taken = [], []
        for t in range(steps):
            top = self.stack.peek(state, self.config.read_depth).flatten(1)  # (B, k*C)
            controller_input = torch.cat([embedded[:, t], top], dim=1)
            if self.config.controller == "lstm":
                hidden, memory_cell = self.controller(controller_input, (hidden, memory_cell))
            else:
                hidden = self.controller(controller_input, hidden)
            actions = F.softmax(self.to_actions(hidden), dim=-1)  # (B, 3)
            if hard_actions:
                actions = F.one_hot(actions.argmax(-1), 3).to(actions)
            state, _ = self.stack(state, actions, self._pushed_value(hidden))
            outputs.append(self.to_output(hidden))
            taken.append(actions)
        return torch.stack(outputs, dim=1), torch.stack(taken, dim=1)  # (B, T, O), (B, T, 3)

    def _pushed_value(self, hidden: Tensor) -> Tensor:
        value = self.to_value(hidden)
        if self.config.value_code == "softmax":
            value = F.softmax(value, dim=-1)
        return torch.tanh(value)


@dataclass(frozen=True)
class LSTMConfig:
    """Sizes of an :class:`LSTMBaseline` (or an :class:`RNNBaseline`)."""

    n_inputs: int
    n_outputs: int
    hidden_size: int = 256


class LSTMBaseline(nn.Module):
    """A one-layer LSTM with a linear read-out: the no-external-memory baseline."""

    recurrent_layer: ClassVar[type[nn.RNNBase]] = nn.LSTM

    def __init__(self, config: LSTMConfig) -> None:
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(config.n_inputs, config.hidden_size)
        self.recurrent = self.recurrent_layer(
            config.hidden_size, config.hidden_size, batch_first=True
        )
        self.to_output = nn.Linear(config.hidden_size, config.n_outputs)

    def forward(
        self, inputs: Tensor, depth: int | None = None, hard_actions: bool = False
    ) -> Tensor:
        """Logits (batch, steps, n_outputs); ``depth`` and ``hard_actions`` are ignored."""
        hidden, _ = self.recurrent(self.embed(inputs))  # (B, T, H)
        return self.to_output(hidden)


@dataclass(frozen=True)
class MemoryRNNConfig:
    """Sizes of a :class:`MemoryRNN`; ``memory`` is ``"queue"`` or ``"stack"``."""

    n_inputs: int
    n_outputs: int
    memory: str = "queue"
    hidden_size: int = 32
    cell_size: int = 8


class MemoryRNN(nn.Module):
    """A GRU controller driving a strength memory (Grefenstette et al. 2015): a
    :class:`NeuralQueue` (``memory="queue"``) or a :class:`GrefenstetteStack` (``"stack"``).

    At each step the controller reads the input token and the memory's last read, then emits
    the output logits, a pop strength and a push strength (sigmoids) and the value to push
    (tanh). The capacity is the number of steps of the call, so lengths are not bounded.
    """

    MEMORIES: ClassVar[dict[str, type[StrengthMemory]]] = {
        "queue": NeuralQueue,
        "stack": GrefenstetteStack,
    }

    def __init__(self, config: MemoryRNNConfig) -> None:
        super().__init__()
        if config.memory not in self.MEMORIES:
            raise ValueError(
                f"memory must be one of {sorted(self.MEMORIES)}, got {config.memory!r}"
            )
        self.config = config
        c = config
        self.embed = nn.Embedding(c.n_inputs, c.hidden_size)
        self.controller = nn.GRUCell(c.hidden_size + c.cell_size, c.hidden_size)
        self.to_controls = nn.Linear(c.hidden_size, 2)  # pop, push
        self.to_value = nn.Linear(c.hidden_size, c.cell_size)
        self.to_output = nn.Linear(c.hidden_size, c.n_outputs)
        self.memory = self.MEMORIES[c.memory](c.cell_size)

    def forward(
        self, inputs: Tensor, depth: int | None = None, hard_actions: bool = False
    ) -> Tensor:
        """Logits (batch, steps, n_outputs) for inputs (batch, steps).

        ``depth`` is ignored (the capacity follows the input); ``hard_actions`` rounds the
        push and pop strengths to 0 or 1, an exact discrete queue or stack.
        """
        batch, steps = inputs.shape
        embedded = self.embed(inputs)  # (B, T, H)
        state = self.memory.init_state(batch, steps, device=inputs.device, dtype=embedded.dtype)
        hidden = embedded.new_zeros(batch, self.config.hidden_size)
        read = embedded.new_zeros(batch, self.config.cell_size)
        outputs = []
        for t in range(steps):
            hidden = self.controller(torch.cat([embedded[:, t], read], dim=1), hidden)
            pop, push = torch.sigmoid(self.to_controls(hidden)).unbind(-1)
            if hard_actions:
                pop, push = pop.round(), push.round()
            state, read = self.memory(state, push, pop, torch.tanh(self.to_value(hidden)))
            outputs.append(self.to_output(hidden))
        return torch.stack(outputs, dim=1)  # (B, T, O)


@dataclass(frozen=True)
class LatchRNNConfig:
    """Sizes of a :class:`LatchRNN`."""

    n_inputs: int
    n_outputs: int
    hidden_size: int = 32
    cell_size: int = 8


class LatchRNN(nn.Module):
    """A GRU controller with a :class:`NeuralLatch` (seed 001's t01): each step it reads the
    input and the held value, emits a store strength (sigmoid) and a value (tanh), and outputs
    from its state and the value the latch holds after the step."""

    def __init__(self, config: LatchRNNConfig) -> None:
        super().__init__()
        self.config = c = config
        self.embed = nn.Embedding(c.n_inputs, c.hidden_size)
        self.controller = nn.GRUCell(c.hidden_size + c.cell_size, c.hidden_size)
        self.to_store = nn.Linear(c.hidden_size, c.cell_size + 1)  # value, enable
        self.to_output = nn.Linear(c.hidden_size + c.cell_size, c.n_outputs)
        self.latch = NeuralLatch(c.cell_size)

    def forward(
        self, inputs: Tensor, depth: int | None = None, hard_actions: bool = False
    ) -> Tensor:
        """Logits (batch, steps, n_outputs); ``hard_actions`` rounds the store strength."""
        batch, steps = inputs.shape
        embedded = self.embed(inputs)  # (B, T, H)
        state = self.latch.init_state(batch, device=inputs.device, dtype=embedded.dtype)
        hidden = embedded.new_zeros(batch, self.config.hidden_size)
        held = state.value
        outputs = []
        for t in range(steps):
            hidden = self.controller(torch.cat([embedded[:, t], held], dim=1), hidden)
            store = self.to_store(hidden)
            enable = torch.sigmoid(store[:, -1])
            if hard_actions:
                enable = enable.round()
            state, held = self.latch(state, enable, torch.tanh(store[:, :-1]))
            outputs.append(self.to_output(torch.cat([hidden, held], dim=1)))
        return torch.stack(outputs, dim=1)  # (B, T, O)


TAPE_MOVES = ("stay", "left", "right", "home")
"""The tape head's moves, in the order of the controller's move scores."""


def move_head(head: Tensor, moves: Tensor) -> Tensor:
    """The head's slot weights (batch, n_slots) after ``moves`` (batch, 4) (probabilities of
    TAPE_MOVES): a blend of the head kept, shifted one slot left or right (the tape is a ring),
    and put back on slot 0. One-hot moves on a one-hot head give a one-hot head."""
    home = torch.zeros_like(head)
    home[:, 0] = 1.0
    shifted = (head, head.roll(-1, dims=1), head.roll(1, dims=1), home)
    return sum(moves[:, i, None] * option for i, option in enumerate(shifted))


@dataclass(frozen=True)
class TapeRNNConfig:
    """Sizes of a :class:`TapeRNN`; ``n_slots`` bounds the steps of a call."""

    n_inputs: int
    n_outputs: int
    hidden_size: int = 32
    cell_size: int = 8
    n_slots: int = 512


class TapeRNN(nn.Module):
    """A GRU controller with an :class:`AddressableMemory` used as a tape (Deletang et al.'s
    Tape-RNN, with "home" in place of their length-sized jumps).

    Each step: the controller reads the input and the last read; it moves the head (TAPE_MOVES,
    softmax), reads the cell under it, emits the output from its state and that read, then
    overwrites the cell with a value (tanh) by a strength (sigmoid). A cell never written reads
    as zeros, so the controller can see where the written part of the tape ends.
    """

    def __init__(self, config: TapeRNNConfig) -> None:
        super().__init__()
        self.config = c = config
        self.embed = nn.Embedding(c.n_inputs, c.hidden_size)
        self.controller = nn.GRUCell(c.hidden_size + c.cell_size, c.hidden_size)
        self.to_moves = nn.Linear(c.hidden_size, len(TAPE_MOVES))
        self.to_write = nn.Linear(c.hidden_size, c.cell_size + 1)  # value, strength
        self.to_output = nn.Linear(c.hidden_size + c.cell_size, c.n_outputs)
        self.tape = AddressableMemory(c.n_slots, 1, c.cell_size)  # addressed by the head only

    def forward(
        self, inputs: Tensor, depth: int | None = None, hard_actions: bool = False
    ) -> Tensor:
        """Logits (batch, steps, n_outputs) for inputs (batch, steps).

        ``depth`` is ignored; ``hard_actions`` takes the most likely move and rounds the write
        strength, a discrete tape.
        """
        batch, steps = inputs.shape
        if steps >= self.config.n_slots:
            raise ConfigurationError(
                f"a TapeRNN with n_slots={self.config.n_slots} reads at most "
                f"{self.config.n_slots - 1} steps, got {steps}"
            )
        embedded = self.embed(inputs)  # (B, T, H)
        state = self.tape.init_state(batch, device=inputs.device, dtype=embedded.dtype)
        head = embedded.new_zeros(batch, self.config.n_slots)
        head[:, 0] = 1.0
        hidden = embedded.new_zeros(batch, self.config.hidden_size)
        read = embedded.new_zeros(batch, self.config.cell_size)
        outputs = []
        for t in range(steps):
            hidden = self.controller(torch.cat([embedded[:, t], read], dim=1), hidden)
            moves = F.softmax(self.to_moves(hidden), dim=-1)
            if hard_actions:
                moves = F.one_hot(moves.argmax(-1), len(TAPE_MOVES)).to(moves.dtype)
            head = move_head(head, moves)
            read = self.tape.read_at(state, head)
            outputs.append(self.to_output(torch.cat([hidden, read], dim=1)))
            write = self.to_write(hidden)
            strength = torch.sigmoid(write[:, -1])
            if hard_actions:
                strength = strength.round()
            state = self.tape.write_at(state, head, torch.tanh(write[:, :-1]), strength)
        return torch.stack(outputs, dim=1)  # (B, T, O)


class RNNBaseline(LSTMBaseline):
    """The LSTM baseline with a one-layer Elman RNN (tanh) in its place: the paper's weakest
    controller. Sized by an :class:`LSTMConfig`."""

    recurrent_layer = nn.RNN
