"""Given the e2e workflow, then it runs `make e2e` on kind with the pinned CLI and keeps the report.

It cannot run here (no GitHub runner, no Docker); these checks hold what a reader of it relies on.
`make test` lints it with actionlint as well, and so does the last test here.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import yaml

from labs.support import supported, supported_range
from tests.conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "e2e.yml"
PIN = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)==(?P<version>\S+)$")
EXPRESSION_ENV = re.compile(r"\$\{\{\s*env\.([A-Z_]+)\s*\}\}")
SHELL_ENV = re.compile(r"\$\{?([A-Z_][A-Z0-9_]*)\}?")
RUNNER_VARIABLES = {"HOME", "GITHUB_PATH"}
# A kind node image as kind's release notes list it: the Kubernetes release as tag, then the digest.
NODE_IMAGE = re.compile(r"^kindest/node:v(?P<major>\d+)\.(?P<minor>\d+)\.(?P<patch>\d+)@sha256:[0-9a-f]{64}$")
RELEASE = re.compile(r"^v(?P<major>\d+)\.(?P<minor>\d+)\.(?P<patch>\d+)$")
# The major each action is used at, and why. GitHub removes the Node 20 runtime from its runners;
# actionlint 1.17 flags actions that still run on it (checkout v4, setup-python v5, upload-artifact
# v4 and v5 do). Read from each repository's action.yml (`runs.using`) at the tag the major points to.
ACTION_MAJORS = {
    "actions/checkout": ("v7", "v7.0.1, runs on node24; v7 refuses fork pull requests under pull_request_target"),
    "actions/setup-python": ("v7", "v7.0.0, runs on node24 (since v6); same inputs as v6"),
    "actions/upload-artifact": ("v7", "v7.0.0, runs on node24 (since v6); `archive` defaults to true, as before"),
    "helm/kind-action": ("v1", "v1.14.0, runs on node24 (since v1.13.0); v1 is its only major"),
}
# helm/kind-action v1.14.0's action.yml `inputs` (actionlint does not know this action's inputs).
KIND_ACTION_INPUTS = {
    "version",
    "config",
    "kubeconfig",
    "node_image",
    "cluster_name",
    "wait",
    "verbosity",
    "kubectl_version",
    "registry",
    "registry_image",
    "registry_name",
    "registry_port",
    "registry_enable_delete",
    "install_only",
    "ignore_failed_clean",
    "cloud_provider",
}


def workflow() -> dict[Any, Any]:
    document = yaml.safe_load(WORKFLOW.read_text())
    assert isinstance(document, dict)
    return document


def steps() -> list[dict[str, Any]]:
    found = workflow()["jobs"]["e2e"]["steps"]
    assert isinstance(found, list)
    return found


def kind_step() -> dict[str, Any]:
    return next(step for step in steps() if step.get("uses", "").startswith("helm/kind-action@"))


def pulumi_pin() -> str:
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    versions = [match["version"] for pin in dependencies if (match := PIN.match(pin)) and match["name"] == "pulumi"]
    assert len(versions) == 1
    return versions[0]


def test_the_pulumi_cli_it_installs_is_the_sdk_version_pinned_in_pyproject() -> None:
    assert workflow()["env"]["PULUMI_VERSION"] == pulumi_pin()
    install = next(step for step in steps() if "get.pulumi.com" in step.get("run", ""))
    assert '--version "$PULUMI_VERSION"' in install["run"]


def test_it_creates_a_kind_cluster_runs_make_e2e_and_uploads_the_report_even_on_failure() -> None:
    uses = [step.get("uses", "") for step in steps()]
    kind = next(step for step in steps() if step.get("uses", "").startswith("helm/kind-action@"))
    make = next(index for index, step in enumerate(steps()) if step.get("run", "").strip() == "make e2e")
    upload = next(step for step in steps() if step.get("uses", "").startswith("actions/upload-artifact@"))
    assert uses.index(kind["uses"]) < make
    assert kind["with"]["version"] == "${{ env.KIND_VERSION }}"
    assert upload["if"] == "always()" and upload["with"]["path"] == "build/e2e/"
    assert steps().index(upload) > make


def test_every_action_is_pinned_and_every_variable_it_reads_is_defined() -> None:
    defined = set(workflow()["env"])
    for step in steps():
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+(\.\d+)*", step["uses"]), step["uses"]
        text = yaml.safe_dump(step)
        assert set(EXPRESSION_ENV.findall(text)) <= defined, step
        assert set(SHELL_ENV.findall(step.get("run", ""))) <= defined | RUNNER_VARIABLES, step


def test_it_never_logs_in_and_only_reads_the_repository() -> None:
    assert workflow()["permissions"] == {"contents": "read"}
    assert "pulumi login" not in WORKFLOW.read_text()


def test_the_workflow_file_is_where_github_reads_workflows() -> None:
    assert WORKFLOW.relative_to(ROOT) == Path(".github/workflows/e2e.yml")
    assert workflow()["jobs"]["e2e"]["timeout-minutes"] <= 120


def test_given_the_kind_node_image_then_its_kubernetes_minor_is_validated_and_it_is_pinned_by_digest() -> None:
    image = workflow()["env"]["KIND_NODE_IMAGE"]
    match = NODE_IMAGE.match(image)
    assert match, f"{image}: not kindest/node:vX.Y.Z@sha256:<64 hex>, as kind's release notes give it"
    assert supported(int(match["major"]), int(match["minor"])), f"{image} is outside {supported_range()}"
    assert kind_step()["with"]["node_image"] == "${{ env.KIND_NODE_IMAGE }}"


def test_given_the_kind_node_image_then_kubectl_is_of_the_same_minor_not_the_actions_default() -> None:
    node = NODE_IMAGE.match(workflow()["env"]["KIND_NODE_IMAGE"])
    kubectl = RELEASE.match(workflow()["env"]["KUBECTL_VERSION"])
    assert node and kubectl
    assert (kubectl["major"], kubectl["minor"]) == (node["major"], node["minor"])
    assert kind_step()["with"]["kubectl_version"] == "${{ env.KUBECTL_VERSION }}"


def test_given_helm_kind_action_then_only_inputs_it_documents_are_given() -> None:
    assert set(kind_step()["with"]) <= KIND_ACTION_INPUTS


def test_given_every_action_then_it_is_on_the_major_chosen_for_it_and_every_choice_is_used() -> None:
    used = {}
    for step in steps():
        if "uses" in step:
            name, _, major = step["uses"].partition("@")
            assert name in ACTION_MAJORS, f"{name}: no major chosen for it in ACTION_MAJORS"
            assert major == ACTION_MAJORS[name][0], f"{name}@{major}, not @{ACTION_MAJORS[name][0]}"
            used[name] = major
    assert set(used) == set(ACTION_MAJORS)


def test_given_the_pinned_actionlint_then_the_workflow_passes_it() -> None:
    actionlint = Path(sys.executable).parent / "actionlint"
    assert actionlint.exists(), f"{actionlint} is missing: `make .venv/.installed` installs it (pyproject's dev extra)"
    done = subprocess.run(
        [str(actionlint), "-no-color", str(WORKFLOW)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
