"""Every workspace member imports, and the dependency direction of SPEC section 0 holds."""

import importlib
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MEMBERS = sorted(
    p.parent for p in ROOT.glob("*/*/pyproject.toml") if p.parts[-3] in ("packages", "apps")
)

# What each member may depend on inside the workspace (SPEC section 0: nothing upward, no cycles).
ALLOWED = {
    "symtensor-store": set(),
    "llm-backends": set(),
    "symtensor-autograd": {"symtensor-store", "llm-backends"},
    "neural-structures": set(),
    "neurallambda": {"neural-structures"},
    "dag-executor": set(),
    "nanogpt-dag": {"dag-executor"},
    "viba-trainer": {"symtensor-store", "symtensor-autograd", "llm-backends"},
    "predictor-trainer": {"dag-executor", "nanogpt-dag"},
}


def _workspace_dependencies(pyproject: Path) -> tuple[str, set[str]]:
    project = tomllib.loads(pyproject.read_text())["project"]
    names = {
        dep.split("[")[0].split(">")[0].split("=")[0].strip() for dep in project["dependencies"]
    }
    return project["name"], names & set(ALLOWED)


@pytest.mark.parametrize("member", MEMBERS, ids=lambda p: p.name)
def test_member_imports_and_depends_only_downward(member: Path) -> None:
    name, deps = _workspace_dependencies(member / "pyproject.toml")
    assert name in ALLOWED, f"{name} is not a known workspace member"
    assert deps <= ALLOWED[name], f"{name} depends upward on {deps - ALLOWED[name]}"
    importlib.import_module(name.replace("-", "_"))
    assert (member / "src" / name.replace("-", "_") / "py.typed").exists()
