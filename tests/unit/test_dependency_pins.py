"""constraints.txt pins every dependency, and the suite runs on exactly those versions.

The Makefile installs with `-c constraints.txt`, so CI on a fresh machine gets the versions the
suite last passed with; these tests fail when a dependency is added to pyproject.toml without a
pin, or when the environment drifted from the lock (run `make lock` after a deliberate change).
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins() -> dict[str, str]:
    found: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, separator, version = line.partition("==")
        assert separator and version.strip(), f"not an exact pin: {line!r}"
        assert canonical(name) not in found, f"pinned twice: {name}"
        found[canonical(name)] = version.strip()
    return found


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    return {canonical(NAME.match(requirement).group(0)) for requirement in requirements}


def test_every_declared_dependency_is_pinned():
    assert sorted(declared() - set(pins())) == []


def test_the_makefile_installs_through_the_lock():
    makefile = (ROOT / "Makefile").read_text()
    installs = [line for line in makefile.splitlines() if "pip install" in line and " -e " in line]
    assert installs and all("-c constraints.txt" in line for line in installs)


def test_the_installed_versions_are_the_pinned_ones():
    drifted = []
    for name, version in pins().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue  # e.g. the bench extra's packages in a venv made by `make test`
        if installed != version:
            drifted.append(f"{name}: installed {installed}, pinned {version}")
    assert drifted == []
