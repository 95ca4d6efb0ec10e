"""ARCHITECTURE.md stays honest: every package name it cites in backticks can be imported."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[1] / "ARCHITECTURE.md"
PACKAGES = (
    "symtensor_store",
    "symtensor_autograd",
    "llm_backends",
    "neural_structures",
    "neurallambda",
    "dag_executor",
    "nanogpt_dag",
    "viba_trainer",
    "predictor_trainer",
)
CITED = re.compile(r"`((?:" + "|".join(PACKAGES) + r")(?:\.[A-Za-z_][A-Za-z0-9_]*)+)`")


def cited_names() -> list[str]:
    return sorted(set(CITED.findall(PAGE.read_text(encoding="utf-8"))))


def resolve(dotted: str) -> object:
    """The object a dotted name names: the longest importable module, then attributes."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[split:]:
            found = getattr(found, attribute)
        return found
    raise ModuleNotFoundError(dotted)


def test_the_page_cites_names_from_every_package():
    names = cited_names()
    assert len(names) >= 40
    assert {name.split(".")[0] for name in names} == set(PACKAGES)


@pytest.mark.parametrize("name", cited_names())
def test_every_cited_name_exists(name):
    assert resolve(name) is not None
