"""Differentiable data structures as nn.Modules: symbol projection, neural stacks, queues, latches, NAND, addressable memory."""

from neural_structures._strength import StrengthState
from neural_structures.action_profile import action_profile
from neural_structures.atomic_save import atomic_torch_save
from neural_structures.errors import (
    CheckpointError,
    ConfigurationError,
    NeuralStructuresError,
    StateShapeError,
    SymbolEncodingError,
    UnknownSymbolError,
    UnresolvedVectorError,
)
from neural_structures.latch import LatchState, NeuralLatch
from neural_structures.memory import AddressableMemory, MemoryState
from neural_structures.models import (
    LSTMBaseline,
    LSTMConfig,
    MemoryRNN,
    MemoryRNNConfig,
    RNNBaseline,
    StackRNN,
    StackRNNConfig,
    TapeRNN,
    TapeRNNConfig,
)
from neural_structures.nand import NeuralNAND
from neural_structures.queue import NeuralQueue
from neural_structures.stack import NOOP, POP, PUSH, GrefenstetteStack, NeuralStack, StackState
from neural_structures.symbol import SymbolSpace, decode_symbol, encode_symbol, symbol_vector
from neural_structures.tasks import (
    IGNORE,
    TASKS,
    AnBn,
    BalancedBrackets,
    ReverseString,
    StackManipulation,
    TaskBatch,
)

__all__ = [
    "IGNORE",
    "NOOP",
    "POP",
    "PUSH",
    "TASKS",
    "AddressableMemory",
    "AnBn",
    "BalancedBrackets",
    "CheckpointError",
    "ConfigurationError",
    "GrefenstetteStack",
    "LSTMBaseline",
    "LSTMConfig",
    "LatchState",
    "MemoryRNN",
    "MemoryRNNConfig",
    "MemoryState",
    "NeuralLatch",
    "NeuralNAND",
    "NeuralQueue",
    "NeuralStack",
    "NeuralStructuresError",
    "RNNBaseline",
    "ReverseString",
    "StackManipulation",
    "StackRNN",
    "StackRNNConfig",
    "StackState",
    "StateShapeError",
    "StrengthState",
    "SymbolEncodingError",
    "SymbolSpace",
    "TapeRNN",
    "TapeRNNConfig",
    "TaskBatch",
    "UnknownSymbolError",
    "UnresolvedVectorError",
    "action_profile",
    "atomic_torch_save",
    "decode_symbol",
    "encode_symbol",
    "symbol_vector",
]
