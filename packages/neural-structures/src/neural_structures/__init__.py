"""Differentiable data structures as nn.Modules: symbol projection, neural stacks, queues, latches, NAND, addressable memory."""

from neural_structures.errors import (
    CheckpointError,
    ConfigurationError,
    NeuralStructuresError,
    StateShapeError,
    SymbolEncodingError,
    UnknownSymbolError,
    UnresolvedVectorError,
)
from neural_structures.symbol import SymbolSpace, decode_symbol, encode_symbol, symbol_vector

__all__ = [
    "CheckpointError",
    "ConfigurationError",
    "NeuralStructuresError",
    "StateShapeError",
    "SymbolEncodingError",
    "SymbolSpace",
    "UnknownSymbolError",
    "UnresolvedVectorError",
    "decode_symbol",
    "encode_symbol",
    "symbol_vector",
]
