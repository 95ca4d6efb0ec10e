"""Learning-rate schedule: linear warmup, cosine decay, floor at min_lr."""

import itertools

import pytest
from predictor_trainer import TrainConfig, learning_rate_at

C = TrainConfig(learning_rate=1e-3, min_lr=1e-4, warmup_iters=10, lr_decay_iters=110)


def test_warmup_rises_linearly_to_the_peak():
    rates = [learning_rate_at(s, C) for s in range(10)]
    assert rates == sorted(rates) and rates[0] < 2e-4
    assert learning_rate_at(10, C) == pytest.approx(1e-3)


def test_cosine_reaches_half_way_at_the_midpoint_and_min_lr_at_the_end():
    assert learning_rate_at(60, C) == pytest.approx((1e-3 + 1e-4) / 2)
    assert learning_rate_at(110, C) == pytest.approx(1e-4)
    assert learning_rate_at(5000, C) == pytest.approx(1e-4)


def test_decay_is_monotone():
    rates = [learning_rate_at(s, C) for s in range(10, 111)]
    assert all(a >= b for a, b in itertools.pairwise(rates))
