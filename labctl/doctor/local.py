"""The checks that need no cluster: the Pulumi CLI against the SDK pin, and the policy pack's virtualenv."""

from __future__ import annotations

import os
import re
import shlex
import shutil
from importlib import metadata
from pathlib import Path

from config import ConfigError
from config.stackfile import read_yaml
from labctl.doctor.programs import run_program
from labctl.doctor.report import POLICY_VIRTUALENV, PULUMI_CLI, Check
from labctl.json_fields import field
from labctl.printable import one_line

# Local programs need no network: `pulumi version` (its update check is switched off) and a python
# importing the policy packages. Generous, for a machine busy with other work.
LOCAL_TIMEOUT_SECONDS = 60.0
INSTALL_PULUMI = "https://www.pulumi.com/docs/install/"
VERSION = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)")
POLICY_FOLDER = "policy"
POLICY_FILE = "PulumiPolicy.yaml"
# The pack's packages: the project with its `policy` extra (pyproject.toml), installed from the project folder.
POLICY_INSTALL = ("install", "-e", ".[policy]")
DEFAULT_PLUGIN_VIRTUALENV = "venv"
# What the pack's process imports: the CrossGuard SDK and the project's rules (which import labs/).
POLICY_IMPORTS = "import pulumi_policy, policy.rules"
# The folder `make` bootstraps, with the `dev` extra, which holds the `policy` extra.
PROJECT_VIRTUALENV = ".venv"


def version_triple(text: str) -> tuple[int, int, int] | None:
    match = VERSION.match(text.strip())
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def pulumi_cli() -> Check:
    """The CLI runs, and is not older than the pulumi SDK the project pins (they share version numbers)."""
    try:
        sdk = metadata.version("pulumi")
    except metadata.PackageNotFoundError:
        sdk = ""
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        wanted = f" {sdk} or newer" if sdk else ""
        return PULUMI_CLI.problem(
            "not on PATH", f"install Pulumi CLI{wanted}: {INSTALL_PULUMI}", unavailable="Pulumi CLI"
        )
    answer = run_program(
        [pulumi, "version"], LOCAL_TIMEOUT_SECONDS, env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"}
    )
    if answer.problem:
        return PULUMI_CLI.problem(
            f"`pulumi version` does not work: {answer.problem}", f"reinstall it: {INSTALL_PULUMI}", "Pulumi CLI"
        )
    lines = [line.strip() for line in answer.stdout.splitlines() if line.strip()]
    shown = next((line for line in lines if version_triple(line)), None)
    cli = version_triple(shown) if shown else None
    if shown is None or cli is None:
        return PULUMI_CLI.unknown(
            f"`pulumi version` printed {one_line(answer.stdout, 60)!r}, not a version",
            f"check that `pulumi version` prints one, e.g. v{sdk}",
        )
    shown = one_line(shown, 40)
    pinned = version_triple(sdk)
    if pinned is None:
        return PULUMI_CLI.unknown(
            f"{shown}; the pulumi SDK is not installed here to compare with", "run labctl from the project's .venv"
        )
    if cli < pinned:
        return PULUMI_CLI.problem(
            f"{shown} is older than the pulumi SDK {sdk} the project pins",
            f"install Pulumi CLI {sdk} or newer: {INSTALL_PULUMI}",
        )
    if cli > pinned:
        return PULUMI_CLI.ok(f"{shown}, newer than the pulumi SDK pin {sdk}: a CLI runs older SDKs")
    return PULUMI_CLI.ok(f"{shown}, the version of the pulumi SDK pin")


def policy_install(virtualenv: str) -> str:
    """The pip command that installs the pack's packages into `virtualenv` (a path from PulumiPolicy.yaml), quoted."""
    return shlex.join((f"{virtualenv}/bin/pip", *POLICY_INSTALL))


def shown_path(path: Path, project: Path) -> str:
    """The path as the user knows it: relative to the project when inside it."""
    try:
        return str(path.relative_to(project))
    except ValueError:
        return str(path)


def policy_virtualenv(project: Path) -> Check:
    """PulumiPolicy.yaml's runtime.options.virtualenv, resolved from policy/ as the Python language host does."""
    settings = project / POLICY_FOLDER / POLICY_FILE
    if not settings.is_file():
        return POLICY_VIRTUALENV.problem(
            f"{shown_path(settings, project)} does not exist", "restore it from the project (git checkout policy/)"
        )
    try:
        document = read_yaml(settings)
    except ConfigError as error:
        return POLICY_VIRTUALENV.problem("; ".join(error.problems), f"fix {shown_path(settings, project)}")
    except OSError as error:
        return POLICY_VIRTUALENV.problem(
            f"{shown_path(settings, project)}: {error.strerror or error}", "make it readable"
        )
    configured = field(document, "runtime", "options", "virtualenv")
    if not isinstance(configured, str) or not configured.strip():
        # The language host gives a plugin with the pip toolchain `venv` when none is named (parseOptions).
        configured = DEFAULT_PLUGIN_VIRTUALENV
    # Pulumi's language host joins a relative virtualenv to the pack's own folder.
    folder = Path(os.path.normpath(project / POLICY_FOLDER / configured))
    shown = shown_path(folder, project)
    is_project_virtualenv = folder == Path(os.path.normpath(project / PROJECT_VIRTUALENV))
    python = folder / "bin" / "python"
    if not folder.is_dir() or not python.exists():
        what = "does not exist" if not folder.is_dir() else "has no bin/python"
        create = (
            "run `make run` (it creates .venv with the policy packages)"
            if is_project_virtualenv
            else f"create it from the project folder: {shlex.join(('python3', '-m', 'venv', shown))} && "
            f"{policy_install(shown)}"
        )
        return POLICY_VIRTUALENV.problem(f"{shown} (runtime.options.virtualenv {configured!r}) {what}", create)
    answer = run_program([str(python), "-c", POLICY_IMPORTS], LOCAL_TIMEOUT_SECONDS, cwd=project)
    if answer.problem:
        # A traceback's last line names the exception: "ModuleNotFoundError: No module named 'pulumi_policy'".
        last = [line for line in answer.stderr.splitlines() if line.strip()]
        said = one_line(last[-1]) if last and answer.code is not None else answer.problem
        return POLICY_VIRTUALENV.problem(
            f"{shown}/bin/python cannot `{POLICY_IMPORTS}`: {said}",
            f"install the pack's packages from the project folder: {policy_install(shown)}",
        )
    return POLICY_VIRTUALENV.ok(f"{shown} imports pulumi_policy and policy.rules")
