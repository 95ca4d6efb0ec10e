"""Exact arithmetic expression IR, fixed-size DAG tensors and a differentiable float64 executor."""
