"""Workspace-wide pytest configuration: the hypothesis profiles and fixtures every suite shares."""

import os
from collections.abc import Iterator

import pytest
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


@pytest.fixture
def one_torch_thread() -> Iterator[None]:
    """Run a test on one torch thread, restoring the previous count afterwards.

    Tests made of many tiny tensor operations spend more time synchronising torch's intra-op
    thread pool than computing on a shared machine with few cores.
    """
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Close the two os.devnull handles llama_cpp opens at import and never closes.

    Left open, they are finalised at interpreter exit, where `filterwarnings = error` turns their
    ResourceWarning into "Exception ignored" noise after the test summary.
    """
    import sys

    llama_utils = sys.modules.get("llama_cpp._utils")
    for name in ("outnull_file", "errnull_file"):
        handle = getattr(llama_utils, name, None)
        if handle is not None:
            handle.close()


@pytest.fixture(scope="session", autouse=True)
def _hermetic_llm_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Point the LLM response cache at a per-session folder: tests neither read answers cached
    by earlier runs nor leave entries in the user's ~/.cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LLM_CACHE_DIR", str(tmp_path_factory.mktemp("llm-cache")))
        yield
