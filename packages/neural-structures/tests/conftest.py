"""Test settings for neural_structures: many tiny tensor operations, so one torch thread."""

import pytest


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread: None) -> None:
    """Every test here runs on one torch thread (the root conftest's `one_torch_thread`)."""
