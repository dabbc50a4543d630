"""Given a rendered class, the set-up steps work in the order given, each run by someone allowed to run it.

The namespace must exist before its Secret; ResourceQuota admission refuses pods until the quota
has a status; a student's ServiceAccount may create only what its Role allows. The Role is read
back from the rendered 00-environment.yaml, and the kinds it must cover from the files the sheet
names, so the sheet and the Role cannot drift apart.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from config import Plan
from labctl.render.handout import LAB_SHEET, setup_steps
from tests.conftest import ROOT

# What `kubectl apply` needs of a kind it creates or updates: API group, resource, verbs.
APPLY_VERBS = {"get", "create", "patch"}
RESOURCES = {
    "Pod": ("", "pods"),
    "ConfigMap": ("", "configmaps"),
    "Secret": ("", "secrets"),
    "Service": ("", "services"),
    "PersistentVolumeClaim": ("", "persistentvolumeclaims"),
    "Deployment": ("apps", "deployments"),
    "Namespace": ("", "namespaces"),
    "ServiceAccount": ("", "serviceaccounts"),
    "Role": ("rbac.authorization.k8s.io", "roles"),
    "RoleBinding": ("rbac.authorization.k8s.io", "rolebindings"),
    "ResourceQuota": ("", "resourcequotas"),
    "LimitRange": ("", "limitranges"),
    "NetworkPolicy": ("networking.k8s.io", "networkpolicies"),
}
STEP = re.compile(r"^(\d+)\. (?P<who>[^:]+): (?P<what>.*?)\n\n```console\n(?P<commands>.*?)\n```", re.M | re.S)


def render(project: Path, out: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "labctl",
            "render",
            "--stack",
            "dev",
            "--project-dir",
            str(project),
            "--out",
            str(out),
            *flags,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    project = tmp_path_factory.mktemp("project")
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml"):
        shutil.copy(ROOT / name, project / name)
    result = render(project, project / "out")
    assert result.returncode == 0, result.stderr
    return project / "out" / "student-1", result.stdout


def steps_of(folder: Path) -> list[tuple[str, str, list[str]]]:
    sheet = (folder / LAB_SHEET).read_text()
    setting_up = sheet.split("## Setting up", 1)[1].split("\n## ", 1)[0]
    return [(m["who"], m["what"], m["commands"].splitlines()) for m in STEP.finditer(setting_up)]


def applied_files(command: str) -> list[str]:
    words = command.split()
    assert words[:2] == ["kubectl", "apply"], command
    return [words[index + 1] for index, word in enumerate(words) if word == "-f"]


def allowed(role: dict[str, Any], kind: str) -> bool:
    group, resource = RESOURCES[kind]
    return any(
        group in rule["apiGroups"] and resource in rule["resources"] and set(rule["verbs"]) >= APPLY_VERBS
        for rule in role["rules"]
    )


def test_every_kind_a_student_is_told_to_apply_is_one_their_role_may_create(rendered: tuple[Path, str]) -> None:
    folder, _ = rendered
    environment = list(yaml.safe_load_all((folder / "00-environment.yaml").read_text()))
    (role,) = [doc for doc in environment if doc["kind"] == "Role"]
    student_steps = [(what, commands) for who, what, commands in steps_of(folder) if who.startswith("You")]

    assert student_steps, "the sheet gives the student no step"
    for _, commands in student_steps:
        for command in commands:
            for name in applied_files(command):
                for document in yaml.safe_load_all((folder / name).read_text()):
                    assert allowed(role, document["kind"]), (
                        f"{name}: the student's Role cannot create {document['kind']}"
                    )


def test_the_environment_file_is_the_instructors_because_the_role_cannot_create_it(rendered: tuple[Path, str]) -> None:
    folder, _ = rendered
    environment = list(yaml.safe_load_all((folder / "00-environment.yaml").read_text()))
    (role,) = [doc for doc in environment if doc["kind"] == "Role"]
    steps = steps_of(folder)

    assert not all(allowed(role, doc["kind"]) for doc in environment)
    who, _, commands = steps[0]
    assert who == "Instructor" and commands[0] == "kubectl apply -f 00-environment.yaml"
    student_files = [name for who, _, cmds in steps if who.startswith("You") for c in cmds for name in applied_files(c)]
    assert "00-environment.yaml" not in student_files
    assert "kubectl apply -f ." not in (folder / LAB_SHEET).read_text()


def test_the_sheet_orders_namespace_quota_secret_then_labs_and_names_the_secret(rendered: tuple[Path, str]) -> None:
    folder, _ = rendered
    commands = [command for _, _, step_commands in steps_of(folder) for command in step_commands]

    assert commands[0] == "kubectl apply -f 00-environment.yaml"
    assert commands[1].startswith("until kubectl get resourcequota student-budget -n lab-student-1 ")
    assert commands[3] == (
        'printf %s "$MYSQL_ROOT_PASSWORD" | '
        "kubectl create secret generic mysql-password -n lab-student-1 --from-file=password=/dev/stdin"
    )
    assert applied_files(commands[4]) == [
        "10-liveready-pod.yaml", "20-security-pod.yaml", "30-redis-pod.yaml",
        "40-secret-mysql.yaml", "50-pod-env-var.yaml",
    ]  # fmt: skip


def test_the_printed_hint_creates_the_namespace_before_its_secret(rendered: tuple[Path, str]) -> None:
    _, printed = rendered
    lines = [line.strip() for line in printed.splitlines()]

    namespace = lines.index("kubectl apply -f 00-environment.yaml")
    secret = next(i for i, line in enumerate(lines) if "kubectl create secret generic mysql-password" in line)
    labs = next(i for i, line in enumerate(lines) if line.startswith("kubectl apply -f 10-liveready-pod.yaml"))
    assert namespace < secret < labs
    assert "Create each before applying" not in printed


def test_the_quota_wait_command_ends_once_the_quota_has_a_status(tmp_path: Path, dev_plan: Plan) -> None:
    # given a kubectl that answers the quota's status only on its third call
    calls = tmp_path / "calls"
    fake = tmp_path / "kubectl"
    fake.write_text(f'#!/bin/sh\necho x >> {calls}\n[ "$(wc -l < {calls})" -ge 3 ] && printf 10\nexit 0\n')
    fake.chmod(0o755)
    commands = [command for step in setup_steps(dev_plan.environments[0]) for command in step.commands]
    wait = next(command for command in commands if command.startswith("until "))

    # when the sheet's wait command runs with it, then it returns, having asked until the answer came
    result = subprocess.run(
        ["/bin/sh", "-c", wait.replace("do sleep 1", "do sleep 0.01")],
        env={"PATH": f"{tmp_path}:/usr/bin:/bin"},
        timeout=20,
        check=False,
    )
    assert result.returncode == 0
    assert len(calls.read_text().splitlines()) == 3


def test_with_include_secrets_the_sheet_applies_the_written_secret_file(tmp_path: Path) -> None:
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    assert render(tmp_path, tmp_path / "out", "--include-secrets").returncode == 0

    commands = [c for _, _, cmds in steps_of(tmp_path / "out" / "student-1") for c in cmds]

    assert "kubectl apply -f 05-secrets.yaml" in commands
    assert not any(command.startswith("kubectl create secret") for command in commands)


def test_the_secret_step_hands_the_password_over_on_stdin_never_on_a_command_line(
    rendered: tuple[Path, str], tmp_path: Path
) -> None:
    # Given the sheet's Secret step and a kubectl that records its arguments and what it reads
    folder, _ = rendered
    commands = [command for _, _, step_commands in steps_of(folder) for command in step_commands]
    [create] = [command for command in commands if "create secret" in command]
    fake = tmp_path / "kubectl"
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$0.argv"\ncat /dev/stdin > "$0.stdin"\n')
    fake.chmod(0o755)
    # When a real shell runs it with the password typed in
    done = subprocess.run(
        ["bash", "-c", create],
        env={"PATH": f"{tmp_path}:/usr/bin:/bin", "MYSQL_ROOT_PASSWORD": "s3cret-pw"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    # Then kubectl read it from stdin, and no argument of kubectl carries it
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "kubectl.stdin").read_text() == "s3cret-pw"
    assert "s3cret-pw" not in (tmp_path / "kubectl.argv").read_text()
    assert "--from-file=password=/dev/stdin" in (tmp_path / "kubectl.argv").read_text().splitlines()
