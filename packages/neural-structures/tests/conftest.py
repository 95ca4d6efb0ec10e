"""Test settings for neural_structures: run torch on one thread.

These tests make many tiny tensor operations; on a shared machine with few cores, torch's
intra-op thread pool spends more time waiting for its threads than computing. The previous
thread count is restored after each test, so other packages' tests are unaffected.
"""

import pytest
import torch


@pytest.fixture(autouse=True)
def _one_torch_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
