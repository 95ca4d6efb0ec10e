"""Shared fixtures for the neurallambda unit tests: the machine's tensors are small, so one torch thread."""

import pytest


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread: None) -> None:
    """Every test here runs on one torch thread (the root conftest's `one_torch_thread`)."""
