"""Differentiable data structures as nn.Modules: symbol projection, neural stacks, queues, latches, NAND, addressable memory."""
