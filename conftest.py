"""Workspace-wide pytest configuration: the hypothesis profiles every suite shares."""

import os

from hypothesis import HealthCheck, settings

# `ci` is bounded and derandomized so that the suite is fast and gives the same verdict on every
# run; `dev` explores more. Property tests that need a specific count set it with @settings.
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
