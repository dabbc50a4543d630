"""Given the e2e workflow, then it runs `make e2e` on kind with the pinned CLI and keeps the report.

It cannot run here (no GitHub runner, no Docker); these checks hold what a reader of it relies on.
`make test` lints it with actionlint as well.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "e2e.yml"
PIN = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)==(?P<version>\S+)$")
EXPRESSION_ENV = re.compile(r"\$\{\{\s*env\.([A-Z_]+)\s*\}\}")
SHELL_ENV = re.compile(r"\$\{?([A-Z_][A-Z0-9_]*)\}?")
RUNNER_VARIABLES = {"HOME", "GITHUB_PATH"}


def workflow() -> dict[Any, Any]:
    document = yaml.safe_load(WORKFLOW.read_text())
    assert isinstance(document, dict)
    return document


def steps() -> list[dict[str, Any]]:
    found = workflow()["jobs"]["e2e"]["steps"]
    assert isinstance(found, list)
    return found


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
