"""Release the nine distributions: bump, changelog, build, check, install each alone, publish.

Run: uv run python tools/release.py --dry-run            # everything but the writes and publishing
     uv run python tools/release.py --bump minor          # bump, update CHANGELOG.md, build, check

Version policy (semantic versioning, all members move together): ``patch`` for fixes,
``minor`` for new features and, while the major version is 0, for breaking changes; ``major``
once an API is declared stable. Sibling requirements are bounded to the compatible minor
release (``>=X.Y.Z,<X.Y+1``), so a later release of one package never breaks an install of
another; tests/test_release_metadata.py keeps the bounds honest.

Steps, in dependency order where order matters:

1. bump every member's version and the bounds on its siblings (skipped with --dry-run);
2. move CHANGELOG.md's "Unreleased" section under the new version (skipped with --dry-run);
3. ``uv build --all-packages`` into a fresh folder, then ``twine check`` every artifact;
4. for each member: a fresh virtual environment, its wheel installed alone with only its
   declared dependencies (siblings from the fresh wheels, nothing from the workspace), its
   package imported with warnings as errors, its console scripts' ``--help`` run;
5. print the ``uv publish`` commands in dependency order (publishing needs a token: not run).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
CHANGELOG = ROOT / "CHANGELOG.md"


@dataclass
class Member:
    """One distribution of the workspace."""

    name: str
    version: str
    folder: Path
    siblings: list[str]
    scripts: list[str]

    @property
    def module(self) -> str:
        return self.name.replace("-", "_")


def members() -> list[Member]:
    """Every workspace member, each after the siblings it depends on."""
    found: dict[str, Member] = {}
    for path in sorted(
        [*ROOT.glob("packages/*/pyproject.toml"), *ROOT.glob("apps/*/pyproject.toml")]
    ):
        project = tomllib.loads(path.read_text(encoding="utf-8"))["project"]
        found[project["name"]] = Member(
            project["name"],
            project["version"],
            path.parent,
            [Requirement(dep).name for dep in project["dependencies"]],
            sorted(project.get("scripts", {})),
        )
    for member in found.values():
        member.siblings = [name for name in member.siblings if name in found]
    ordered: list[Member] = []
    while len(ordered) < len(found):
        ready = [
            m
            for m in found.values()
            if m not in ordered and all(found[s] in ordered for s in m.siblings)
        ]
        if not ready:
            raise SystemExit("release: the workspace's sibling dependencies form a cycle")
        ordered.extend(sorted(ready, key=lambda m: m.name))
    return ordered


def bumped(version: str, part: str) -> str:
    """``version`` with ``part`` ("major", "minor" or "patch") raised and the lower ones reset."""
    major, minor, patch = (int(x) for x in version.split("."))
    if part == "major":
        return f"{major + 1}.0.0"
    if part == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def write_versions(all_members: list[Member], new: str) -> None:
    """Set every member's version to ``new`` and bound every sibling requirement to it."""
    major, minor, _ = new.split(".")
    names = [m.name for m in all_members]
    for member in all_members:
        path = member.folder / "pyproject.toml"
        text = path.read_text(encoding="utf-8")
        text = re.sub(r'(?m)^version = "[^"]+"', f'version = "{new}"', text, count=1)
        for name in names:
            text = re.sub(
                rf'"{re.escape(name)}(\[[^\]]*\])?>=[^,"]+,<[^"]+"',
                lambda m, n=name: f'"{n}{m.group(1) or ""}>={new},<{major}.{int(minor) + 1}"',
                text,
            )
        path.write_text(text, encoding="utf-8")


def release_changelog(new: str) -> None:
    """Turn the "Unreleased" section of CHANGELOG.md into the section of ``new``."""
    text = CHANGELOG.read_text(encoding="utf-8")
    if "## Unreleased" not in text:
        raise SystemExit("release: CHANGELOG.md has no '## Unreleased' section to release")
    text = text.replace(
        "## Unreleased", f"## Unreleased\n\n(nothing yet)\n\n## {new} ({date.today()})", 1
    )
    CHANGELOG.write_text(text, encoding="utf-8")


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    """``command``, its output captured; a failure ends the release with its last lines."""
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        tail = (done.stdout + done.stderr)[-3000:]
        raise SystemExit(f"release: {' '.join(command[:4])} ... failed:\n{tail}")
    return done


def check_alone(member: Member, dist: Path, work: Path) -> None:
    """Install ``member``'s wheel alone in a fresh environment, import it, run its scripts."""
    venv = work / f"venv-{member.name}"
    run(["uv", "venv", "--quiet", "--python", sys.executable, str(venv)])
    python = venv / "bin" / "python"
    wheel = next(dist.glob(f"{member.module}-*.whl"))
    run(
        [
            "uv",
            "pip",
            "install",
            "--quiet",
            "--python",
            str(python),
            "--find-links",
            str(dist),
            str(wheel),
        ]
    )
    run([str(python), "-W", "error", "-c", f"import {member.module}"])
    for script in member.scripts:
        run([str(venv / "bin" / script), "--help"])
        run([str(venv / "bin" / script), "--version"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bump", choices=("major", "minor", "patch"), default="patch")
    parser.add_argument("--dry-run", action="store_true", help="change no file, publish nothing")
    parser.add_argument("--skip-install", action="store_true", help="skip step 4 (no venvs)")
    args = parser.parse_args()

    all_members = members()
    versions = {m.version for m in all_members}
    if len(versions) != 1:
        raise SystemExit(f"release: members disagree on the version: {sorted(versions)}")
    new = bumped(versions.pop(), args.bump)
    print(
        f"release {new} ({args.bump}), in dependency order: {', '.join(m.name for m in all_members)}"
    )
    if not args.dry_run:
        write_versions(all_members, new)
        release_changelog(new)
        run(["uv", "lock"], cwd=ROOT)
        print("1-2. versions, bounds and CHANGELOG.md updated")
    else:
        print(f"1-2. (dry run) would set every version to {new} and release CHANGELOG.md")

    with tempfile.TemporaryDirectory(prefix="release-") as folder:
        work = Path(folder)
        dist = work / "dist" if args.dry_run else ROOT / "dist"  # a dry run writes nothing here
        shutil.rmtree(dist, ignore_errors=True)
        run(["uv", "build", "--all-packages", "--quiet", "-o", str(dist)], cwd=ROOT)
        artifacts = sorted([*dist.glob("*.whl"), *dist.glob("*.tar.gz")])
        run(["uvx", "twine", "check", "--strict", *map(str, artifacts)])
        print(f"3. built and checked {len(artifacts)} artifacts")
        if not args.skip_install:
            for member in all_members:
                check_alone(member, dist, work)
                print(f"4. {member.name}: installs alone, imports, scripts answer --help")
    print("5. publish, in this order (needs UV_PUBLISH_TOKEN), then tag:")
    for member in all_members:
        print(f"   uv publish dist/{member.module}-{member.version if args.dry_run else new}[-.]*")
    print(f"   git tag -a v{new} -m 'neurosym {new}' && git push --tags")


if __name__ == "__main__":
    main()
