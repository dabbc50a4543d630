"""pyproject.toml is the one source of the pins: every requirements file follows from it.

requirements.txt (what `pulumi up` installs when .venv is missing) installs the project with the
CrossGuard pack's extra, since policy/PulumiPolicy.yaml runs the pack in the same .venv;
requirements-dev.txt installs it with the test tools, which include that extra.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from tests.conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]
PIN = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)(\[[^\]]*\])?==(?P<version>\S+)$")
NAME = re.compile(r"^[A-Za-z0-9_.-]+")


def requirement_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


def normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def every_pin() -> list[str]:
    extras = [pin for pins in PROJECT["optional-dependencies"].values() for pin in pins]
    return [*PROJECT["dependencies"], *extras]


def test_the_pulumi_runtime_and_the_dev_bootstrap_install_the_project_with_the_policy_packs_dependencies() -> None:
    assert requirement_lines(ROOT / "requirements.txt") == ["-e .[policy]"]
    assert requirement_lines(ROOT / "requirements-dev.txt") == ["-e .[dev]"]
    assert "k8s-labs[policy]" in PROJECT["optional-dependencies"]["dev"]
    policy_names = {name_of(pin) for pin in PROJECT["optional-dependencies"]["policy"]}
    assert {"pulumi", "pulumi-policy"} <= policy_names


def test_every_dependency_is_pinned_once_to_one_version() -> None:
    versions: dict[str, set[str]] = {}
    for pin in every_pin():
        if name_of(pin) == normal(PROJECT["name"]):
            continue  # the dev extra pulls in the policy extra
        match = PIN.match(pin)
        assert match, f"{pin} is not pinned with =="
        versions.setdefault(normal(match["name"]), set()).add(match["version"])
    assert {name: found for name, found in versions.items() if len(found) > 1} == {}


def name_of(requirement: str) -> str:
    match = NAME.match(requirement)
    assert match, requirement
    return normal(match[0])


def test_the_installed_distribution_is_this_project_at_its_version() -> None:
    # `make` installs the project editable; stale metadata would show an old version or old pins
    installed = metadata.distribution(PROJECT["name"])
    assert installed.version == PROJECT["version"]
    assert set(installed.requires or []) >= set(PROJECT["dependencies"])


def test_every_package_the_program_and_labctl_import_is_installed() -> None:
    packages = set(PYPROJECT["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(folder.relative_to(ROOT).parts)
        for folder in (path.parent for path in ROOT.glob("*/**/__init__.py"))
        if folder.relative_to(ROOT).parts[0] not in ("tests", "tools", "bench", "build", ".venv", "mutants")
    }
    assert on_disk == packages
